"""QR codes and posters: SVG, PNG, the poster page, the print sheet and `flask qr`."""

import io
import struct

import qrcode
from PIL import Image

from survey.core import qr
from tests.helpers import sign_in

URL = "http://survey.test/c/token-h-01-0123456789"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_modules_decode_back_to_the_matrix_of_the_url():
    data = qr.png(URL, box_size=10)
    modules = qr.matrix(URL)
    size = len(modules)
    assert png_size(data) == (size * 10, size * 10)
    image = Image.open(io.BytesIO(data)).convert("L")
    read = [[image.getpixel((x * 10 + 5, y * 10 + 5)) < 128 for x in range(size)] for y in range(size)]
    assert read == modules
    # The same data always makes the same symbol; another URL makes another one.
    again = qrcode.QRCode(error_correction=qr.ERROR_CORRECTION, border=4)
    again.add_data(URL)
    again.make(fit=True)
    assert again.get_matrix() == modules
    assert qr.matrix(URL + "x") != modules


def test_svg_is_one_scalable_path():
    data = qr.svg(URL)
    assert data.startswith(b"<?xml") or data.startswith(b"<svg")
    assert b'viewBox="0 0 ' in data and data.count(b"<path") == 1


def test_path_data_draws_exactly_the_dark_modules():
    modules = [[True, True, False], [False, True, False], [False, False, False]]
    assert qr.path_data(modules) == "M0 0h2v1h-2zM1 1h1v1h-1z"


def test_poster_svg_has_names_call_to_action_and_url(app, province):
    with app.app_context():
        poster = qr.poster_svg(province.counters["H-01"], province.units["H-01"])
    assert 'width="210mm" height="297mm"' in poster
    assert "Đơn vị H-01" in poster and "Quầy H-01" in poster
    code = province.counters["H-01"].short_code
    assert qr.CALL_TO_ACTION in poster and f"survey.test/c/{code}" in poster and f">{code}</text>" in poster


def test_admin_serves_codes_posters_and_the_print_sheet(client, province):
    sign_in(client, "admin")
    counter = province.counters["H-01"]
    response = client.get(f"/admin/counters/{counter.id}/qr.png")
    assert response.mimetype == "image/png" and png_size(response.data)[0] > 200
    response = client.get(f"/admin/counters/{counter.id}/qr.svg")
    assert response.mimetype == "image/svg+xml" and b"<path" in response.data
    page = client.get(f"/admin/counters/{counter.id}/poster?size=A5").get_data(as_text=True)
    assert "size: A5 portrait" in page and URL in page and "Quét mã QR" in page
    assert page.count('class="poster"') == 1
    sheet = client.get(f"/admin/units/{province.units['H'].id}/posters").get_data(as_text=True)
    assert sheet.count('class="poster"') == 1 and "size: A4 portrait" in sheet


def test_rotating_the_token_changes_the_poster(client, province):
    sign_in(client, "admin")
    counter = province.counters["D1"]
    before = client.get(f"/admin/counters/{counter.id}/qr.svg").data
    client.post(f"/admin/counters/{counter.id}/rotate")
    after = client.get(f"/admin/counters/{counter.id}/qr.svg").data
    assert before != after
    poster = client.get(f"/admin/counters/{counter.id}/poster").get_data(as_text=True)
    assert "token-d1-0123456789" not in poster


def test_qr_command_writes_svg_png_and_poster(runner, province, tmp_path):
    counter = province.counters["H-01"]
    result = runner.invoke(args=["qr", str(counter.id), "--out", str(tmp_path / "c.png")])
    assert result.exit_code == 0, result.output
    assert URL in result.output and png_size((tmp_path / "c.png").read_bytes())[0] > 200
    runner.invoke(args=["qr", str(counter.id), "--out", str(tmp_path / "c.svg")])
    assert b"<path" in (tmp_path / "c.svg").read_bytes()
    runner.invoke(args=["qr", str(counter.id), "--out", str(tmp_path / "p.svg"), "--poster"])
    assert "Quầy H-01" in (tmp_path / "p.svg").read_text(encoding="utf-8")
    assert runner.invoke(args=["qr", "9999", "--out", str(tmp_path / "x.svg")]).exit_code == 2
    assert runner.invoke(args=["qr", str(counter.id), "--out", str(tmp_path / "x.gif")]).exit_code == 2
    png_poster = runner.invoke(args=["qr", str(counter.id), "--out", str(tmp_path / "x.png"), "--poster"])
    assert png_poster.exit_code == 2
