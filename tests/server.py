"""The app under gunicorn in a real subprocess on 127.0.0.1 (durability test, benchmarks)."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlencode


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    *, database_url: str, secret_key: str, port: int, workers: int = 2, env: dict | None = None,
    app: str = "survey:create_app()", python: str = sys.executable, cwd: str | None = None,
) -> Iterator[subprocess.Popen]:
    """Run gunicorn in its own process group; yield once it answers; SIGKILL the group at exit.

    The app is imported once, before the workers fork (--preload): start-up costs one import.
    """
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "FLASK_SECRET_KEY": secret_key,
        "FLASK_RATELIMIT_ENABLED": "false",
        "FLASK_WTF_CSRF_ENABLED": "false",
    } | (env or {})
    command = [
        python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--log-level", "warning", "--preload", app,
    ]
    process = subprocess.Popen(command, env=environment, cwd=cwd, start_new_session=True)
    try:
        wait_until_up(port, process)
        yield process
    finally:
        kill(process)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the server and its workers (no clean shutdown, like a crash)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    """Wait until /healthz answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if request(port, "GET", "/healthz", timeout=1)[0] == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"the server on port {port} did not answer within {timeout} s")


def request(port: int, method: str, path: str, form: dict | None = None,
            timeout: float = 5) -> tuple[int, str]:
    """Send one request; return (status, Location header)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        body = urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def fetch(port: int, path: str, timeout: float = 10) -> tuple[int, str]:
    """GET a page; return (status, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


class Inbox:
    """What a local SMTP server received: (envelope sender, recipients, parsed message) per mail."""

    def __init__(self) -> None:
        self.received: list = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Keep the message; answer 250."""
        import email
        from email import policy

        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def by_recipient(self, address: str) -> list:
        """Return the messages delivered to one address."""
        return [message for _, recipients, message in self.received if address in recipients]


def self_signed_certificate(folder) -> tuple[str, str]:
    """Make a certificate for 127.0.0.1 with Debian's openssl; return (certificate, key) paths."""
    cert, key = str(folder / "smtp-cert.pem"), str(folder / "smtp-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", key,
         "-out", cert, "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


@contextmanager
def smtp_server(*, tls_files: tuple[str, str] | None = None,
                login: tuple[str, str] | None = None) -> Iterator[tuple[int, Inbox]]:
    """Run a real SMTP server (aiosmtpd) on 127.0.0.1; yield (port, inbox).

    With tls_files it offers STARTTLS and requires it; with login it requires that user and password.
    """
    import ssl

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    inbox = Inbox()
    options: dict = {}
    if tls_files:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls_files)
        options.update(tls_context=context, require_starttls=True)
    if login:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == login
            if ok:
                inbox.logins.append(auth_data.login.decode())
            return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535

        options.update(authenticator=authenticate, auth_required=True, auth_require_tls=bool(tls_files))
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()
