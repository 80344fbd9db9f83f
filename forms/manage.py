"""The filter form of the score pages (GET query parameters, no CSRF: it changes nothing)."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import AnyOf, Length, Optional

from forms import Form


class ScoreFilterForm(Form):
    """Period, service, channel and whether flagged responses count (the view checks codes it offers)."""

    class Meta:
        csrf = False

    #: A year, quarter, month or date range in the ISO or the Vietnamese way ("Quý 3/2026", "07/2026"):
    #: survey.periods reads it, and the page says which text it could not read.
    period = StringField(_l("Period"), validators=[Optional(), Length(max=40)])
    service = StringField(_l("Service"), validators=[Optional(), Length(max=32)])
    channel = StringField(_l("Channel"), validators=[Optional(), Length(max=16)])
    flagged = StringField(_l("Flagged responses"), validators=[Optional(), AnyOf(["include", "exclude"])])
