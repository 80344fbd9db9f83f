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
    method: str = "agresti-coull"
    combine: str = "mean-of-units"
    adjust: str = "holm"
    power: float = 0.8
    allow_partial: bool = False

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
            adjust=str(config.get("SCORING_ADJUST", "holm")),
            power=float(config.get("SCORING_POWER", 0.8)),
            allow_partial=bool(config.get("SCORING_ALLOW_PARTIAL", False)),
        )

    def options(self, *, many: bool = False) -> dict:
        """Return the keyword options of scoring.score_groups (`many`: units judged together, adjusted)."""
        return {
            "method": self.method,
            "confidence_level": self.confidence_level,
            "target": self.target,
            "sides": self.sides,
            "min_n": self.min_n,
            "adjust": self.adjust if many and self.adjust != "none" else None,
            "power": self.power,
            "allow_partial": self.allow_partial,
        }

    @property
    def interval_level(self) -> float:
        """The two-sided level of the interval a verdict uses (90% for a one-sided 95% verdict)."""
        level = 1 - 2 * (1 - self.confidence_level) if self.sides == "one-sided" else self.confidence_level
        return round(level, 12)


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
    """Return a plain dict of a group score (or of an empty group when None).

    The verdict carries its settings and the interval it used (``ci_low``/``ci_high`` at
    ``interval_level``, adjusted across the units judged with it when ``adjustment`` says so).
    """
    data: dict
    verdict: dict
    if score is None:
        data = {"n": 0, "index": {**dict.fromkeys(("estimate", "ci_low", "ci_high", "se", "deff", "n_eff")),
                                  "respondents": 0, "partial": False, "missing_factors": []},
                "factors": {}, "items": {}}
        verdict = {"status": "insufficient", "more_needed": settings.min_n, "ci_low": None, "ci_high": None,
                   "interval_level": settings.interval_level, "adjustment": "none", "reachable": True,
                   "power": settings.power, "n": 0}
    else:
        data = score.to_dict()
        data.pop("group", None)
        verdict = dict(data["verdict"])
        verdict.pop("label", None)
    verdict.update(target=settings.target, confidence_level=settings.confidence_level, sides=settings.sides,
                   min_n=settings.min_n, method=settings.method)
    data["verdict"] = verdict
    return data
