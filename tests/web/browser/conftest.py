"""Browser tests: a real Chromium (Debian's) driven by Playwright against pytest-django's live server.

Run them with `pytest -m browser`. Screenshots go to $ROOTMAP_SCREENSHOTS (default: a
temporary folder). axe-core comes from npm (`npm ci` in the repository root).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
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
