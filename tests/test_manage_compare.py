"""Comparison of periods (previous, same period last year) and the flat ranking of units of one kind."""

import re
from datetime import UTC, datetime

import pytest

from survey.models import Counter, UnitKind
from tests.factories import add_sipas, make_unit, verdict_mix
from tests.helpers import sign_in

JUNE = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
LAST_JULY = datetime(2025, 7, 15, 3, 0, tzinfo=UTC)


@pytest.fixture
def admin(client, session, province):
    verdict_mix(session, province)  # July 2026: D1 60/60, D2 30/60, H-01 37/40, H-02 9/10
    add_sipas(session, province, "D1", n=60, satisfied=58, when=JUNE)  # about the same
    add_sipas(session, province, "D2", n=60, satisfied=54, when=JUNE)  # 90% then, 50% now: a real fall
    add_sipas(session, province, "D2", n=60, satisfied=30, when=LAST_JULY)  # the same as now
    sign_in(client, "admin")
    return client


def statuses(html: str) -> dict[str, tuple[str, str]]:
    return {unit: (before, last_year) for unit, before, last_year in
            re.findall(r'<tr data-unit="([^"]+)" data-previous="(\w+)" data-last-year="(\w+)"', html)}


def test_comparison_states_real_changes_and_unclear_ones(admin):
    html = admin.get("/manage/unit/P/compare?period=07/2026").get_data(as_text=True)
    assert "01/06/2026 – 30/06/2026" in html and "01/07/2025 – 31/07/2025" in html
    found = statuses(html)
    assert found["D2"] == ("down", "unclear")
    assert found["D1"][0] == "unclear" and found["D1"][1] == "unknown"
    assert found["H"] == ("unknown", "unknown")
    d2 = html[html.index('data-unit="D2"'):html.index("</tr>", html.index('data-unit="D2"'))]
    assert "Giảm thực chất −40,0 điểm %" in d2 and "trước đó 90,00% (60)" in d2
    assert "Chưa có thay đổi rõ rệt: mức +0,0 điểm %" in d2


def test_ranking_lists_every_unit_of_one_kind_by_shrunk_estimate(admin):
    html = admin.get("/manage/unit/P/ranking?period=2026-07&kind=commune").get_data(as_text=True)
    ranked = re.findall(r'<tr data-unit="([^"]+)" data-verdict="([^"]+)"', html)
    assert ranked == [("H-01", "inconclusive"), ("H-02", "insufficient")]  # 92,5% of 40 before 90% of 10
    assert "Đơn vị H" in html  # each commune says where it belongs
    departments = admin.get("/manage/unit/P/ranking?period=2026-07&kind=district").get_data(as_text=True)
    assert re.findall(r'<tr data-unit="([^"]+)" data-verdict="[^"]+"', departments) == ["H"]


def test_a_small_unit_with_a_perfect_score_does_not_top_the_ranking(client, session, province):
    for code in ("H-03", "H-04", "H-05"):
        province.units[code] = make_unit(session, code, UnitKind.COMMUNE, province.units["H"])
        province.counters[code] = Counter(unit_id=province.units[code].id, name=f"Quầy {code}",
                                          token=f"token-{code.lower()}-0123456789")
        session.add(province.counters[code])
    session.commit()
    for code, n, satisfied in (("H-01", 400, 380), ("H-03", 400, 340), ("H-04", 400, 360), ("H-05", 200, 160),
                               ("H-02", 5, 5)):
        add_sipas(session, province, code, n=n, satisfied=satisfied)
    sign_in(client, "admin")
    html = client.get("/manage/unit/P/ranking?period=2026-07&kind=commune").get_data(as_text=True)
    # 100% of 5 responses is pulled towards the communes' average, below 95% of 400.
    assert re.findall(r'<tr data-unit="([^"]+)"', html) == ["H-01", "H-02", "H-04", "H-03", "H-05"]
    shrunk = dict(re.findall(r'<tr data-unit="([^"]+)".*?data-label="Ước lượng co">([^<]+)<', html, re.S))
    share = {code: float(text.rstrip("%").replace(",", ".")) for code, text in shrunk.items()}
    # The prior is fitted to the communes' effective counts (index × n_eff, n_eff).
    assert share["H-01"] == pytest.approx(94.55) and 88 < share["H-02"] < 92
