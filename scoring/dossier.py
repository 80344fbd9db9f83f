"""Per-dossier scores: TT 01/2018/TT-VPCP indicators and the QĐ 766/QĐ-TTg ratio.

TT 01 scores nine indicators 0, 1 or 2 points. Indicators 1, 2, 3, 4 and 7 are means over
the dossiers, rounded to one decimal (half up by default: the law does not name the mode);
rounding uses :mod:`decimal`, never binary floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pandas as pd

from ._checks import check_choice, echo

__all__ = ["CIVIL_SERVANT_INDICATORS", "AGENCY_INDICATORS", "TT01Score", "tt01_sums", "tt01_scores",
           "QD766Ratio", "qd766_ratio", "GRADE_LABELS_VI"]

CIVIL_SERVANT_INDICATORS = (1, 2, 3, 4, 7)
AGENCY_INDICATORS = (5, 6, 8, 9)
ROUNDING = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN}
GRADE_LABELS_VI = {
    "excellent": "xuất sắc", "good": "tốt", "fair": "khá", "average": "trung bình", "weak": "yếu",
}
_GRADES = ((Decimal(15), "excellent"), (Decimal(12), "good"), (Decimal(9), "fair"), (Decimal(6), "average"))


@dataclass(frozen=True)
class TT01Score:
    """Indicator means (Decimal, one place), the civil-servant total and band, agency total and grade.

    `civil_servant_band` is ``"100%"`` (total >= 5), ``"70% to <100%"`` (3.5 to < 5) or
    ``"below 70%"``; `agency_grade` is excellent (>= 15), good (12 to < 15), fair (9 to < 12),
    average (6 to < 9) or weak (< 6), see :data:`GRADE_LABELS_VI`; None without agency points.
    """

    indicators: dict[int, Decimal | None]
    civil_servant_total: Decimal | None
    civil_servant_band: str | None
    agency_total: Decimal | None = None
    agency_grade: str | None = None


def tt01_sums(dossiers: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Additive TT 01 inputs from one row per dossier with points in columns 1, 2, 3, 4, 7.

    Missing points (NaN) are left out of that indicator. Returns per group the columns
    ``sum_<i>`` and ``count_<i>``, which add across periods and units.
    """
    by = list(by)
    columns = {i: _column(dossiers, i) for i in CIVIL_SERVANT_INDICATORS}
    frame = dossiers[by].copy() if by else pd.DataFrame(index=dossiers.index)
    for i, column in columns.items():
        points = pd.to_numeric(dossiers[column], errors="coerce")
        bad = (dossiers[column].notna() & ~points.isin([0, 1, 2])).to_numpy()
        if bad.any():
            first_bad = dossiers[column].to_numpy()[bad][0]
            raise ValueError(f"indicator {i} points must be 0, 1 or 2; got {echo(first_bad)}")
        frame[f"sum_{i}"] = points.fillna(0).astype(int)
        frame[f"count_{i}"] = points.notna().astype(int)
    if not by:
        return frame.sum().to_frame().T
    return frame.groupby(by, sort=True).sum().reset_index()


def _column(frame: pd.DataFrame, indicator: int) -> int | str:
    for candidate in (indicator, str(indicator)):
        if candidate in frame.columns:
            return candidate
    raise ValueError(f"dossier points need a column for indicator {indicator}; got {list(frame.columns)}")


def tt01_scores(sums: Mapping, counts: Mapping, *, agency_points: Mapping | None = None,
                rounding: str = "half-up") -> TT01Score:
    """Score one civil servant or agency from sums and counts of dossier points.

    Parameters
    ----------
    sums, counts : mapping indicator → number
        For indicators 1, 2, 3, 4 and 7: total points and number of dossiers scored.
    agency_points : mapping indicator → points, optional
        Indicators 5, 6, 8 and 9 (agency facts); when given, the agency total and grade.
    rounding : {'half-up', 'half-even'}
        Rounding of each indicator mean to one decimal.

    Examples
    --------
    >>> s = tt01_scores({1: 5, 2: 6, 3: 7, 4: 7, 7: 5}, {1: 4, 2: 4, 3: 4, 4: 4, 7: 4})
    >>> [str(s.indicators[i]) for i in (1, 2, 3, 4, 7)], str(s.civil_servant_total), s.civil_servant_band
    (['1.3', '1.5', '1.8', '1.8', '1.3'], '7.7', '100%')
    """
    mode = ROUNDING[check_choice("rounding", rounding, tuple(ROUNDING))]
    means = {i: _rounded_mean(sums.get(i, 0), counts.get(i, 0), mode) for i in CIVIL_SERVANT_INDICATORS}
    known = [v for v in means.values() if v is not None]
    total = sum(known, Decimal(0)) if len(known) == len(means) else None
    band = (None if total is None else "100%" if total >= 5
            else "70% to <100%" if total >= Decimal("3.5") else "below 70%")
    if agency_points is None or total is None:
        return TT01Score(means, total, band)
    extra = {}
    for i in AGENCY_INDICATORS:
        if i not in agency_points:
            raise ValueError(f"agency_points needs indicator {i}; got {dict(agency_points)!r}")
        value = Decimal(str(agency_points[i]))
        if not 0 <= value <= 2:
            raise ValueError(f"indicator {i} points must be in [0, 2]; got {agency_points[i]!r}")
        extra[i] = value
    agency_total = total + sum(extra.values(), Decimal(0))
    grade = next((name for floor, name in _GRADES if agency_total >= floor), "weak")
    return TT01Score({**means, **extra}, total, band, agency_total, grade)


def _rounded_mean(total: float, count: float, mode: str) -> Decimal | None:
    if count != int(count) or count < 0:
        raise ValueError(f"counts must be whole numbers >= 0; got {echo(count)}")
    if not 0 <= total <= 2 * count:
        raise ValueError(f"a sum of points must be in [0, 2 × count]; "
                         f"got {echo(total)} with count {echo(count)}")
    if count == 0:
        return None
    return (Decimal(str(total)) / Decimal(int(count))).quantize(Decimal("0.1"), rounding=mode)


@dataclass(frozen=True)
class QD766Ratio:
    """QĐ 766 satisfaction in handling dossiers: ``(dossiers − bad) / dossiers``."""

    dossiers: int
    bad: int
    ratio: float


def qd766_ratio(
    flags: pd.DataFrame | None = None, *, total: int | None = None, bad: int | None = None
) -> QD766Ratio:
    """QĐ 766 ratio, each dossier counted once.

    Give either `flags`, one row per dossier with boolean columns (e.g. dissatisfied,
    complaint, overdue; a dossier is bad when any is true), or `total` and `bad`, the
    count of *distinct* bad dossiers.

    Examples
    --------
    >>> qd766_ratio(total=1000, bad=12 + 5 + 20).ratio
    0.963
    """
    if flags is not None:
        if total is not None or bad is not None:
            raise ValueError("give either flags or total and bad, not both")
        values = flags.astype("boolean")
        if values.isna().any().any():
            raise ValueError("flags must be true or false for every dossier; got a missing value")
        total, bad = len(flags), int(values.any(axis=1).sum())
    if total is None or bad is None:
        raise ValueError(f"give flags, or both total and bad; got total={total!r}, bad={bad!r}")
    if not (int(total) == total and int(bad) == bad and 0 <= bad <= total):
        raise ValueError(f"need whole numbers with 0 <= bad <= total; got total={total!r}, bad={bad!r}")
    ratio = (total - bad) / total if total else float("nan")
    return QD766Ratio(int(total), int(bad), ratio)
