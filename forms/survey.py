"""The citizen survey form, built from an instrument (validation only: choices are passed in)."""

from functools import cached_property
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from forms import Form

if TYPE_CHECKING:  # type names only: forms never import the application at run time
    from survey.instruments import Instrument, Item


class ChoiceField(RadioField):
    """A radio group whose missing answer is reported once, by its own validator."""

    def pre_validate(self, form):
        if self.raw_data:
            super().pre_validate(form)


class MultiChoiceField(SelectMultipleField):
    """Check boxes; the value stored is the bit mask of the chosen options (bit value − 1)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    @property
    def mask(self) -> int:
        return sum(1 << (value - 1) for value in self.data or ())


class SurveyForm(Form):
    """Fields of every survey (ticket, honeypot); the items come from the instrument."""

    class Meta:
        @cached_property
        def csrf_time_limit(self) -> int | None:
            # Someone may open the survey at the counter and answer hours later.
            return current_app.config.get("SURVEY_CSRF_TIME_LIMIT")

    #: Signed idempotency key and render time (see survey.web.submission).
    ticket = HiddenField()
    #: Honeypot: hidden from people by CSS, filled in by naive bots (the response is flagged).
    website = StringField(_l("Leave this empty"))

    instrument: "Instrument"
    language: str

    def item_values(self) -> dict[str, int | None]:
        """Return the answers by item code (a multi item as its bit mask)."""
        values = {}
        for item in self.instrument.items:
            field = self[item.code]
            values[item.code] = field.mask if isinstance(field, MultiChoiceField) else field.data
        return values

    def fact_values(self) -> dict[str, str | None]:
        """Return the respondent facts that were given."""
        return {fact["code"]: self[fact["code"]].data or None for fact in self.instrument.facts}


def survey_form_class(
    instrument: "Instrument", *, language: str, services: list[tuple[int, str]] | None = None
) -> type[SurveyForm]:
    """Build the form class of an instrument in a language; services are (id, name) choices."""
    fields: dict = {"instrument": instrument, "language": language}
    for item in instrument.items:
        fields[item.code] = item_field(instrument, item, language)
    if instrument.comment.get("max_length"):
        fields["comment"] = TextAreaField(
            instrument.comment["label"][language],
            validators=[
                Optional(),
                Length(
                    max=instrument.comment["max_length"],
                    message=_l("Please shorten your comment to %(max)d characters."),
                ),
            ],
        )
    if services is not None:
        fields["service"] = SelectField(
            _l("Procedure (optional)"),
            choices=[SelectChoice("", _l("— Not chosen —"))]
            + [SelectChoice(str(i), name) for i, name in services],
            validators=[Optional()],
        )
    for fact in instrument.facts:
        fields[fact["code"]] = SelectField(
            fact["label"][language],
            choices=[SelectChoice("", "—")]
            + [SelectChoice(o["value"], o["label"][language]) for o in fact["options"]],
            validators=[Optional()],
        )
    return type(f"{instrument.code.title()}Form", (SurveyForm,), fields)


def item_field(instrument: "Instrument", item: "Item", language: str):
    """Return the field of one item: radio choices, or check boxes for a multi item."""
    if item.kind == "multi":
        choices = [SelectChoice(o.value, o.label[language]) for o in item.options]
        return MultiChoiceField(item.text[language], choices=choices, coerce=int, validators=[Optional()])
    options = item.options if item.kind == "points" else instrument.levels
    choices = [SelectChoice(o.value, o.label[language]) for o in options]
    if item.kind == "rating" and instrument.no_opinion is not None:
        choices.append(SelectChoice(instrument.no_opinion.value, instrument.no_opinion.label[language]))
    required = InputRequired(message=_l("Please choose an answer.")) if item.required else Optional()
    return ChoiceField(item.text[language], choices=choices, coerce=int, validators=[required])
