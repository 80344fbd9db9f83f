"""How scores are judged and shown: the SCORING_* settings, the SIPAS structure, plain result rows."""

import math
from dataclasses import dataclass

import numpy as np

import scoring
from survey import instruments


@dataclass(frozen=True)
class Settings:
    """How scores are judged: the SCORING_* settings of the app."""

    target: float = 0.90
    confidence_level: float = 0.95
    sides: str = "one-sided"
    min_n: int = 30
    method: str = "wilson"
    combine: str = "mean-of-units"

    @classmethod
    def from_config(cls, config) -> "Settings":
        """Read the SCORING_* settings."""
        return cls(
            target=float(config["SCORING_TARGET"]),
            confidence_level=float(config["SCORING_CONFIDENCE_LEVEL"]),
            sides=str(config["SCORING_SIDES"]),
            min_n=int(config["SCORING_MIN_N"]),
            method=str(config["SCORING_METHOD"]),
            combine=str(config["SCORING_COMBINE"]),
        )

    def options(self) -> dict:
        """Return the keyword options of scoring.score_groups."""
        return {
            "method": self.method,
            "confidence_level": self.confidence_level,
            "target": self.target,
            "sides": self.sides,
            "min_n": self.min_n,
        }


def sipas_instrument() -> instruments.Instrument:
    """Return the shipped SIPAS service instrument."""
    return instruments.load(instruments.SIPAS)


def structure_of(instrument: instruments.Instrument) -> scoring.Structure:
    """Return the scoring structure (items in mask-bit order, factor weights, satisfied levels)."""
    return scoring.Structure(
        items=tuple(scoring.Item(item.code, item.factor) for item in instrument.scored_items),
        factor_weights={f["code"]: float(f.get("weight", 1)) for f in instrument.factors},
        satisfied_levels=frozenset(instrument.satisfied),
        levels=tuple(sorted(level.value for level in instrument.levels)),
    )


def plain(value):
    """Return a JSON-friendly value: numpy scalars unwrapped, NaN as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def score_dict(score: scoring.GroupScore | None, settings: Settings) -> dict:
    """Return a plain dict of a group score (or of an empty group when None)."""
    if score is None:
        data = {"n": 0, "index": dict.fromkeys(("estimate", "ci_low", "ci_high", "se", "deff", "n_eff")),
                "factors": {}, "items": {}}
        verdict = {"status": "insufficient", "more_needed": settings.min_n, "ci_low": None, "ci_high": None}
    else:
        data = score.to_dict()
        data.pop("group", None)
        v = score.verdict
        verdict = {"status": v.status, "more_needed": v.more_needed,
                   "ci_low": plain(v.ci_low), "ci_high": plain(v.ci_high)}
    verdict.update(target=settings.target, confidence_level=settings.confidence_level, sides=settings.sides,
                   min_n=settings.min_n, method=settings.method)
    data["verdict"] = verdict
    return data
