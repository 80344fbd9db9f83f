"""The citizen survey form, built from an instrument (validation only: choices are passed in).

A submitted survey is read in one of two ways that agree (tests/test_forms_survey_quick.py): the
WTForms form, bound field by field, which also renders the page and words every error; and
`QuickCheck`, which accepts only plainly valid posts (each answer exactly one of its choices), without
binding the form. A post the quick check does not accept goes to the form, which decides.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
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
        return option_mask(self.data or ())


def option_mask(values) -> int:
    """Return the bit mask of chosen options (bit value − 1); an option sent twice counts once."""
    mask = 0
    for value in values:
        mask |= 1 << (value - 1)
    return mask


@dataclass(frozen=True)
class Submitted:
    """What a valid survey post says, however it was read."""

    #: Answers by item code (None: not answered; a multi item as its bit mask).
    values: dict[str, int | None]
    #: The comment without surrounding spaces, or None.
    comment: str | None
    #: The chosen procedure's id, or None.
    service: int | None
    #: Respondent facts by code (None: not given).
    facts: dict[str, str | None]
    #: Whether the honeypot field was filled in.
    honeypot: bool
    #: The signed ticket as posted (survey.web.submission reads it).
    ticket: str | None


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
        """Return the respondent facts that were given (blank is not given)."""
        return {fact["code"]: given(self[fact["code"]].data) for fact in self.instrument.facts}

    def submitted(self) -> Submitted:
        """Return what the validated form says."""
        service = given(self["service"].data) if "service" in self else None
        return Submitted(
            values=self.item_values(),
            comment=given(self["comment"].data) if "comment" in self else None,
            service=int(service) if service else None,
            facts=self.fact_values(),
            honeypot=bool(self.website.data),
            ticket=self.ticket.data,
        )


def given(text: str | None) -> str | None:
    """Return a text without surrounding spaces, or None when blank (Optional lets a blank pass)."""
    return (text or "").strip() or None


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
    fields["quick"] = QuickCheck(instrument, services)
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


class QuickCheck:
    """Accept a plainly valid survey post without binding the form; leave every other post to it.

    Accepted: a posted form (no files) whose CSRF token passes as the form's would; each item either
    one of its choices written as the form writes it ("5"), or absent when optional (a multi item:
    absent, or distinct choices); the comment within its length; the procedure and facts absent or
    one of their choices. Whatever is accepted, the form accepts too, with the same values.
    """

    def __init__(self, instrument: "Instrument", services: list[tuple[int, str]] | None):
        self.instrument = instrument
        self.items = []
        for item in instrument.items:  # the choices item_field gives each item
            options = item.options if item.kind in ("multi", "points") else instrument.levels
            values = {option.value for option in options}
            if item.kind == "rating" and instrument.no_opinion is not None:
                values.add(instrument.no_opinion.value)
            self.items.append((item.code, item.kind == "multi", item.required, {str(v): v for v in values}))
        self.comment_max = int(instrument.comment.get("max_length") or 0)
        self.service = None if services is None else {str(id_) for id_, _ in services}
        self.facts = {fact["code"]: {str(o["value"]) for o in fact["options"]} for fact in instrument.facts}

    def __call__(self) -> Submitted | None:
        """Return what the current request's post says when plainly valid, else None."""
        if request.files or not request.form or not csrf_passes():
            return None
        form = request.form
        values: dict[str, int | None] = {}
        for code, multi, required, choices in self.items:
            posted = form.getlist(code)
            if multi:
                if len(set(posted)) != len(posted) or not all(text in choices for text in posted):
                    return None
                values[code] = option_mask(choices[text] for text in posted)
            elif not posted and not required:
                values[code] = None
            elif len(posted) == 1 and posted[0] in choices:
                values[code] = choices[posted[0]]
            else:
                return None
        # Fields the form does not have are ignored, as the form ignores them.
        comment = form.get("comment") if self.comment_max else None
        if comment is not None and len(comment) > self.comment_max:
            return None
        services = self.service
        service = form.get("service") if services is not None else None
        if service and services is not None and service not in services:
            return None
        facts = {code: form.get(code) or None for code in self.facts}
        if any(value is not None and value not in self.facts[code] for code, value in facts.items()):
            return None
        return Submitted(values=values, comment=given(comment), service=int(service) if service else None,
                         facts=facts, honeypot=bool(form.get("website")), ticket=form.get("ticket"))


def csrf_passes() -> bool:
    """Tell whether the post's CSRF token passes the check the survey form makes (or CSRF is off)."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True) or g.get("csrf_valid", False):
        return True
    name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    try:
        validate_csrf(request.form.get(name), config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key),
                      config.get("SURVEY_CSRF_TIME_LIMIT"), name)
    except ValidationError:
        return False
    return True
