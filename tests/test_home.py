"""The landing page and the health check."""


def test_landing_page_lists_counter_links(client, province):
    page = client.get("/").get_data(as_text=True)
    assert "/c/token-d1-0123456789" in page
    assert "Đăng nhập" in page


def test_landing_page_without_counters(client):
    page = client.get("/").get_data(as_text=True)
    assert "/c/" not in page
    assert "Chưa có quầy nào" in page


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
