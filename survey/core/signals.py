"""Rating-stuffing signals: decide from a new rating and recent ones why it looks suspicious.

Pure functions, no database: the caller passes the recent rows of the same device and counter.
A flagged response is kept and counted; score pages can leave flagged responses out.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

#: Reason codes, stored comma-separated in Response.suspicious_reason.
INTERVAL = "interval"
BURST = "burst"
OFF_HOURS = "off-hours"
REPEATED = "repeated-pattern"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Thresholds:
    """When ratings look stuffed; every value is a setting (SIGNALS_* in the config)."""

    #: Top ratings on one device or counter within burst_seconds that make a burst; from one
    #: client address (which a whole centre may share behind NAT) it takes client_burst_count.
    burst_count: int = 5
    burst_seconds: int = 60
    client_burst_count: int = 10
    #: Opening hours in local time, and the local offset from UTC (Vietnam: UTC+7).
    opens: time = time(7, 0)
    closes: time = time(17, 30)
    open_days: frozenset[int] = frozenset(range(6))  # Monday 0 … Saturday 5
    utc_offset_hours: int = 7
    #: The same answers as this many recent responses of the counter, within pattern_seconds.
    pattern_repeats: int = 3
    pattern_seconds: int = 3600
    #: Patterns with fewer answered items than this are too short to compare (quick ratings).
    pattern_min_items: int = 4

    @property
    def timezone(self) -> timezone:
        """Return the local time zone of the opening hours."""
        return timezone(timedelta(hours=self.utc_offset_hours))


@dataclass(frozen=True)
class Rating:
    """What the signals look at in one response."""

    at: datetime
    #: The stored answer values in slot order (None = not asked, 0 = no opinion).
    pattern: tuple[int | None, ...]
    #: Every answered scored item is at the top level.
    top: bool
    kiosk_id: int | None = None
    counter_id: int | None = None
    instrument_id: int | None = None
    #: Keyed hash of the client's address (web forms), see survey.web.limits.client_hash.
    client_hash: str | None = None

    @property
    def answered(self) -> int:
        """Return how many items carry a real answer."""
        return sum(1 for value in self.pattern if value)


def decide(
    new: Rating,
    recent: Iterable[Rating],
    *,
    min_interval_seconds: int | None = None,
    thresholds: Thresholds = Thresholds(),
) -> str | None:
    """Return the comma-separated reasons the new rating looks suspicious, or None."""
    recent = [row for row in recent if row.at <= new.at]
    reasons = []
    if min_interval_seconds and too_soon(new, recent, min_interval_seconds):
        reasons.append(INTERVAL)
    if new.top and in_burst(new, recent, thresholds):
        reasons.append(BURST)
    if outside_opening_hours(new.at, thresholds):
        reasons.append(OFF_HOURS)
    if repeats_pattern(new, recent, thresholds):
        reasons.append(REPEATED)
    return ", ".join(reasons) or None


def too_soon(new: Rating, recent: list[Rating], seconds: int) -> bool:
    """Tell whether the same device rated less than `seconds` before."""
    limit = timedelta(seconds=seconds)
    return new.kiosk_id is not None and any(
        row.kiosk_id == new.kiosk_id and new.at - row.at < limit for row in recent
    )


def in_burst(new: Rating, recent: list[Rating], thresholds: Thresholds) -> bool:
    """Tell whether this top rating completes a burst of top ratings on its device, counter or client.

    Times are the server's times of acceptance, so a burst is one however long each page was open.
    """
    start = new.at - timedelta(seconds=thresholds.burst_seconds)
    for key, count in (("kiosk_id", thresholds.burst_count), ("counter_id", thresholds.burst_count),
                       ("client_hash", thresholds.client_burst_count)):
        own = getattr(new, key)
        if own is None:
            continue
        tops = sum(1 for row in recent if row.top and getattr(row, key) == own and row.at > start)
        if tops + 1 >= count:
            return True
    return False


def outside_opening_hours(at: datetime, thresholds: Thresholds) -> bool:
    """Tell whether a UTC time falls outside the local opening hours."""
    local = at.astimezone(thresholds.timezone)
    if local.weekday() not in thresholds.open_days:
        return True
    return not (thresholds.opens <= local.time() < thresholds.closes)


def repeats_pattern(new: Rating, recent: list[Rating], thresholds: Thresholds) -> bool:
    """Tell whether the counter saw the very same long answer pattern several times lately."""
    if new.counter_id is None or new.answered < thresholds.pattern_min_items:
        return False
    start = new.at - timedelta(seconds=thresholds.pattern_seconds)
    same = sum(
        1
        for row in recent
        if row.counter_id == new.counter_id
        and row.instrument_id == new.instrument_id
        and row.at > start
        and row.pattern == new.pattern
    )
    return same >= thresholds.pattern_repeats


def thresholds_from(config: Mapping) -> Thresholds:
    """Read the SIGNALS_* settings ("07:00", "17:30", "Mon-Sat") into Thresholds."""
    defaults = Thresholds()
    opens, closes = (
        time.max if part == "24:00" else time.fromisoformat(part)
        for part in config.get("SIGNALS_OPENING_HOURS", "07:00-17:30").split("-")
    )
    first, last = (WEEKDAYS.index(day) for day in config.get("SIGNALS_OPEN_DAYS", "Mon-Sat").split("-"))
    return Thresholds(
        burst_count=int(config.get("SIGNALS_BURST_COUNT", defaults.burst_count)),
        burst_seconds=int(config.get("SIGNALS_BURST_SECONDS", defaults.burst_seconds)),
        client_burst_count=int(config.get("SIGNALS_CLIENT_BURST_COUNT", defaults.client_burst_count)),
        opens=opens,
        closes=closes,
        open_days=frozenset(range(first, last + 1)),
        utc_offset_hours=int(config.get("SIGNALS_UTC_OFFSET_HOURS", defaults.utc_offset_hours)),
        pattern_repeats=int(config.get("SIGNALS_PATTERN_REPEATS", defaults.pattern_repeats)),
        pattern_seconds=int(config.get("SIGNALS_PATTERN_SECONDS", defaults.pattern_seconds)),
    )
