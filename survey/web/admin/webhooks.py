"""Administration of webhooks: register an HTTPS URL for a subtree's events, see each one's deliveries."""

from flask import abort, current_app, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case
from sqlmodel import col, func, select

from forms.admin import ConfirmForm, WebhookForm
from survey.core import audit, webhooks
from survey.db import get_session
from survey.models import Unit, Webhook, WebhookDelivery
from survey.web.admin.blueprint import (
    Rejected,
    bp,
    retire,
    unit_choices,
    unit_or_404,
    validated,
)
from survey.web.auth import subtree_filter


def hook_form() -> WebhookForm:
    """Return the new-webhook form with its unit choices."""
    form = WebhookForm()
    form.unit.choices = unit_choices()
    return form


def hooks_in_scope() -> list[tuple]:
    """Return (webhook, unit, waiting, delivered, failed) for the webhooks of units in the user's scope."""
    delivery = WebhookDelivery
    counts = (select(delivery.webhook_id,
                     func.sum(case((col(delivery.delivered_at).is_(None) & ~col(delivery.failed), 1),
                                   else_=0)).label("waiting"),
                     func.sum(case((col(delivery.delivered_at).is_not(None), 1), else_=0)).label("delivered"),
                     func.sum(case((col(delivery.failed), 1), else_=0)).label("failed"))
              .group_by(delivery.webhook_id).subquery())
    return list(get_session().exec(
        select(Webhook, Unit, counts.c.waiting, counts.c.delivered, counts.c.failed)
        .join(Unit, col(Webhook.unit_id) == Unit.id)
        .outerjoin(counts, counts.c.webhook_id == Webhook.id)
        .where(subtree_filter(current_user)).order_by(col(Webhook.id))
    ).all())


@bp.route("/webhooks")
def webhooks_page():
    """List the webhooks in scope with their last status and deliveries."""
    return render_template("admin/webhooks.html", rows=hooks_in_scope(), form=hook_form(),
                           confirm_form=ConfirmForm(), new_secret=None)


@bp.route("/webhooks", methods=["POST"])
def create_webhook():
    """Register a webhook and show its signing secret once."""
    form = hook_form()
    back = url_for("admin.webhooks_page")
    validated(form, back)
    unit = unit_or_404(form.unit.data)
    try:
        url = webhooks.check_url(form.url.data,
                                 allow_loopback_http=current_app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"])
    except webhooks.WebhookUrlError as exc:
        flash(_("This URL cannot receive webhooks: %(reason)s", reason=str(exc)), "error")
        raise Rejected(back) from None
    secret = webhooks.new_secret()
    hook = Webhook(unit_id=unit.id, url=url, events=" ".join(form.events.data), secret=secret)
    session = get_session()
    session.add(hook)
    session.flush()
    audit.record(session, current_user.id, "create", hook, None, audit.snapshot(hook))
    session.commit()
    return render_template("admin/webhooks.html", rows=hooks_in_scope(), form=hook_form(),
                           confirm_form=ConfirmForm(), new_secret=(hook, secret))


@bp.route("/webhooks/<int:hook_id>/deactivate", methods=["POST"])
def deactivate_webhook(hook_id: int):
    """Stop sending to a webhook (its waiting deliveries stay in the outbox)."""
    hook = get_session().get(Webhook, hook_id)
    if hook is None:
        abort(404)
    unit_or_404(hook.unit_id)
    return retire(hook, action="deactivate", message=_("Webhook deactivated."))
