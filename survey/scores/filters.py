"""Which responses a score counts: a period and optional service, channel, counter, unit and flag filters."""

from dataclasses import dataclass, replace

from survey.periods import Period


@dataclass(frozen=True)
class Filters:
    """Which responses count: a period, optionally one service, channel or counter, flagged or not."""

    #: Local calendar period; None counts every response (the whole history).
    period: Period | None
    service_id: int | None = None
    channel: str | None = None
    counter_id: int | None = None
    #: Only the unit's own responses (not its sub-units'), e.g. for its counters.
    unit_id: int | None = None
    #: Flagged (suspicious) responses are kept and counted unless this is False.
    include_flagged: bool = True
    #: Only responses with after_id < id <= upto_id (incremental updates of cached counts).
    after_id: int = 0
    upto_id: int | None = None

    def but(self, **changes) -> "Filters":
        """Return a copy with some fields changed."""
        return replace(self, **changes)
