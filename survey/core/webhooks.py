"""Webhooks: events queued in a durable outbox with the change that caused them, delivered later, signed.

`enqueue` adds one delivery per active webhook whose subtree holds the unit, in the caller's
transaction (so an event exists exactly when its change was committed). `deliver_due` (run by
`flask webhooks deliver`, e.g. every minute from a timer) POSTs the deliveries that are due and
retries failures with exponential back-off. Each request carries

    X-HaiLong-Event: response.stored
    X-HaiLong-Delivery: 812
    X-HaiLong-Timestamp: 1764554400
    X-HaiLong-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret>

so the receiver checks the signature and refuses old timestamps (replays).
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import String, bindparam, cast, exists
from sqlmodel import Session, col, select

from survey.models import Unit, Webhook, WebhookDelivery, utcnow

#: Events a webhook may ask for.
EVENTS = ("response.stored", "dossier.rated", "kiosk.retired", "verdict.changed")
#: Attempts before a delivery is given up, and the wait after the first failure (doubled each time).
MAX_ATTEMPTS = 10
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
#: Seconds a receiver waits for an answer.
TIMEOUT = 10


class WebhookUrlError(ValueError):
    """The URL cannot receive webhooks (not HTTPS, or no host)."""


def new_secret() -> str:
    """Return a fresh signing secret (shown once to the administrator)."""
    return "whsec_" + secrets.token_urlsafe(32)


def check_url(url: str, *, allow_loopback_http: bool = False) -> str:
    """Return the URL if it can receive webhooks: HTTPS (plain HTTP only to this machine, when allowed)."""
    parts = urlsplit(url.strip())
    if not parts.hostname:
        raise WebhookUrlError("the URL has no host")
    if parts.scheme == "https":
        return url.strip()
    if parts.scheme == "http" and allow_loopback_http and loopback(parts.hostname):
        return url.strip()
    raise WebhookUrlError("webhooks are sent to https:// URLs only")


def loopback(host: str) -> bool:
    """Tell whether a host name is this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: The active webhooks of some units (every new response asks: built once).
ACTIVE_HOOKS = select(Webhook.id, Webhook.events).where(
    col(Webhook.active), col(Webhook.unit_id).in_(bindparam("units", expanding=True)))


def watched(path):
    """Return the SQL truth "an active webhook watches a unit on this materialised path", for a
    write's first read (a survey submission asks in the read of its counter, not in a query of its own).
    """
    marker = "/" + cast(Webhook.unit_id, String) + "/"
    return exists().where(col(Webhook.active), path.contains(marker))


def enqueue(session: Session, event: str, unit: Unit, data: dict, *, at: datetime | None = None) -> int:
    """Queue an event of a unit for every active webhook of a subtree holding it; return how many.

    Adds rows, never commits: the event is stored in the same transaction as its cause.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part]
    hooks = session.execute(ACTIVE_HOOKS, {"units": ancestors}).all()
    at = at or utcnow()
    body = json.dumps({"event": event, "at": at.isoformat(), "unit": unit.code, "data": data},
                      ensure_ascii=False, sort_keys=True)
    count = 0
    for hook_id, events in hooks:
        if event in events.split():
            session.add(WebhookDelivery(webhook_id=hook_id, event=event, payload=body, created_at=at,
                                        next_attempt_at=at))
            count += 1
    return count


def announced(session: Session, event: str, unit: Unit, marker: str) -> bool:
    """Tell whether an event of a unit whose payload holds a marker (e.g. its month) was queued already."""
    return session.exec(select(WebhookDelivery.id).where(
        WebhookDelivery.event == event,
        col(WebhookDelivery.payload).contains(json.dumps({"unit": unit.code}, ensure_ascii=False)[1:-1]),
        col(WebhookDelivery.payload).contains(marker, autoescape=True))).first() is not None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value of a body sent at a Unix timestamp."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt after `attempts` failures (30 s, 1 min, 2 min … 6 h)."""
    return min(FIRST_WAIT * 2 ** (attempts - 1), LONGEST_WAIT)


def deliver_due(session: Session, *, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """POST the deliveries due at `now` (oldest first), commit each outcome; return counts by outcome."""
    now = now or utcnow()
    due = session.exec(
        select(WebhookDelivery, Webhook).join(Webhook, col(Webhook.id) == WebhookDelivery.webhook_id)
        .where(col(WebhookDelivery.delivered_at).is_(None), col(WebhookDelivery.failed).is_(False),
               col(WebhookDelivery.next_attempt_at) <= now, col(Webhook.active))
        .order_by(col(WebhookDelivery.id)).limit(limit)
    ).all()
    outcome = {"delivered": 0, "retrying": 0, "failed": 0}
    for delivery, hook in due:
        ok, status = post(hook, delivery, now)
        delivery.attempts += 1
        delivery.last_status = hook.last_status = status
        hook.last_attempt_at = now
        if ok:
            delivery.delivered_at = now
            outcome["delivered"] += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.failed = True
            outcome["failed"] += 1
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            outcome["retrying"] += 1
        session.add_all([delivery, hook])
        session.commit()
    return outcome


def post(hook: Webhook, delivery: WebhookDelivery, now: datetime) -> tuple[bool, str]:
    """Send one delivery; return (delivered, status text)."""
    body = delivery.payload.encode()
    timestamp = int(now.timestamp())
    request = urllib.request.Request(hook.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "HaiLong-Webhooks/1",
        "X-HaiLong-Event": delivery.event,
        "X-HaiLong-Delivery": str(delivery.id),
        "X-HaiLong-Timestamp": str(timestamp),
        "X-HaiLong-Signature": signature(hook.secret, timestamp, body),
    })
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310 - URL checked at registration
            return 200 <= answer.status < 300, f"HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"error: {reason}"[:200]
