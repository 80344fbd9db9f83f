"""The export tables of dossier figures: the QĐ 766 ratio and the response rates (survey.scores.rates)."""

from flask_babel import gettext as _


def rate_tables(extra: dict) -> list[tuple[str, list[str], list[list]]]:
    """Return (title, header, rows) of the QĐ 766 table and the response-rate table, when given."""
    out = []
    dossiers = extra.get("dossiers")
    if dossiers is not None:
        qd766, facts = dossiers["qd766"], dossiers["facts"]
        out.append((_("QĐ 766"), [_("Dossiers"), _("Rated dissatisfied"), _("Complaints"), _("Overdue"),
                                  _("Bad dossiers"), _("QĐ 766 ratio")],
                    [[facts["dossiers"], facts["dissatisfied"], facts["complaint"], facts["overdue"],
                      qd766["bad"], qd766["ratio"]] if qd766 else
                     [0, None, None, None, None, _("No dossier data")]]))
    rates = extra.get("rates")
    if rates is not None:
        header = [_("Group"), _("Code"), _("Name"), _("Ratings"), _("Dossiers received"),
                  _("Ratings per dossier received"), _("Results returned"), _("Ratings per result returned")]
        rows = [[_("All"), "", "", *cells(rates["scope"])]]
        for group, key, rows_of in ((_("Unit"), "unit", "units"), (_("Month"), "month", "months"),
                                    (_("Service"), "service", "services")):
            rows += [[group, r[key], r.get("name", ""), *cells(r)] for r in rates[rows_of]]
        out.append((_("Response rates"), header, rows))
    return out


def cells(row: dict) -> list:
    """Return the figures of one rate row (rates as fractions)."""
    return [row["ratings"], row["received"], row["per_received"], row["returned"], row["per_returned"]]
