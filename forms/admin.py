"""Administration forms: validation only; the views fill the choices from the database."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
              message=_l("Use letters, digits, dots, dashes or underscores."))
#: Unit kinds a unit may be created as (the province root comes from the set-up).
UNIT_KINDS = ("centre", "department", "district", "commune")
API_SCOPES = ("receipts:write", "responses:write", "scores:read")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmForm(FlaskForm):
    """A button-only form (deactivate, rotate, new enrolment code): CSRF token only."""


class UnitForm(FlaskForm):
    """A new unit under a parent in the user's scope."""

    parent = SelectField(_l("Parent unit"), coerce=int, validators=[DataRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=list(UNIT_KINDS))


class RenameForm(FlaskForm):
    """A new name for a unit or a counter."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class CounterForm(FlaskForm):
    """A new counter of a unit, or a changed one."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    instrument = SelectField(_l("Questionnaire"), validators=[DataRequired()])


class ServiceForm(FlaskForm):
    """A new administrative procedure."""

    code = StringField(_l("National code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    field = StringField(_l("Field"), validators=[DataRequired(), Length(max=120)])


class UnitServicesForm(FlaskForm):
    """The procedures a unit handles."""

    services = MultiCheckboxField(_l("Procedures"), coerce=int)


class UserForm(FlaskForm):
    """A new user with a role and a scope."""

    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=80),
                    Regexp(r"^[a-z0-9._-]+$",
                           message=_l("Use lower-case letters, digits, dots, dashes or underscores."))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])
    role = SelectField(_l("Role"))
    unit = SelectField(_l("Unit (scope)"), coerce=int)


class PasswordForm(FlaskForm):
    """A new password set by an administrator."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])


class KioskForm(FlaskForm):
    """A new kiosk tablet at a counter."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    min_interval_seconds = IntegerField(
        _l("Minimum seconds between ratings"), default=10, validators=[NumberRange(min=0, max=3600)]
    )


class KioskIntervalForm(FlaskForm):
    """A kiosk's minimum time between two ratings (closer ratings are flagged)."""

    min_interval_seconds = IntegerField(
        _l("Minimum seconds between ratings"), validators=[InputRequired(), NumberRange(min=0, max=3600)]
    )


class EnrolForm(FlaskForm):
    """The one-time code typed on the tablet."""

    code = StringField(_l("Enrolment code"), validators=[DataRequired(), Length(min=8, max=12)])


class ApiKeyForm(FlaskForm):
    """A new integrator key with its scopes and unit subtree."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    scopes = MultiCheckboxField(
        _l("Scopes"), choices=list(API_SCOPES), validators=[DataRequired()]
    )
    unit = SelectField(_l("Unit (scope)"), coerce=int)


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    entity = StringField(_l("Entity"), validators=[Optional(), Length(max=40)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=40)])
    user = StringField(_l("User"), validators=[Optional(), Length(max=80)])
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])
