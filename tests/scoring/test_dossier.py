from decimal import Decimal

import pandas as pd
import pytest

from scoring import GRADE_LABELS_VI, qd766_ratio, tt01_scores, tt01_sums

FIVE = (1, 2, 3, 4, 7)


def worked_example():
    return pd.DataFrame([(2, 2, 2, 2, 2), (1, 1, 2, 1, 1), (0, 1, 1, 2, 0), (2, 2, 2, 2, 2)],
                        columns=list(FIVE))


def scores_of(sums, **options):
    row = sums.iloc[0]
    return tt01_scores({i: row[f"sum_{i}"] for i in FIVE}, {i: row[f"count_{i}"] for i in FIVE}, **options)


def test_worked_example():
    s = scores_of(tt01_sums(worked_example()))
    assert [s.indicators[i] for i in FIVE] == [Decimal(v) for v in ("1.3", "1.5", "1.8", "1.8", "1.3")]
    assert s.civil_servant_total == Decimal("7.7")
    assert s.civil_servant_band == "100%"
    assert s.agency_total is None and s.agency_grade is None


def test_half_even_is_a_setting():
    s = scores_of(tt01_sums(worked_example()), rounding="half-even")
    assert [str(s.indicators[i]) for i in FIVE] == ["1.2", "1.5", "1.8", "1.8", "1.2"]
    with pytest.raises(ValueError, match="got 'up'"):
        scores_of(tt01_sums(worked_example()), rounding="up")


def test_sums_are_additive_over_groups():
    frame = pd.concat([worked_example().assign(clerk="a"), worked_example().assign(clerk="b")])
    sums = tt01_sums(frame, by=["clerk"])
    assert sums.clerk.tolist() == ["a", "b"]
    assert sums["sum_1"].tolist() == [5, 5] and sums["count_7"].tolist() == [4, 4]
    assert scores_of(sums.drop(columns="clerk").sum().to_frame().T).civil_servant_total == Decimal("7.7")


@pytest.mark.parametrize(
    ("total", "band"),
    [(10, "100%"), (5, "100%"), (4.9, "70% to <100%"), (3.5, "70% to <100%"), (3.4, "below 70%")],
)
def test_civil_servant_bands(total, band):
    tenths, sums = round(total * 10), {}
    for i in FIVE:  # fill indicators with up to 2 points each, over 10 dossiers
        sums[i] = min(tenths, 20)
        tenths -= sums[i]
    s = tt01_scores(sums, dict.fromkeys(FIVE, 10))
    assert s.civil_servant_total == Decimal(str(total))
    assert s.civil_servant_band == band


@pytest.mark.parametrize(
    ("agency", "grade"),
    [((2, 2, 2, 1), "excellent"), ((2, 2, 1, 0), "good"), ((0, 0, 0, 0), "fair"), ((0, 0, 0, 0.9), "fair")],
)
def test_agency_grades_and_exactly_fifteen(agency, grade):
    # civil-servant part: 2+2+2+2+1 = 9
    s = tt01_scores({1: 2, 2: 2, 3: 2, 4: 2, 7: 1}, dict.fromkeys(FIVE, 1),
                    agency_points=dict(zip((5, 6, 8, 9), agency, strict=True)))
    assert s.agency_total == Decimal(9) + sum(Decimal(str(a)) for a in agency)
    assert s.agency_grade == grade


def test_grade_edges():
    def grade(points):
        return tt01_scores({1: 0, 2: 0, 3: 0, 4: 0, 7: 0}, dict.fromkeys(FIVE, 1),
                           agency_points=dict(zip((5, 6, 8, 9), points, strict=True))).agency_grade

    assert grade((2, 2, 2, 0)) == "average"  # 6
    assert grade((2, 2, 1, 0.9)) == "weak"  # 5.9
    assert GRADE_LABELS_VI["excellent"] == "xuất sắc" and GRADE_LABELS_VI["weak"] == "yếu"
    exactly_15 = tt01_scores({1: 2, 2: 2, 3: 2, 4: 1, 7: 0}, dict.fromkeys(FIVE, 1),
                             agency_points={5: 2, 6: 2, 8: 2, 9: 2})
    assert exactly_15.agency_total == 15 and exactly_15.agency_grade == "excellent"


def test_tt01_validation():
    with pytest.raises(ValueError, match="points must be 0, 1 or 2; got 3"):
        tt01_sums(pd.DataFrame({1: [3], 2: [0], 3: [0], 4: [0], 7: [0]}))
    with pytest.raises(ValueError, match="a column for indicator 7"):
        tt01_sums(pd.DataFrame({1: [1], 2: [0], 3: [0], 4: [0]}))
    with pytest.raises(ValueError, match=r"got 9 with count 4"):
        tt01_scores({1: 9, 2: 0, 3: 0, 4: 0, 7: 0}, dict.fromkeys(FIVE, 4))
    with pytest.raises(ValueError, match="agency_points needs indicator 9"):
        tt01_scores(dict.fromkeys(FIVE, 1), dict.fromkeys(FIVE, 1), agency_points={5: 1, 6: 1, 8: 1})
    assert tt01_scores(dict.fromkeys(FIVE, 0), {1: 0, 2: 1, 3: 1, 4: 1, 7: 1}).civil_servant_total is None


def test_qd766_counts_of_distinct_bad_dossiers():
    r = qd766_ratio(total=1000, bad=12 + 5 + 20)
    assert (r.dossiers, r.bad, r.ratio) == (1000, 37, 0.963)
    assert round(r.ratio * 100, 1) == 96.3


def test_qd766_flags_count_each_dossier_once():
    flags = pd.DataFrame({"dissatisfied": [False] * 1000, "complaint": [False] * 1000,
                          "overdue": [False] * 1000})
    flags.loc[:11, "dissatisfied"] = True
    flags.loc[12:16, "complaint"] = True
    flags.loc[17:36, "overdue"] = True
    assert qd766_ratio(flags).ratio == pytest.approx(0.963, abs=1e-12)
    flags.loc[:4, "overdue"] = True  # five dissatisfied dossiers were also overdue: still counted once
    assert qd766_ratio(flags).bad == 37


def test_qd766_validation():
    with pytest.raises(ValueError, match="got total=10, bad=11"):
        qd766_ratio(total=10, bad=11)
    with pytest.raises(ValueError, match="not both"):
        qd766_ratio(pd.DataFrame({"overdue": [True]}), total=1, bad=1)
    with pytest.raises(ValueError, match="got total=None"):
        qd766_ratio(bad=1)
