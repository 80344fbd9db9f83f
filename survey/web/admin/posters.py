"""QR codes and printable posters of counters, one by one or a whole unit on one print sheet."""

from flask import Response, current_app, render_template, request
from markupsafe import Markup
from sqlmodel import select

from survey.core import qr
from survey.db import get_session
from survey.models import Counter
from survey.web.admin.blueprint import bp, counter_or_404, unit_or_404

#: Paper sizes of the poster page (print CSS @page).
SIZES = ("A4", "A5")


@bp.route("/counters/<int:counter_id>/qr.svg")
def qr_svg(counter_id: int):
    """Return the counter's QR code as SVG."""
    counter, _unit = counter_or_404(counter_id)
    return Response(qr.svg(qr.survey_url(counter)), mimetype="image/svg+xml")


@bp.route("/counters/<int:counter_id>/qr.png")
def qr_png(counter_id: int):
    """Return the counter's QR code as PNG."""
    counter, _unit = counter_or_404(counter_id)
    return Response(qr.png(qr.survey_url(counter)), mimetype="image/png")


@bp.route("/counters/<int:counter_id>/poster.svg")
def poster_svg(counter_id: int):
    """Return the counter's A4 poster as SVG."""
    counter, unit = counter_or_404(counter_id)
    return Response(qr.poster_svg(counter, unit), mimetype="image/svg+xml")


@bp.route("/counters/<int:counter_id>/poster")
def poster(counter_id: int):
    """Show the counter's printable poster page."""
    counter, unit = counter_or_404(counter_id)
    return render_template(
        "admin/posters.html", posters=[poster_of(counter, unit)], unit=unit, size=paper_size()
    )


@bp.route("/units/<int:unit_id>/posters")
def unit_posters(unit_id: int):
    """Show every active counter poster of a unit on one print sheet."""
    unit = unit_or_404(unit_id)
    counters = get_session().exec(
        select(Counter).where(Counter.unit_id == unit.id, Counter.active).order_by(Counter.id)
    ).all()
    return render_template(
        "admin/posters.html", posters=[poster_of(c, unit) for c in counters], unit=unit, size=paper_size()
    )


def poster_of(counter: Counter, unit) -> dict:
    """Return what one poster shows."""
    url = qr.survey_url(counter)
    return {
        "unit": unit.name,
        "counter": counter.name,
        "url": url,
        "short_url": qr.short_url(counter).split("://", 1)[-1],
        "short_code": counter.short_code,
        "home": current_app.config["PUBLIC_BASE_URL"].rstrip("/").split("://", 1)[-1],
        "code": Markup(qr.inline_svg(url, label=f"QR: {url}")),  # noqa: S704 - built from escaped parts
    }


def paper_size() -> str:
    """Return the paper size asked for (?size=A5), A4 by default."""
    size = request.args.get("size", "A4").upper()
    return size if size in SIZES else "A4"
