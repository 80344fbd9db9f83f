"""Improvement follow-up: an action against one of a unit's items (validation only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class ImprovementForm(FlaskForm):
    """What will be done about an item, by whom and by when; the view fills the item choices."""

    item = SelectField(_l("Item to improve"), validators=[DataRequired()])
    what = TextAreaField(_l("What will be done"), validators=[DataRequired(), Length(max=2000)])
    who = StringField(_l("Who is responsible"), validators=[DataRequired(), Length(max=200)])
    due_on = DateField(_l("Done by"), validators=[DataRequired()])
