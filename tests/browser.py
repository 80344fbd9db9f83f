"""A live server in a thread and Debian's Chromium driven by Playwright, for browser tests."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}


def closing(app):
    """Wrap a WSGI app so that each response's iterable is closed once it is sent or dropped.

    Werkzeug's development server (3.1) closes the iterable only after draining the socket, and that
    drain raises when the browser has reset the connection (a page left while its favicon was sent):
    the open static file was then left to the garbage collector, a ResourceWarning that fails a test.
    A generator closes what it wraps when exhausted, and when it is collected unfinished.
    """

    def wrapped(environ, start_response):
        iterable = app(environ, start_response)
        try:
            yield from iterable
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return wrapped


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve the app on a free port of 127.0.0.1 in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium() -> Iterator[object]:
    """Launch Debian's Chromium headless; yield the Playwright browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot for review under tests/screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: axe-core for the accessibility checks (tests/package-lock.json; `make test` installs it).
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA rules, plus best practices) on the page."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci --prefix tests` (make test does)")
    # Evaluated by the test driver, not added as a <script>: the page's CSP refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;window.axe = axe;")
    found = page.evaluate(
        """async () => (await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations"""
    )
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in found]


class Switchable:
    """The app over real HTTP on a fixed port of 127.0.0.1, taken down and brought back by the test
    (a lost network that the browser and its service worker both meet: connections are refused)."""

    def __init__(self, app):
        self.app, self.server, self.thread = app, None, None
        probe = make_server("127.0.0.1", 0, app)
        self.port = probe.server_port
        probe.server_close()
        self.url = f"http://127.0.0.1:{self.port}"

    def up(self) -> "Switchable":
        """Start serving (again) on the same port."""
        self.server = make_server("127.0.0.1", self.port, closing(self.app), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def down(self) -> None:
        """Stop serving and close the port."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None


#: The kiosk's queue as its script keeps it (IndexedDB "hailong-kiosk", stores "queue" and "refused").
READ_QUEUE = """name => new Promise((resolve, reject) => {
  const open = indexedDB.open('hailong-kiosk', 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction(name).objectStore(name).getAll();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
})"""
PUT_QUEUE = """item => new Promise((resolve, reject) => {
  const open = indexedDB.open('hailong-kiosk', 1);
  open.onsuccess = () => {
    const tx = open.result.transaction('queue', 'readwrite');
    tx.objectStore('queue').put(item);
    tx.oncomplete = () => { open.result.close(); resolve(); };
    tx.onerror = () => reject(tx.error);
  };
})"""


def queued(page, name: str = "queue") -> list[dict]:
    """Return what a kiosk page keeps in a store of its queue, oldest first."""
    return sorted(page.evaluate(READ_QUEUE, name), key=lambda item: item["answered_at"])


def wait_for(page, check, *, timeout_ms: int = 10_000) -> None:
    """Poll a condition while the page's timers and requests run."""
    for _ in range(timeout_ms // 100):
        if check():
            return
        page.wait_for_timeout(100)
    assert check()
