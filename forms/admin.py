"""Administration forms: validation only; the views fill the choices from the database."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from forms import Form

CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
              message=_l("Use letters, digits, dots, dashes or underscores."))
#: Unit kinds a unit may be created as: today's two tiers, no districts (the province root comes from
#: the set-up). The views pass them named in the interface language.
UNIT_KINDS = ("centre", "branch", "department", "commune", "ward")
API_SCOPES = ("receipts:write", "responses:write", "dossiers:write", "scores:read")
#: Length of a password, wherever one is set (these forms and `flask create-user`).
MIN_PASSWORD, MAX_PASSWORD = 10, 200
#: The password rule of the web forms, said in words.
PASSWORD_LENGTH = Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
                         message=_l("A password needs 10 to 200 characters."))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(Form):
    """A button-only form (deactivate, rotate, new enrolment code): CSRF token only."""


class UnitForm(Form):
    """A new unit under a parent in the user's scope."""

    parent = SelectField(_l("Parent unit"), coerce=int, validators=[DataRequired()])
    #: Unit codes are kept in capitals: "hta-09" is the unit HTA-09.
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE],
                       filters=[lambda value: value.strip().upper() if value else value])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(UNIT_KINDS))


class RenameForm(Form):
    """A new name for a unit or a counter."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class CounterForm(Form):
    """A new counter of a unit, or a changed one."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    instrument = SelectField(_l("Questionnaire"), validators=[DataRequired()])


class ServiceForm(Form):
    """A new administrative procedure."""

    code = StringField(_l("National code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    field = StringField(_l("Field"), validators=[DataRequired(), Length(max=120)])


class UnitServicesForm(Form):
    """The procedures a unit handles."""

    services = MultiCheckboxField(_l("Procedures"), coerce=int)


class UserForm(Form):
    """A new user with a role and a scope."""

    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=80),
                    Regexp(r"^[a-z0-9._-]+$",
                           message=_l("Use lower-case letters, digits, dots, dashes or underscores."))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), PASSWORD_LENGTH])
    role = SelectField(_l("Role"))
    unit = SelectField(_l("Unit (scope)"), coerce=int)


class PasswordForm(Form):
    """A new password set by an administrator."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), PASSWORD_LENGTH])


class KioskForm(Form):
    """A new kiosk tablet at a counter."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    min_interval_seconds = IntegerField(
        _l("Minimum seconds between ratings"), default=10, validators=[NumberRange(min=0, max=3600)]
    )


class KioskIntervalForm(Form):
    """A kiosk's minimum time between two ratings (closer ratings are flagged)."""

    min_interval_seconds = IntegerField(
        _l("Minimum seconds between ratings"), validators=[InputRequired(), NumberRange(min=0, max=3600)]
    )


class EnrolForm(Form):
    """The one-time code typed on the tablet."""

    code = StringField(_l("Enrolment code"), validators=[DataRequired(), Length(min=8, max=12)])


class ApiKeyForm(Form):
    """A new integrator key with its scopes and unit subtree."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    scopes = MultiCheckboxField(
        _l("Scopes"), choices=list(API_SCOPES), validators=[DataRequired()]
    )
    unit = SelectField(_l("Unit (scope)"), coerce=int)


class AuditFilterForm(Form):
    """Filters of the audit log (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    entity = StringField(_l("Entity"), validators=[Optional(), Length(max=40)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=40)])
    user = StringField(_l("User"), validators=[Optional(), Length(max=80)])
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])


class DossierImportForm(FlaskForm):
    """An export of the one-stop system to check, then import; the mapping comes as map-<fact> fields."""

    upload = FileField(_l("File (CSV or XLSX)"))
    #: The file as first uploaded (base64), so that a changed mapping is checked without sending it again.
    content = HiddenField(validators=[Optional(), Length(max=7_000_000)])
    filename = HiddenField(validators=[Optional(), Length(max=200)])


class PaperEntryForm(FlaskForm):
    """One paper form typed in: its number (serial or scanned identity), comment and answer day.

    The answers come as v-<item code> fields, checked against the questionnaire by the view.
    """

    number = StringField(_l("Form number"), validators=[DataRequired(), Length(max=40)])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=2000)])
    answered_on = DateField(_l("Answered on"), validators=[Optional()])


#: Events a webhook may receive (survey.core.webhooks.EVENTS says the same).
WEBHOOK_EVENTS = ("response.stored", "dossier.rated", "kiosk.retired", "verdict.changed")


class WebhookForm(FlaskForm):
    """A new webhook: an HTTPS URL receiving some events of a unit subtree."""

    url = StringField(_l("URL (https://…)"), validators=[DataRequired(), Length(max=500)])
    events = MultiCheckboxField(_l("Events"), choices=list(WEBHOOK_EVENTS), validators=[DataRequired()])
    unit = SelectField(_l("Unit (scope)"), coerce=int)
