"""Recipients, unsubscribe tokens, mails rendered in Vietnamese, and sending each notice once."""

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from survey.core import audit, mail
from survey.db import writing
from survey.models import Notice, Unit, User

#: What an unsubscribe link turns off: the digest or the alerts.
CHOICES = ("digest", "alerts")


@dataclass(frozen=True)
class Draft:
    """A notice to send once: its de-duplication key, kind, unit and the template that renders it."""

    key: str
    kind: str
    unit: Unit | None
    template: str
    context: dict


def ancestor_ids(unit: Unit) -> list[int]:
    """Return the ids on a unit's path, the province first."""
    return [int(part) for part in unit.path.strip("/").split("/")]


def recipients(session: Session, unit: Unit, *, choice: str = "alerts") -> list[User]:
    """Return the active users with an address whose scope holds the unit and who take these mails."""
    statement = select(User).where(
        User.active, User.email.is_not(None), User.email != "",
        or_(User.unit_id.is_(None), User.unit_id.in_(ancestor_ids(unit))),
    ).order_by(User.id)
    if choice == "alerts":
        statement = statement.where(User.alerts)
    return list(session.exec(statement).all())


def serializer() -> URLSafeSerializer:
    """Return the signer of unsubscribe tokens (keyed by SECRET_KEY)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User, choice: str) -> str:
    """Return a signed token that turns one kind of mail off for one user."""
    return serializer().dumps({"user": user.id, "choice": choice})


def read_token(token: str) -> tuple[int, str] | None:
    """Return (user id, choice) of a valid token, or None."""
    try:
        data = serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("choice") not in CHOICES:
        return None
    if not isinstance(data.get("user"), int):
        return None
    return data["user"], data["choice"]


def public_url(path: str) -> str:
    """Return an absolute URL on the public base URL."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def render(template: str, user: User, choice: str, **context) -> mail.Mail:
    """Render a mail for one user in Vietnamese: subject, plain text and HTML from templates/mail/."""
    unsubscribe = public_url(f"/unsubscribe/{unsubscribe_token(user, choice)}")
    base = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context("/", base_url=base), force_locale("vi"):
        values = {**context, "user": user, "unsubscribe": unsubscribe, "base_url": base.rstrip("/")}
        subject = render_template(f"mail/{template}.subject.txt", **values).strip()
        text = render_template(f"mail/{template}.txt", **values)
        html = render_template(f"mail/{template}.html", **values)
    return mail.Mail(to=(user.email,), subject=subject, text=text, html=html,
                     headers=(("List-Unsubscribe", f"<{unsubscribe}>"),))


def deliver(session: Session, draft: Draft, users: list[User], *, choice: str) -> Notice | None:
    """Send a draft to its users once: reserve its key, send, then audit; None if it was sent before.

    The notice row is committed before the mail goes out, so a second run stops at the unique key
    instead of mailing twice; a mail that fails removes the row again, so the next run retries.
    No database lock is held while the SMTP server answers (citizens' responses keep being written).
    """
    session.commit()  # end the checks' read snapshot
    if session.exec(select(Notice.id).where(Notice.key == draft.key)).first() is not None:
        session.commit()
        return None
    mails = [render(draft.template, user, choice, kind=draft.kind, **draft.context) for user in users]
    notice = Notice(key=draft.key, kind=draft.kind, unit_id=draft.unit.id if draft.unit else None,
                    subject=mails[0].subject[:300] if mails else draft.key, recipients=len(mails))
    session.commit()
    with writing():
        session.add(notice)
        try:
            session.commit()
        except IntegrityError:  # another run reserved the key first
            session.rollback()
            return None
    try:
        mail.send(current_app.config, mails)
    except BaseException:
        with writing():
            session.delete(notice)
            session.commit()
        raise
    with writing():
        audit.record(session, None, "notify", notice, None, audit.snapshot(notice))
        session.commit()
    return notice
