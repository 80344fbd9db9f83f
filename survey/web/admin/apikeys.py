"""Administration of integrator API keys: shown once at creation, only the hash stored."""

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from forms.admin import ApiKeyForm, ConfirmForm
from survey.core import audit, devices
from survey.db import get_session
from survey.models import ApiKey, Unit
from survey.web.admin.blueprint import bp, retire, unit_choices, unit_or_404, validated
from survey.web.auth import subtree_filter


def key_form() -> ApiKeyForm:
    """Return the new-key form with its unit choices."""
    form = ApiKeyForm()
    form.unit.choices = unit_choices()
    return form


def keys_in_scope() -> list[tuple[ApiKey, Unit]]:
    """Return the keys of units in the user's scope with their units."""
    return list(
        get_session().exec(
            select(ApiKey, Unit)
            .join(Unit, ApiKey.unit_id == Unit.id)
            .where(subtree_filter(current_user))
            .order_by(ApiKey.id)
        ).all()
    )


@bp.route("/api-keys")
def api_keys():
    """List the keys of units in scope."""
    return render_template(
        "admin/api_keys.html", rows=keys_in_scope(), form=key_form(), confirm_form=ConfirmForm(), new_key=None
    )


@bp.route("/api-keys", methods=["POST"])
def create_api_key():
    """Create a key for a unit subtree and show the secret once."""
    form = key_form()
    validated(form, url_for("admin.api_keys"))
    unit = unit_or_404(form.unit.data)
    secret, prefix, key_hash = devices.new_api_key()
    key = ApiKey(
        name=form.name.data, prefix=prefix, key_hash=key_hash, scopes=" ".join(form.scopes.data),
        unit_id=unit.id,
    )
    session = get_session()
    session.add(key)
    session.flush()
    audit.record(session, current_user.id, "create", key, None, audit.snapshot(key))
    session.commit()
    return render_template(
        "admin/api_keys.html", rows=keys_in_scope(), form=key_form(), confirm_form=ConfirmForm(),
        new_key=(key, secret),
    )


@bp.route("/api-keys/<int:key_id>/revoke", methods=["POST"])
def revoke_api_key(key_id: int):
    """Revoke a key for good."""
    key = get_session().get(ApiKey, key_id)
    if key is None or key.unit_id is None:
        abort(404)
    unit_or_404(key.unit_id)
    return retire(key, action="revoke", message=_("Key revoked."))
