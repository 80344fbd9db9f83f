"""The filter form of the score pages (GET query parameters, no CSRF: it changes nothing)."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import AnyOf, Length, Optional, Regexp

from forms import Form

#: A year, quarter, month or date range: 2026, 2026-Q3, 2026-07, 2026-07-01..2026-09-30.
PERIOD_PATTERN = r"^\d{4}(-[Qq][1-4]|-\d{2}|-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2})?$"


class ScoreFilterForm(Form):
    """Period, service, channel and whether flagged responses count (the view checks codes it offers)."""

    class Meta:
        csrf = False

    period = StringField(
        _l("Period"),
        validators=[Optional(), Length(max=40),
                    Regexp(PERIOD_PATTERN,
                           message=_l("Use 2026, 2026-Q3, 2026-07 or 2026-07-01..2026-09-30."))],
    )
    service = StringField(_l("Service"), validators=[Optional(), Length(max=32)])
    channel = StringField(_l("Channel"), validators=[Optional(), Length(max=16)])
    flagged = StringField(_l("Flagged responses"), validators=[Optional(), AnyOf(["include", "exclude"])])
