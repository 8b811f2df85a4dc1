"""Browser tests: a real Chromium (Debian's) driven by Playwright against pytest-django's live server.

Run them with `pytest -m browser`. Screenshots go to $ROOTMAP_SCREENSHOTS (default: a
temporary folder). axe-core comes from npm (`npm ci` in the repository root).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = os.environ.get("ROOTMAP_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = Path(os.environ.get("ROOTMAP_SCREENSHOTS") or tempfile.mkdtemp(prefix="rootmap-shots-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):  # CI installs it: a missing browser there is a failure, not a skip
            raise FileNotFoundError(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM} (scripts/system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class CspWatch:
    """Collects Content-Security-Policy violations the browser reports on the console."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def __call__(self, message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            where = message.location.get("url", "") if message.location else ""
            self.violations.append(f"{where}: {text[:160]}")


# --- The live server: one request at a time on SQLite, none left running after a test ------

WAIT_FOR_REQUESTS_S = 30.0


class TrackedRequests:
    """WSGI wrapper of the live server: counts the requests being handled and, on SQLite,
    lets them take turns.

    - The browser may have sent a save just before a test ends. Its thread keeps writing
      while the test database is flushed for the next test: on PostgreSQL the flush fails
      or the write lands in the next test's data. `wait_until_idle` waits for it.
    - With SQLite's in-memory test database every request thread shares the test's one
      connection (Django's live server passes it on); two requests at once interleave
      their transactions on it and fail at random, as Django's LiveServerTestCase
      documentation warns.
    The body is read to its end inside the count (and the turn): that covers streamed
    answers and the request-finished handlers that run when the body is closed.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], *, one_at_a_time: bool) -> None:
        self.app = app
        self.turn = threading.Lock() if one_at_a_time else None
        self.idle = threading.Condition()
        self.handling = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.idle:
            self.handling += 1
        try:
            if self.turn is None:
                return self._answer(environ, start_response)
            with self.turn:
                return self._answer(environ, start_response)
        finally:
            with self.idle:
                self.handling -= 1
                self.idle.notify_all()

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        answer = self.app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()

    def wait_until_idle(self) -> None:
        with self.idle:
            if not self.idle.wait_for(lambda: self.handling == 0, timeout=WAIT_FOR_REQUESTS_S):
                raise AssertionError(f"the live server was still handling {self.handling} request(s) "
                                     f"{WAIT_FOR_REQUESTS_S:.0f} s after the test")


_tracked: list[TrackedRequests] = []  # the session's live server's wrapper, once it exists


@pytest.fixture
def live_server(live_server: Any) -> Iterator[Any]:
    """pytest-django's live server (one per session), wrapped once by TrackedRequests."""
    httpd = live_server.thread.httpd
    if not isinstance(httpd.get_app(), TrackedRequests):
        tracked = TrackedRequests(httpd.get_app(), one_at_a_time=bool(live_server.thread.connections_override))
        httpd.set_app(tracked)
        _tracked[:] = [tracked]
    yield live_server
    _tracked[0].wait_until_idle()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    watch = CspWatch()
    new_page.on("console", watch)
    new_page.csp = watch  # type: ignore[attr-defined]
    yield new_page
    context.close()
    for tracked in _tracked:  # what the page sent before it closed is handled before the flush
        tracked.wait_until_idle()


def browser_sign_in(page: Any, live_server: Any, user: Any, password: str) -> None:
    """Sign in through the sign-in form as a person would.

    The only place the browser tests sign in: when sign-in gains steps (a second factor),
    they are added here.
    """
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in/" not in page.url, "sign-in failed: " + page.inner_text("main")[:300]


def axe_violations(page: Any, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run axe-core in the page and return the violations of the given impacts.

    The script is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern, so the policy stays on during the test.
    """
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` in {ROOT}")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text("utf-8") + "\n;undefined")
    found = page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
        }"""
    )
    # axe leaves empty style attributes behind where it looked at styles; htmx would copy
    # them onto swapped elements, which the CSP (rightly) refuses. Undo the test's traces.
    page.evaluate("() => document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")
    return [v for v in found if v["impact"] in impacts]
