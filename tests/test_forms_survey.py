"""The survey form class built from an instrument, tested directly (no HTTP, no database)."""

import pytest
from werkzeug.datastructures import MultiDict

from forms.survey import survey_form_class
from survey import instruments
from tests.helpers import answers

SERVICES = [(7, "Đăng ký khai sinh")]


def form(app, data: dict, *, code: str = "sipas-service", language: str = "vi", services=SERVICES):
    """Return a bound form of an instrument."""
    form_class = survey_form_class(instruments.load(code), language=language, services=services)
    return form_class(formdata=MultiDict(data), meta={"csrf": False})


def test_complete_answers_validate_and_give_values(app):
    with app.test_request_context():
        bound = form(app, answers() | {"E2": "0", "service": "7", "gender": "male"})
        assert bound.validate() is True
        assert bound.item_values()["E2"] == 0 and bound.item_values()["OVERALL"] == 5
        facts = {"gender": "male", "age_band": None, "occupation": None, "applicant": None}
        assert bound.fact_values() == facts


def test_each_missing_item_has_one_message(app):
    with app.test_request_context():
        data = answers()
        del data["B3"]
        bound = form(app, data)
        assert bound.validate() is False
        assert bound.errors == {"B3": ["Vui lòng chọn một câu trả lời."]}


@pytest.mark.parametrize(
    ("field", "value"), [("service", "8"), ("gender", "robot"), ("A1", "9"), ("OVERALL", "")]
)
def test_values_outside_the_choices_are_refused(app, field, value):
    with app.test_request_context():
        bound = form(app, answers() | {field: value})
        assert bound.validate() is False and list(bound.errors) == [field]


def test_labels_follow_the_language_and_receipts_have_no_procedure(app):
    with app.test_request_context():
        english = form(app, {}, language="en")
        assert english["A1"].label.text.startswith("The reception point has clear signs")
        assert [choice.label.text for choice in english["A1"]][-1] == "No opinion"
        receipt = form(app, {}, code="tt01-dossier", services=None)
        assert "service" not in receipt and [c.data for c in receipt["T1"]] == [1, 2, 3, 4]
