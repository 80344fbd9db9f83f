"""The survey's quick check against its WTForms form: whatever the quick check accepts, the form accepts
with the same values; plainly valid posts never need the form; bad posts never pass quickly."""

import pytest
from werkzeug.datastructures import MultiDict

from forms.survey import survey_form_class
from survey import instruments
from tests.helpers import answers

SERVICES = [(7, "Đăng ký khai sinh"), (12, "Chứng thực")]


def read(app, pairs: list[tuple[str, str]], *, code: str = "sipas-service", services=SERVICES):
    """Return (the quick check's answers or None, the form's verdict, the form's answers) for a post."""
    form_class = survey_form_class(instruments.load(code), language="vi", services=services)
    with app.test_request_context("/c/token", method="POST", data=MultiDict(pairs)):
        quick, form = form_class.quick(), form_class()
        valid = form.validate()
        return quick, valid, form.submitted() if valid else None


def pairs(data: dict, **changes) -> list[tuple[str, str]]:
    """Return form pairs of a dict (a list value posts the field several times), changed."""
    merged = data | changes
    return [(name, item) for name, value in merged.items() if value is not None
            for item in (value if isinstance(value, list) else [value])]


FULL = answers() | {"ticket": "t", "comment": "Cán bộ nhiệt tình"}
PLAINLY_VALID = [
    pairs(FULL),
    pairs(FULL, E1="0", OVERALL="4", service="7", gender="female", age_band="35-49"),
    pairs(FULL, comment="x" * 1000, service="", gender=""),
    pairs(FULL, comment=None, ticket=None, website="http://spam"),
    pairs(FULL, unknown="extra field", csrf_token="ignored when CSRF is off"),
    pairs(FULL, age_band=["", "35-49"]),  # the first of two values counts, in both
]
NOT_PLAINLY_VALID = [
    pairs(FULL, A1=None),  # a missing item
    pairs(FULL, OVERALL=""),
    pairs(FULL, A1="6"), pairs(FULL, A1="-1"),  # out of range
    pairs(FULL, A1="abc"), pairs(FULL, A1="5.0"),  # wrong types
    pairs(FULL, A1=" 5"), pairs(FULL, A1="05"), pairs(FULL, A1="+5"), pairs(FULL, A1="٥"),  # int() reads them
    pairs(FULL, A1=["5", "9"]), pairs(FULL, A1=["9", "5"]),  # one item sent twice
    pairs(FULL, comment="x" * 1001), pairs(FULL, comment=" " * 5000), pairs(FULL, comment="x" * 100_000),
    pairs(FULL, service="8"), pairs(FULL, service=" "), pairs(FULL, service="7.0"),
    pairs(FULL, gender="robot"), pairs(FULL, gender=" " * 40),
    [],
]


@pytest.mark.parametrize("posted", PLAINLY_VALID + NOT_PLAINLY_VALID)
def test_what_the_quick_check_accepts_the_form_accepts_with_the_same_values(app, posted):
    quick, valid, submitted = read(app, posted)
    if quick is not None:
        assert valid and quick == submitted


@pytest.mark.parametrize("posted", PLAINLY_VALID)
def test_plainly_valid_posts_pass_the_quick_check(app, posted):
    quick, valid, submitted = read(app, posted)
    assert valid and quick == submitted


@pytest.mark.parametrize("posted", NOT_PLAINLY_VALID)
def test_other_posts_are_left_to_the_form(app, posted):
    assert read(app, posted)[0] is None


def test_blank_facts_and_procedure_are_not_given(app):
    # The form lets a blank choice pass (Optional): it must read as "not given", not as spaces.
    quick, valid, submitted = read(app, pairs(FULL, service="  ", gender=" " * 40))
    assert quick is None and valid
    assert (submitted.service, submitted.facts["gender"]) == (None, None)


def test_the_receipt_survey_ignores_a_procedure_and_reasons_count_once(app):
    quick, valid, submitted = read(app, pairs(answers("tt01-dossier"), service="99"), code="tt01-dossier",
                                   services=None)
    assert valid and quick == submitted and quick.service is None
    # quick-3: a reason sent twice is one reason (its bit once), in the form as in the quick check.
    posted = [("RATING", "1"), ("REASONS", "3"), ("REASONS", "3")]
    quick, valid, submitted = read(app, posted, code="quick-3", services=None)
    assert valid and submitted.values["REASONS"] == 0b100
    assert quick is None or quick == submitted
    posted = [("RATING", "1"), ("REASONS", "1"), ("REASONS", "3")]
    quick, valid, submitted = read(app, posted, code="quick-3", services=None)
    assert valid and quick == submitted and quick.values == {"RATING": 1, "REASONS": 0b101}
