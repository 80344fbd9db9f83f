"""Outgoing e-mail through SMTP: plain text with an HTML alternative, STARTTLS or TLS, optional login.

The MAIL_* settings (survey/config.py) say where mail goes. One connection sends a batch; the
caller decides what to send and records it (survey/notify).
"""

import base64
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

SECURITY = ("starttls", "ssl", "none")


class MailNotConfigured(RuntimeError):
    """MAIL_SERVER is empty: nothing can be sent."""


@dataclass(frozen=True)
class Mail:
    """One message: recipients, subject, the plain-text body and an optional HTML alternative."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    #: Extra headers, e.g. List-Unsubscribe.
    headers: tuple[tuple[str, str], ...] = ()


def build(mail: Mail, *, sender: str) -> Message:
    """Return the MIME message of a mail (UTF-8; multipart/alternative when it has HTML).

    Built the compat32 way: the newer header folding of the email package drops the space at a
    fold inside a long non-ASCII subject ("của Đơn vị" arrives as "củaĐơn vị").
    """
    text = MIMEText(mail.text, "plain", "utf-8")
    message: Message = text
    if mail.html is not None:
        message = MIMEMultipart("alternative")
        message.attach(text)
        message.attach(MIMEText(mail.html, "html", "utf-8"))
    name, address = parseaddr(sender)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = ", ".join(mail.to)
    message["Subject"] = Header(mail.subject, "utf-8")  # type: ignore[assignment]  # compat32 takes a Header
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    for header, value in mail.headers:
        message[header] = value
    return message


def tls_context(config: Mapping) -> ssl.SSLContext:
    """Return a verifying TLS context that also trusts MAIL_CA_FILE when set."""
    context = ssl.create_default_context()
    if config.get("MAIL_CA_FILE"):
        context.load_verify_locations(cafile=config["MAIL_CA_FILE"])
    return context


def connect(config: Mapping) -> smtplib.SMTP:
    """Open an SMTP connection by the MAIL_* settings: TLS or STARTTLS, then a login if a user is set."""
    host, security = config.get("MAIL_SERVER"), config.get("MAIL_SECURITY", "starttls")
    if not host:
        raise MailNotConfigured("MAIL_SERVER is not set: no mail can be sent")
    if security not in SECURITY:
        raise ValueError(f"MAIL_SECURITY must be one of {SECURITY}; got {security!r}")
    port, timeout = int(config.get("MAIL_PORT", 587)), float(config.get("MAIL_TIMEOUT", 30))
    smtp: smtplib.SMTP
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(config))
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if security == "starttls":
            smtp.starttls(context=tls_context(config))
        if config.get("MAIL_USERNAME"):
            log_in(smtp, config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def log_in(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """Log in once with AUTH PLAIN in UTF-8 when offered (smtplib's login sends ASCII only), else login()."""
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        smtp.login(username, password)
        return
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, answer = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def send(config: Mapping, mails: Sequence[Mail]) -> int:
    """Send mails over one connection; return how many were sent (none opens no connection)."""
    if not mails:
        return 0
    sender = config.get("MAIL_SENDER") or "no-reply@localhost"
    with connect(config) as smtp:
        for mail in mails:
            smtp.send_message(build(mail, sender=sender))
    return len(mails)
