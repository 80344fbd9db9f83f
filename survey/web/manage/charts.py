"""Charts drawn on the server as SVG by matplotlib (Agg, DejaVu Sans): no JavaScript, no CDN."""

import io
import os
import tempfile
from collections.abc import Callable

import numpy as np

# matplotlib wants a writable config folder; the app's user may have no home directory.
os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "hailong-matplotlib"))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

import scoring  # noqa: E402

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "svg.fonttype": "none",  # text stays text: small files, selectable, rendered by the browser
    "svg.hashsalt": "hailong",  # stable element ids, so the same data gives the same SVG
    "axes.spines.top": False,
    "axes.spines.right": False,
}
INK, MUTED, BRAND, OK, BAD, WARN = "#1b1f24", "#4a5562", "#0b5cab", "#1d6b2f", "#a4161a", "#7a4b00"
VERDICT_COLOURS = {"met": OK, "not-met": BAD, "inconclusive": WARN, "insufficient": MUTED}


def percent_axis(decimal: str) -> FuncFormatter:
    """Return a tick formatter writing fractions as whole percentages."""
    return FuncFormatter(lambda value, _pos: f"{value * 100:.0f}%".replace(".", decimal))


def render(draw: Callable[[Figure], None], *, size=(7.5, 3.4), fmt: str = "svg") -> str | bytes:
    """Draw on a new figure; return the SVG element as text (without the XML prologue) or PNG bytes.

    PNG (at 200 dpi) is for documents that cannot hold SVG, such as the DOCX report.
    """
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=size, layout="constrained")
        draw(figure)
        if fmt == "png":
            binary = io.BytesIO()
            figure.savefig(binary, format="png", dpi=200, metadata={"Software": None})
            return binary.getvalue()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def funnel(rows: list[dict], *, target: float, labels: dict, level: float = 0.90,
           fmt: str = "svg") -> str | bytes:
    """Plot units' index against effective sample size, with limits around the target.

    The inner limits are at `level`, the two-sided level of the interval the verdicts use, and
    each dot has its verdict's colour; the outer limits are at 99.8% (Spiegelhalter 2005).
    """
    points = [r for r in rows if r["index"]["estimate"] is not None and r["index"]["n_eff"]]

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        top = max([r["index"]["n_eff"] for r in points], default=100) * 1.15
        grid = np.unique(np.geomspace(5, max(top, 10), 160).round())
        limits = scoring.funnel_limits(grid, target=target, levels=(level, 0.998))
        for key, label, style in ((f"{level:g}", labels["inner"], "--"), ("0.998", labels["0.998"], ":")):
            axes.plot(grid, limits[f"lower_{key}"], style, color=MUTED, linewidth=1, label=label)
            axes.plot(grid, limits[f"upper_{key}"], style, color=MUTED, linewidth=1)
        axes.axhline(target, color=BAD, linewidth=1.2, label=labels["target"])
        for row in points:
            colour = VERDICT_COLOURS.get(row["verdict"]["status"], MUTED)
            axes.plot(row["index"]["n_eff"], row["index"]["estimate"], "o", color=colour, markersize=7)
        for row, offset in labelled(points, target=target, level=level):
            axes.annotate(row["unit"], (row["index"]["n_eff"], row["index"]["estimate"]), fontsize=10,
                          xytext=offset, textcoords="offset points", color=INK,
                          arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 0.6})
        axes.set_xscale("log")
        thousands = FuncFormatter(lambda value, _pos: f"{value:,.0f}".replace(",", labels["thousands"]))
        axes.xaxis.set_major_formatter(thousands)
        axes.xaxis.set_minor_formatter(NullFormatter())
        axes.set_xlabel(labels["x"])
        axes.set_ylabel(labels["y"])
        low = min([r["index"]["estimate"] for r in points] + [target - 0.1])
        axes.set_ylim(max(0, low - 0.03), 1.01)
        axes.yaxis.set_major_formatter(percent_axis(labels["decimal"]))
        figure.legend(loc="outside lower center", fontsize=10, frameon=False, ncols=3)

    return render(draw, size=(10, 5.2), fmt=fmt)


def labelled(points: list[dict], *, target: float, level: float = 0.90,
             most: int = 8) -> list[tuple[dict, tuple[int, int]]]:
    """Choose the units worth a label (outside the inner limits at `level` or below the target, the
    farthest first, at most `most`) and offset each label from its neighbours so that no two overlap.
    """
    if not points:
        return []
    n = np.array([r["index"]["n_eff"] for r in points], dtype=float)
    limits = scoring.funnel_limits(np.maximum(np.round(n), 1), target=target, levels=(level,))
    outside = [(abs(r["index"]["estimate"] - target), r) for r, low, high in
               zip(points, limits[f"lower_{level:g}"], limits[f"upper_{level:g}"], strict=True)
               if not low <= r["index"]["estimate"] <= high or r["verdict"]["status"] == "not-met"]
    chosen = [r for _, r in sorted(outside, key=lambda pair: -pair[0])[:most]]
    # Labels of points close together in log(n) and share step up and down in turn, away from the dot.
    chosen.sort(key=lambda r: (round(np.log10(r["index"]["n_eff"]), 1), r["index"]["estimate"]))
    offsets, previous = [], None
    for position, row in enumerate(chosen):
        gap = abs(np.log10(row["index"]["n_eff"] / previous["index"]["n_eff"])) if previous else 1.0
        near = gap < 0.15
        offsets.append((row, (8, 10 + 12 * (position % 3)) if near else (8, 6)))
        previous = row
    return offsets


def trend(rows: list[dict], *, target: float, labels: dict, fmt: str = "svg") -> str | bytes:
    """Plot the monthly index with its interval, the p-chart centre and 3-sigma limits, and the target."""

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        months = [r["month"] for r in rows]
        x = np.arange(len(months))
        estimate = np.array([np.nan if r["index"]["estimate"] is None else r["index"]["estimate"]
                             for r in rows])
        low = np.array([np.nan if r["index"]["ci_low"] is None else r["index"]["ci_low"] for r in rows])
        high = np.array([np.nan if r["index"]["ci_high"] is None else r["index"]["ci_high"] for r in rows])
        charted = [r.get("p_chart") or {} for r in rows]
        lcl = np.array([c.get("lcl", np.nan) if c.get("lcl") is not None else np.nan for c in charted])
        ucl = np.array([c.get("ucl", np.nan) if c.get("ucl") is not None else np.nan for c in charted])
        centre = next((c["centre"] for c in charted if c.get("centre") is not None), None)
        axes.fill_between(x, low, high, color=BRAND, alpha=0.15, linewidth=0, label=labels["interval"])
        axes.plot(x, estimate, "o-", color=BRAND, markersize=4, linewidth=1.5, label=labels["index"])
        if centre is not None:
            axes.axhline(centre, color=MUTED, linewidth=1, label=labels["centre"])
            axes.step(x, lcl, where="mid", color=MUTED, linestyle=":", linewidth=1, label=labels["limits"])
            axes.step(x, ucl, where="mid", color=MUTED, linestyle=":", linewidth=1)
        partial = [i for i, r in enumerate(rows) if r.get("partial") and not np.isnan(estimate[i])]
        if partial:
            axes.plot(x[partial], estimate[partial], "o", color=BRAND, markersize=9, fillstyle="none",
                      markeredgewidth=1.5, linestyle="none", label=labels["partial"])
        signals = [i for i, c in enumerate(charted) if c.get("signal") in ("above", "below")]
        axes.plot(x[signals], estimate[signals], "s", color=BAD, markersize=7, fillstyle="none",
                  label=labels["signal"])
        axes.axhline(target, color=BAD, linewidth=1.2, label=labels["target"])
        axes.set_xticks(x, [f"{m[5:]}/{m[2:4]}" + ("*" if r.get("partial") else "") for m, r in zip(
            months, rows, strict=True)])
        floor = np.nanmin(np.concatenate([low, [target - 0.1]]))
        axes.set_ylim(max(0, floor - 0.03), 1.0)
        axes.yaxis.set_major_formatter(percent_axis(labels["decimal"]))
        figure.legend(loc="outside lower center", fontsize=10, frameon=False, ncols=4)

    return render(draw, size=(10, 5.2), fmt=fmt)
