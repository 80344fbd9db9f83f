"""Three-level ratings and dissatisfaction reasons on the overview and unit pages."""

import re

import pytest

from tests.factories import add_rated, verdict_mix
from tests.helpers import sign_in


@pytest.fixture
def admin(client, session, province):
    verdict_mix(session, province)
    add_rated(session, province, "H-01", "quick-3", {"RATING": 3})
    add_rated(session, province, "H-01", "quick-3", {"RATING": 1, "REASONS": 0b101})  # long wait, attitude
    add_rated(session, province, "H-02", "quick-3", {"RATING": 1, "REASONS": 0b1})  # long wait
    add_rated(session, province, "D1", "quick-3", {"RATING": 2})
    sign_in(client, "admin")
    return client


def reasons(html: str) -> dict[str, str]:
    pattern = r'<tr data-reason="(\d)"><th scope="row">[^<]+</th><td class="num">(\d+)</td>'
    return dict(re.findall(pattern, html))


def test_kiosk_channel_shows_the_ratings_and_reasons_instead_of_an_empty_sipas(admin):
    html = admin.get("/manage/?period=2026-07&channel=kiosk").get_data(as_text=True)
    assert "data-sipas-empty" in html
    rating = html[html.index('data-rating="quick-3"'):]
    pattern = (r'<tr data-level="(\d)"><th scope="row">[^<]+</th>'
               r'<td class="num">\d+</td><td class="num">([^<]+)</td>')
    levels = dict(re.findall(pattern, rating))
    assert levels == {"3": "25,0%", "2": "25,0%", "1": "50,0%"}
    assert reasons(html) == {"1": "2", "3": "1"}
    assert "Chờ đợi lâu" in html and "Thái độ chưa tốt" in html
    assert "2 phiếu nêu lý do" in html


def test_ratings_show_on_every_page_whose_scope_has_them(admin):
    overview = admin.get("/manage/?period=2026-07").get_data(as_text=True)
    assert 'data-rating="quick-3"' in overview and "data-sipas-empty" not in overview
    commune = admin.get("/manage/unit/H-02?period=2026-07").get_data(as_text=True)
    assert reasons(commune) == {"1": "1"}  # summed from the tally: shown without asking
    asked = admin.get("/manage/unit/H-02?period=2026-07&reasons=1").get_data(as_text=True)
    assert reasons(asked) == {"1": "1"}  # the old on-demand parameter is harmless
    quiet = admin.get("/manage/unit/D2?period=2026-07").get_data(as_text=True)
    assert 'data-rating="quick-3"' not in quiet  # no ratings there: no empty table either


def test_reasons_respect_the_flagged_filter_and_the_period(admin):
    june = admin.get("/manage/?period=2026-06&channel=kiosk").get_data(as_text=True)
    assert 'data-rating="quick-3"' not in june and reasons(june) == {}


def test_kiosk_channel_shows_each_units_rating_shares(admin):
    html = admin.get("/manage/?period=2026-07&channel=kiosk").get_data(as_text=True)
    table = html[html.index('data-rating-units="quick-3"'):]
    table = table[:table.index("</table>")]
    rows = dict(re.findall(r'<tr data-unit="([^"]+)">(.*?)</tr>', table))
    assert list(rows) == ["D1", "H"]  # D2 has no ratings; H pools its communes H-01 and H-02
    shares = {code: dict(re.findall(r'data-level="(\d)" data-label="[^"]+">([^<]+)<', row))
              for code, row in rows.items()}
    assert shares == {"D1": {"3": "0%", "2": "100%", "1": "0%"}, "H": {"3": "33%", "2": "0%", "1": "67%"}}
    assert re.search(r'<td class="num" data-label="[^"]+">3</td>', rows["H"])
    commune = admin.get("/manage/unit/H-02?period=2026-07&channel=kiosk").get_data(as_text=True)
    assert "data-rating-units" not in commune  # a commune has no units under it
