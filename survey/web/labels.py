"""What stored codes read as, in the interface language: unit kinds, roles, audit actions, flag reasons.

The database keeps short English codes ("commune", "unit-manager", "rotate-token"); people read
these names. A code without a name is shown as it is, so a new code is visible, never hidden.
"""

import re

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey.models import CURRENT_UNIT_KINDS, ROOT_UNIT_KINDS

UNIT_KINDS = {
    "nation": _l("Nationwide (ministry)"),
    "province": _l("Province"),
    "centre": _l("Public administration service centre"),
    "branch": _l("Branch of the service centre"),
    "department": _l("Department"),
    "commune": _l("Commune"),
    "ward": _l("Ward"),
    "district": _l("District (before 1 July 2025)"),
}
ROLES = {
    "province-admin": _l("Province administrator"),
    "unit-manager": _l("Unit manager"),
    "viewer": _l("Viewer"),
}
#: Interval methods, as their authors' names are written (scoring's codes are lower-case).
INTERVAL_METHODS = {"agresti-coull": "Agresti–Coull", "wilson": "Wilson", "wilsoncc": "Wilson CC",
                    "clopper-pearson": "Clopper–Pearson", "jeffreys": "Jeffreys"}
AUDIT_ACTIONS = {
    "create": _l("created"),
    "update": _l("changed"),
    "rename": _l("renamed"),
    "activate": _l("reactivated"),
    "deactivate": _l("deactivated"),
    "rotate-token": _l("new survey link"),
    "revoke": _l("revoked"),
    "enrol": _l("new enrolment code"),
    "reset-password": _l("password reset"),
    "services": _l("procedures changed"),
}
AUDIT_ENTITIES = {
    "unit": _l("unit"),
    "counter": _l("counter"),
    "service": _l("procedure"),
    "app_user": _l("user"),
    "user": _l("user"),
    "kiosk_device": _l("kiosk"),
    "api_key": _l("API key"),
}
FLAG_REASONS = {
    "interval": _l("too soon after the previous rating on this kiosk"),
    "burst": _l("one of many top ratings within a minute"),
    "off-hours": _l("outside opening hours"),
    "repeated-pattern": _l("the same long answer pattern repeated"),
    "honeypot field filled": _l("a hidden field was filled in (an automated form)"),
    "filled faster than the minimum time": _l("answered faster than the minimum time"),
}
#: TT 01/2018's reading of the civil-servant total (out of 10), by scoring's band codes.
DUTY_BANDS = {
    "100%": _l("completes 100% of duties"),
    "70% to <100%": _l("completes 70% to under 100% of duties"),
    "below 70%": _l("completes under 70% of duties"),
}
#: The timing reason of a web survey, with its numbers (survey.web.submission.suspicion).
TOO_FAST = re.compile(r"answered in (\d+) s, under the ([\d.]+) s minimum")


def unit_kind_choices(current: str | None = None) -> list[tuple[str, str]]:
    """Return the kinds a new unit may have (no districts), and a unit's own kind if it is an old one."""
    kinds = [kind.value for kind in CURRENT_UNIT_KINDS if kind not in ROOT_UNIT_KINDS]
    if current and current not in kinds:
        kinds.append(current)
    return [(kind, str(UNIT_KINDS.get(kind, kind))) for kind in kinds]


def flag_reasons(stored: str | None) -> list[str]:
    """Return the readable reasons of a stored suspicious_reason ("interval, burst"; "answered in …")."""
    if not stored:
        return ["?"]
    reasons = [_("answered in %(seconds)s s, under the %(minimum)s s minimum", seconds=seconds,
                 minimum=minimum) for seconds, minimum in TOO_FAST.findall(stored)]
    for part in re.split(r"[;,]", TOO_FAST.sub("", stored)):
        if part.strip():
            reasons.append(str(FLAG_REASONS.get(part.strip(), part.strip())))
    return reasons


def duty_bands_note() -> str:
    """Return how TT 01/2018 reads the civil-servant total, each band named."""
    return _("The total is the civil servant's score under TT 01 (the five indicators, out of 10): from 5 "
             "points %(high)s; from 3.5 to under 5 %(middle)s; under 3.5 %(low)s.",
             high=DUTY_BANDS["100%"], middle=DUTY_BANDS["70% to <100%"], low=DUTY_BANDS["below 70%"])


def named(names: dict, code: str | None) -> str:
    """Return the name of a code in the interface language, or the code itself."""
    return str(names.get(code, code)) if code else "–"


def init_app(app: Flask) -> None:
    """Register the filters: {{ unit.kind|unit_kind }}, {{ user.role|role }}, {{ event.action|action }}…"""
    app.jinja_env.filters.update(
        unit_kind=lambda code: named(UNIT_KINDS, code),
        role=lambda code: named(ROLES, code),
        audit_action=lambda code: named(AUDIT_ACTIONS, code),
        audit_entity=lambda code: named(AUDIT_ENTITIES, code),
        flag_reasons=flag_reasons,
        interval_method=lambda code: named(INTERVAL_METHODS, code),
        duty_band=lambda code: named(DUTY_BANDS, code),
    )
    app.jinja_env.globals.update(duty_bands_note=duty_bands_note)
