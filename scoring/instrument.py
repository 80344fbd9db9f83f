"""The scored structure of an instrument: items, their factors, weights, satisfied levels.

Plain data, so the CSV scorer and the tests need no application. The SIPAS service
instrument (QĐ 1001/QĐ-BNV, 2023-2026) is :data:`SIPAS_SERVICE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Item", "Structure", "SIPAS_SERVICE", "structure_from_mapping"]


@dataclass(frozen=True)
class Item:
    """One scored item; `factor` is None for items outside the index (e.g. OVERALL)."""

    code: str
    factor: str | None
    weight: float = 1.0


@dataclass(frozen=True)
class Structure:
    """Items in bit order, factor weights (default equal) and the satisfied levels."""

    items: tuple[Item, ...]
    factor_weights: Mapping[str, float] = field(default_factory=dict)
    satisfied_levels: frozenset[int] = frozenset({4, 5})
    levels: tuple[int, ...] = (1, 2, 3, 4, 5)

    def __post_init__(self) -> None:
        codes = [item.code for item in self.items]
        if not codes:
            raise ValueError("a structure needs at least one item; got none")
        duplicated = sorted({c for c in codes if codes.count(c) > 1})
        if duplicated:
            raise ValueError(f"item codes must be unique; got {duplicated[0]!r} twice")
        for item in self.items:
            if not item.weight > 0:
                raise ValueError(f"item weights must be > 0; got {item.weight!r} for {item.code!r}")
        for code, weight in self.factor_weights.items():
            if not weight > 0:
                raise ValueError(f"factor weights must be > 0; got {weight!r} for {code!r}")
        if not set(self.satisfied_levels) <= set(self.levels):
            raise ValueError(f"satisfied_levels must be among {self.levels}; "
                             f"got {sorted(self.satisfied_levels)}")

    @property
    def codes(self) -> tuple[str, ...]:
        """Item codes in bit order."""
        return tuple(item.code for item in self.items)

    @property
    def factors(self) -> tuple[str, ...]:
        """Factor codes in order of first appearance."""
        return tuple(dict.fromkeys(item.factor for item in self.items if item.factor is not None))

    def factor_weight(self, factor: str) -> float:
        """Weight of `factor` in the index (1 unless set)."""
        return float(self.factor_weights.get(factor, 1.0))


def structure_from_mapping(data: Mapping) -> Structure:
    """Build a :class:`Structure` from a parsed instrument file, ignoring unknown keys.

    Accepts ``items: [{code, factor, weight?}]``, optional ``factors: [{code, weight}]``
    (or a mapping code → weight), and ``satisfied_levels`` or ``scale: {levels, satisfied}``.

    Examples
    --------
    >>> s = structure_from_mapping({"items": [{"code": "Q1", "factor": "A"}, {"code": "Q2", "factor": None}]})
    >>> s.codes, s.factors
    (('Q1', 'Q2'), ('A',))
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise ValueError("an instrument needs a list under 'items'")
    items = []
    for i, entry in enumerate(data["items"], start=1):
        if not isinstance(entry, Mapping) or "code" not in entry:
            raise ValueError(f"item {i} needs a 'code'; got {entry!r}")
        factor = entry.get("factor")
        items.append(Item(str(entry["code"]), None if factor is None else str(factor),
                          float(entry.get("weight", 1))))
    scale = data.get("scale") or {}
    satisfied = data.get("satisfied_levels", scale.get("satisfied", (4, 5)))
    levels = scale.get("levels", (1, 2, 3, 4, 5))
    levels = tuple(int(level["value"] if isinstance(level, Mapping) else level) for level in levels)
    return Structure(
        items=tuple(items),
        factor_weights=_factor_weights(data.get("factors")),
        satisfied_levels=frozenset(int(level) for level in satisfied),
        levels=levels,
    )


def _factor_weights(factors: Mapping[str, float] | Iterable[Mapping[str, Any]] | None) -> dict[str, float]:
    if factors is None:
        return {}
    if isinstance(factors, Mapping):
        return {str(code): float(weight) for code, weight in factors.items()}
    return {str(f["code"]): float(f.get("weight", 1)) for f in factors}


SIPAS_SERVICE = Structure(
    items=tuple(
        Item(code, code[0])
        for code in [
            "A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E2", "E3",
        ]
    )
    + (Item("OVERALL", None),),
)
"""The SIPAS service-delivery instrument: 16 items in factors A-E, then OVERALL (17 bits)."""
