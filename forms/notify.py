"""Notification forms: a user's own mail choices, and a scope's alert rule (validation only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, Regexp

#: An address with one @, a dot in the domain and no spaces (the SMTP server has the last word).
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an e-mail address such as ten@donvi.gov.vn."))


class NotificationsForm(FlaskForm):
    """Where a user's mail goes, which digest they take, and whether they take alerts."""

    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254), EMAIL],
                        filters=[lambda value: value.strip() if value else value])
    digest = SelectField(_l("Digest"), choices=[SelectChoice("none", _l("No digest")),
                                                SelectChoice("daily", _l("Daily")),
                                                SelectChoice("weekly", _l("Weekly (Mondays)"))])
    alerts = BooleanField(_l("Alerts about units in my scope"))


class AlertRuleForm(FlaskForm):
    """Which alerts the users of a scope get."""

    verdict = BooleanField(_l("A unit's verdict turns “below the target” or its index falls significantly"))
    spike_count = IntegerField(
        _l("Dissatisfied or flagged responses at one counter in a day that make a spike (0: no alert)"),
        validators=[NumberRange(min=0, max=10_000)])
    kiosk_silent_hours = IntegerField(_l("Hours a kiosk may stay silent (0: no alert)"),
                                      validators=[NumberRange(min=0, max=24 * 90)])
    words = TextAreaField(_l("Words or phrases in comments that make an alert (one per line)"),
                          validators=[Optional(), Length(max=2000)])
