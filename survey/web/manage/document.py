"""The official report's content, written once and shown twice: as the printable page and as DOCX.

The report follows the layout of an administrative document under Nghị định 30/2020/NĐ-CP: the
governing and issuing bodies with the number on the left and the national motto (Quốc hiệu, tiêu ngữ)
with the place and date on the right, the document kind and its subject, numbered sections, then the
recipients (Nơi nhận) and the signature block. Numbers are formatted here, the local way, so that the
page and the Word file show the very same text.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from survey.web.filters import decimal1, number, percent
from survey.web.labels import DUTY_BANDS, INTERVAL_METHODS, duty_bands_note, named

#: The national motto is the same in every language of the interface: it is a legal form.
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass(frozen=True)
class Table:
    """A table of the report: a caption, a header row and rows of text cells."""

    caption: str
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Figure:
    """A chart of the report, named by the chart it draws ("funnel" or "trend")."""

    chart: str
    caption: str


@dataclass
class Section:
    """A numbered section: a heading, then paragraphs, tables and figures in order."""

    heading: str
    blocks: list[str | Table | Figure] = field(default_factory=list)


@dataclass
class Report:
    """The whole document: the head of an administrative document, sections and the closing blocks."""

    governing_body: str
    issuing_body: str
    number: str
    place_date: str
    kind: str
    subject: str
    sections: list[Section]
    recipients: list[str]
    signer_title: str
    signer_note: str
    national_name: str = NATIONAL_NAME
    national_motto: str = NATIONAL_MOTTO


def verdict_word(status: str) -> str:
    """Return a verdict status in words of the interface language."""
    return {"met": _("Meets the target"), "not-met": _("Below the target"),
            "inconclusive": _("Cannot tell yet")}.get(status, _("Insufficient data"))


def verdict_text(verdict: dict) -> str:
    """Return a verdict in words, with what is needed when it cannot be given yet."""
    status, text = verdict["status"], verdict_word(verdict["status"])
    if status == "inconclusive":
        more = verdict.get("more_needed")
        if more:
            return f"{text} ({_('about %(n)s more responses', n=number(more))})"
        return f"{text} ({_('not reachable at this volume')})" if verdict.get("reachable") is False else text
    if status == "insufficient":
        return f"{text} ({_('fewer than %(n)s responses', n=verdict.get('min_n'))})"
    return text


def day(moment) -> str:
    """Return a date as dd/mm/yyyy, the Vietnamese way."""
    return moment.strftime("%d/%m/%Y")


def interval_text(score: dict) -> str:
    """Return "low – high" of an interval, or a dash when there is no estimate."""
    if score.get("estimate") is None or score.get("ci_low") is None:
        return "–"
    return f"{percent(score['ci_low'])} – {percent(score['ci_high'])}"


def score_rows(rows: list[dict], label) -> list[list[str]]:
    """Return the cells of scored rows: label, responses, index, the interval its verdict used, verdict."""
    return [[label(r), number(r["n"]), percent(r["index"]["estimate"]),
             interval_text({**r["verdict"], "estimate": r["index"]["estimate"]}), row_verdict(r)]
            for r in rows]


def row_verdict(row: dict) -> str:
    """Return a row's verdict in words, saying when its index misses a whole factor (partial)."""
    text = verdict_text(row["verdict"])
    if row["index"].get("partial"):
        missing = ", ".join(row["index"].get("missing_factors") or [])
        text += f" ({_('partial: no answers for factor %(factors)s', factors=missing)})"
    return text


def interval_header(level: float) -> str:
    """Return the header of an interval column at a two-sided level ("90% interval")."""
    return _("%(level)s interval", level=percent(level, 0))


def score_header(first: str, settings) -> list[str]:
    """Return the header of a score table: the interval is the one the verdicts used."""
    return [first, _("Responses"), _("SIPAS"), interval_header(settings.interval_level), _("Verdict")]


def method_section(page, channel_label: str) -> Section:
    """State the scope, the filters, the method and the settings the verdicts were made under."""
    s, period = page.settings, page.period
    facts = Table(_("Scope and settings"), [_("Setting"), _("Value")], [
        [_("Unit"), f"{page.unit.name} ({page.unit.code})"],
        [_("Period"), f"{day(period.first)} – {day(period.last)} ({period.key})"],
        [_("Service"), page.service or _("All services")],
        [_("Channel"), channel_label],
        [_("Flagged responses"), _("Included") if page.include_flagged else _("Left out")],
        [_("Interval method"), named(INTERVAL_METHODS, s.method)],
        [_("Confidence level"), percent(s.confidence_level, 0)],
        [_("Verdict sides"), _(s.sides)],
        [_("Target"), percent(s.target, 0)],
        [_("Minimum responses for a verdict"), number(s.min_n)],
        [_("Interval used by the verdicts (two-sided level)"), percent(s.interval_level, 0)],
        [_("Verdicts of the units adjusted together by"), _(s.adjust)],
        [_("Probability that the further responses settle a verdict"), percent(s.power, 0)],
        [_("Units combined by"), _(s.combine)],
    ])
    return Section(_("Scope and method"), [
        _("The SIPAS index is the mean of the five factors, each the mean share of its items answered "
          "at levels 4–5 (satisfied); 'no opinion' is left out. Intervals come from respondent-level "
          "variance; each verdict compares the interval with the target under the settings below."),
        facts,
    ])


def build(page, *, table, trend: list[dict], counters: list[dict], ratings: list[dict], dossiers: dict,
          channels: list[dict], channel_labels: dict, item_texts: dict, factor_titles: dict,
          parent_name: str | None, today, language: str) -> Report:
    """Return the report of a unit page: the same sections, tables and figures in HTML and in DOCX."""
    own = table.scope
    channel_label = _(channel_labels[page.channel]) if page.channel else _("All channels")
    sections = [method_section(page, channel_label)]
    sections.append(Section(_("Overall result"), [
        _("SIPAS index %(estimate)s, %(level)s interval %(low)s – %(high)s, from %(n)s responses: "
          "%(verdict)s.", estimate=percent(own["index"]["estimate"]),
          level=percent(page.settings.interval_level, 0), low=percent(own["verdict"]["ci_low"]),
          high=percent(own["verdict"]["ci_high"]), n=number(own["n"]), verdict=row_verdict(own)),
    ]))
    items = [[f"{code} · {factor_titles.get(code, '')}", "", percent(f.get("estimate")), interval_text(f)]
             for code, f in sorted(own["factors"].items())]
    items += [[f"{code} · {item_texts.get(code, '')}", number(i["n"]), percent(i["estimate"]),
               interval_text(i)] for code, i in own["items"].items()]
    sections.append(Section(_("Factors and items"), [Table(
        _("Share satisfied of each factor and item"),
        [_("Factor or item"), _("Answers"), _("Satisfied"), interval_header(page.settings.confidence_level)],
        items)]))
    if table.rows:
        sections.append(Section(_("Units under %(name)s", name=page.unit.name), [
            Table(_("Each unit pools its own sub-units."), score_header(_("Unit"), page.settings),
                  score_rows(table.rows, lambda r: f"{r['name']} ({r['unit']})")),
            Figure("funnel", _("Funnel plot of the units around the %(target)s target",
                                target=percent(page.settings.target, 0))),
        ]))
    months = [[f"{r['month'][5:]}/{r['month'][:4]}" + ("*" if r.get("partial") else ""), number(r["n"]),
               percent(r["index"]["estimate"]), interval_text(r["index"]), control_text(r)] for r in trend]
    sections.append(Section(_("Month by month"), [
        Table(_("Monthly SIPAS index with control limits"),
              [_("Month"), _("Responses"), _("SIPAS"), interval_header(page.settings.confidence_level),
               _("Control chart")], months),
        Figure("trend", _("Monthly SIPAS index with control limits")),
    ]))
    if counters:
        sections.append(Section(_("Counters of %(name)s", name=page.unit.name), [
            Table(_("Responses from this unit's own counters."), score_header(_("Name"), page.settings),
                  score_rows(counters, lambda r: r["counter"]))]))
    sections.append(dossier_section(ratings, dossiers, language, page.settings.confidence_level))
    sections.append(Section(_("Responses by channel"), [Table(
        _("Responses of every questionnaire per channel (the channel filter does not apply)."),
        [_("Channel"), _("Responses")],
        [[_(channel_labels.get(c["channel"], c["channel"])), number(c["n"])] for c in channels]
        or [[_("No responses in this period."), ""]])]))
    for position, section in enumerate(sections):
        section.heading = f"{ROMAN[position]}. {section.heading}"
    period = page.period
    return Report(
        governing_body=(parent_name or "").upper(),
        issuing_body=page.unit.name.upper(),
        number=f"Số:      /BC-{page.unit.code}",
        place_date=f"……, ngày …… tháng …… năm {today.year}",
        kind="BÁO CÁO",
        subject=_("Results of measuring citizens' satisfaction with the services of %(name)s, "
                  "%(first)s – %(last)s", name=page.unit.name, first=day(period.first),
                  last=day(period.last)),
        sections=sections,
        recipients=[_("…… (the superior body);"), _("Archived: clerical office.")],
        signer_title=_("HEAD OF THE AGENCY"),
        signer_note=_("(Signature, full name and seal)"),
    )


def control_text(row: dict) -> str:
    """Return the control-chart reading of a month in words."""
    if row.get("partial"):
        return _("month under way: not charted") if row["n"] else "–"
    signal = (row.get("p_chart") or {}).get("signal")
    if signal == "below":
        return _("below the limits")
    if signal == "above":
        return _("above the limits")
    if row.get("p_chart"):
        return _("within the limits")
    return "–"


def dossier_section(ratings: list[dict], dossiers: dict, language: str, level: float) -> Section:
    """Return the three-level ratings (each level's share), the QĐ 766 ratio and the TT 01 indicators."""
    blocks: list[str | Table | Figure] = []
    for r in ratings:
        name = _("Kiosk quick rating") if r["instrument"] == "quick-3" else _("Dossier rating (receipt QR)")
        levels = r["levels"]
        header = [_("Rating"), _("Answers")] + [level["label"].get(language, level["label"]["vi"])
                                                for level in levels]
        shares = [percent(level["count"] / r["answered"], 1) if r["answered"] else "–" for level in levels]
        blocks.append(Table(name, header + [_("Share satisfied"), interval_header(level)],
                            [[name, number(r["answered"]), *shares, percent(r["estimate"]),
                              interval_text(r)]]))
        if r.get("with_reasons"):
            blocks.append(Table(
                _("What was not satisfactory (%(n)s responses gave a reason; one response may give several)",
                  n=number(r["with_reasons"])),
                [_("Reason"), _("Responses"), _("Share of those giving a reason")],
                [[reason["label"].get(language, reason["label"]["vi"]), number(reason["count"]),
                  percent(reason["count"] / r["with_reasons"], 1)]
                 for reason in r["reasons"] if reason["count"]]))
    qd766 = dossiers.get("qd766")
    if qd766:
        blocks.append(_("QĐ 766 satisfaction in handling dossiers: %(ratio)s (%(good)s of %(total)s dossiers "
                        "neither rated dissatisfied, complained about nor overdue).",
                        ratio=percent(qd766["ratio"]), good=number(qd766["dossiers"] - qd766["bad"]),
                        total=number(qd766["dossiers"])))
    else:
        blocks.append(_("No dossier data in this period."))
    tt01 = dossiers.get("tt01")
    if tt01:
        header = [_("Indicator %(i)s", i=i) for i in tt01["indicators"]] + [_("Total (of 10)")]
        cells = [decimal1(v) for v in tt01["indicators"].values()]
        band = tt01["civil_servant_band"]
        cells.append(f"{decimal1(tt01['civil_servant_total'])} · {named(DUTY_BANDS, band)}" if band
                     else decimal1(tt01["civil_servant_total"]))
        blocks.append(Table(_("TT 01/2018 indicators (mean points per dossier, 0–2, rounded to one decimal)"),
                            header, [cells]))
        blocks.append(duty_bands_note())
    return Section(_("Quick rating and dossiers"), blocks)
