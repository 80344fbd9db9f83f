"""QR codes and printable posters of counter survey links (SVG, PNG, A4 SVG poster)."""

import io
from xml.sax.saxutils import escape

import qrcode
import qrcode.image.svg
from flask import current_app

from survey.models import Counter, Unit

#: Medium error correction: survives a scuffed or partly covered poster.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
#: The call to action printed under the code.
CALL_TO_ACTION = "Quét mã QR để đánh giá mức độ hài lòng"
SUBTITLE = "Ẩn danh · không cần cài ứng dụng"
#: For people who cannot scan: the short address to type, with the counter's code.
TYPE_INSTEAD = "Không quét được? Mở {url} hoặc nhập mã {code} tại {home}"


def survey_url(counter: Counter) -> str:
    """Return the public URL of a counter's survey (the one in its QR code)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/c/{counter.token}"


def short_url(counter: Counter) -> str:
    """Return the short address of a counter's survey, to type by hand (/c/AB12CD)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/c/{counter.short_code}"


def type_instead(counter: Counter) -> str:
    """Return the poster's line for people who cannot scan the code."""
    home = current_app.config["PUBLIC_BASE_URL"].rstrip("/").split("://", 1)[-1]
    return TYPE_INSTEAD.format(url=short_url(counter).split("://", 1)[-1], code=counter.short_code, home=home)


def matrix(url: str) -> list[list[bool]]:
    """Return the QR module matrix of a URL, quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def svg(url: str) -> bytes:
    """Return a QR code of a URL as a standalone SVG (one path, scalable)."""
    image = qrcode.make(
        url, image_factory=qrcode.image.svg.SvgPathImage, error_correction=ERROR_CORRECTION, border=4
    )
    return image.to_string(encoding="utf-8")


def png(url: str, *, box_size: int = 10) -> bytes:
    """Return a QR code of a URL as a PNG image (box_size pixels per module)."""
    image = qrcode.make(url, error_correction=ERROR_CORRECTION, border=4, box_size=box_size)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def path_data(modules: list[list[bool]]) -> str:
    """Return SVG path data drawing the dark modules, one unit square each, merged per row run."""
    parts = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(parts)


def inline_svg(url: str, *, label: str) -> str:
    """Return the QR code as an inline <svg> for HTML pages (scales with its box)."""
    modules = matrix(url)
    size = len(modules)
    return (
        f'<svg class="qr" viewBox="0 0 {size} {size}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path_data(modules)}" fill="#000"/></svg>'
    )


def poster_svg(counter: Counter, unit: Unit) -> str:
    """Return an A4 poster (SVG, millimetres) with names, the code, a call to action and the URL."""
    url = survey_url(counter)
    modules = matrix(url)
    scale = 150 / len(modules)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297" '
        'font-family="Noto Sans, Arial, sans-serif" text-anchor="middle">',
        '<rect width="210" height="297" fill="#fff"/>',
        '<rect x="0" y="0" width="210" height="16" fill="#0b5cab"/>',
        '<text x="105" y="11" font-size="7" fill="#fff" font-weight="700">Hài Lòng</text>',
        f'<text x="105" y="34" font-size="9" font-weight="700">{escape(unit.name)}</text>',
        f'<text x="105" y="46" font-size="8">{escape(counter.name)}</text>',
        f'<g transform="translate(30 56) scale({scale:.5f})" shape-rendering="crispEdges">'
        f'<path d="{path_data(modules)}" fill="#000"/></g>',
        f'<text x="105" y="224" font-size="9" font-weight="700">{escape(CALL_TO_ACTION)}</text>',
        f'<text x="105" y="236" font-size="5.5" fill="#4a5562">{escape(SUBTITLE)}</text>',
        f'<text x="105" y="250" font-size="5">{escape(type_instead(counter))}</text>',
        f'<text x="105" y="266" font-size="12" font-weight="700" font-family="DejaVu Sans Mono, monospace">'
        f'{escape(counter.short_code)}</text>',
        "</svg>",
    ]
    return "\n".join(lines)
