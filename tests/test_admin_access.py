"""Who may open the administration: province admins everywhere, unit managers in their subtree."""

import pytest

from tests.helpers import sign_in


def pages(province) -> list[str]:
    h, d1 = province.units["H"], province.units["D1"]
    counter = province.counters["H-01"]
    return [
        "/admin/",
        f"/admin/units/{h.id}",
        f"/admin/counters/{counter.id}",
        f"/admin/counters/{counter.id}/poster",
        f"/admin/counters/{counter.id}/qr.svg",
        f"/admin/counters/{counter.id}/qr.png",
        f"/admin/counters/{counter.id}/poster.svg",
        f"/admin/counters/{counter.id}/paper",
        f"/admin/counters/{counter.id}/paper-forms",
        f"/admin/units/{d1.id}/posters",
        "/admin/users",
        "/admin/api-keys",
        "/admin/dossier-import",
        "/admin/flags",
        "/admin/flags/responses",
        "/admin/audit",
        "/admin/audit.csv",
    ]


def test_strangers_are_sent_to_sign_in(client, province):
    for url in pages(province):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_viewers_get_404_everywhere(client, province):
    sign_in(client, "viewer")
    for url in pages(province):
        assert client.get(url).status_code == 404, url


def test_province_admin_opens_every_page(client, province):
    sign_in(client, "admin")
    for url in pages(province):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/units/{D1}",
        "/admin/units/{P}",
        "/admin/counters/{counter_D1}",
        "/admin/counters/{counter_D1}/qr.png",
        "/admin/counters/{counter_D1}/paper",
        "/admin/counters/{counter_D1}/paper-forms",
        "/admin/units/{D1}/posters",
        "/admin/audit",
        "/admin/audit.csv",
        "/admin/units/999999",
    ],
)
def test_unit_managers_get_404_outside_their_subtree(client, province, url):
    sign_in(client, "district")
    ids = {code: unit.id for code, unit in province.units.items()}
    ids.update({f"counter_{code}": counter.id for code, counter in province.counters.items()})
    assert client.get(url.format(**{k.replace("-", "_"): v for k, v in ids.items()})).status_code == 404


def test_unit_managers_see_only_their_subtree(client, province):
    sign_in(client, "district")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Đơn vị H-01" in page and "Đơn vị H-02" in page
    assert "Đơn vị D1" not in page and "Tỉnh Thử nghiệm" not in page
    assert client.get(f"/admin/counters/{province.counters['H-02'].id}").status_code == 200
