"""The administration forms on their own, without HTTP."""

from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from forms.admin import ApiKeyForm, EnrolForm, KioskForm, UnitForm, UserForm


def form(cls, app, data: dict, **choices):
    with app.test_request_context(method="POST"):
        made = cls(formdata=MultiDict(data))
        for name, values in choices.items():
            getattr(made, name).choices = values
        made.validate()
        return made.errors


def test_unit_codes_and_kinds_are_checked(app):
    parents = {"parent": [SelectChoice(1, "P")]}
    good = {"parent": "1", "code": "H-03", "name": "Xã", "kind": "commune"}
    assert form(UnitForm, app, good, **parents) == {}
    bad = {"parent": "2", "code": "bad code", "name": "", "kind": "province"}
    errors = form(UnitForm, app, bad, **parents)
    assert set(errors) == {"parent", "code", "name", "kind"}


def test_users_need_a_long_password_and_a_plain_username(app):
    choices = {"role": ["viewer"], "unit": [SelectChoice(4, "H")]}
    good = {"username": "xa-01", "password": "ten chars!", "role": "viewer", "unit": "4"}
    assert form(UserForm, app, good, **choices) == {}
    bad = good | {"username": "Xã 01", "password": "short", "role": "province-admin"}
    errors = form(UserForm, app, bad, **choices)
    assert set(errors) == {"username", "password", "role"}


def test_kiosk_interval_key_scopes_and_enrolment_code(app):
    errors = form(KioskForm, app, {"name": "Tab", "min_interval_seconds": "3601"})
    # WTForms' own message, in Vietnamese
    assert errors == {"min_interval_seconds": ["Số phải nằm trong khoảng từ 0 đến 3600."]}
    key = {"name": "X", "unit": "1", "scopes": "admin:all"}
    assert "scopes" in form(ApiKeyForm, app, key, unit=[SelectChoice(1, "P")])
    assert form(EnrolForm, app, {"code": "ABCD-EFGH"}) == {}
    assert "code" in form(EnrolForm, app, {"code": "ABC"})
