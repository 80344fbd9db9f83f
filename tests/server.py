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
