"""Entry effort: key presses and page loads for a full assessment and a follow-up, before and after.

Drives the real entry page in Chromium (Playwright) against `rootmap serve` on a fresh
SQLite demo database, for one demo client, from the entry page of a new draft to the
signed results page. Every key is a real key press sent to the page and counted; page
loads are the main frame's navigations.
- before: the old way, the full page without number keys: Tab to each item's radio group
  and arrow keys to its level (the fewest arrows, either way round); a follow-up is
  rated afresh (history carries by the model's rule either way).
- after: number keys (each rates and moves on), and a follow-up started from the
  previous ratings: every functioning item reviewed by its number (5 changed, the rest
  confirmed by pressing the same number), relationships confirmed with "Confirm all".
Both end the same way: Enter on "Review and finalise", Tab to the password, the
password typed, Enter. Reported with and without the password's characters.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.sqlite_load import PASSWORD, demo_database, running_server

CHROMIUM = "/usr/bin/chromium"
CHANGED_IN_FOLLOW_UP = 5


class Counter:
    """A page whose key presses and page loads are counted."""

    def __init__(self, page: Any) -> None:
        self.page, self.keys, self.loads, self.typed = page, 0, 0, 0
        page.on("framenavigated", lambda frame: self._navigated(frame))

    def _navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.loads += 1

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.keys += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.typed += len(text)

    def active(self, script: str) -> Any:
        return self.page.evaluate(f"() => {{ const el = document.activeElement; return {script}; }}")

    def reset(self) -> None:
        self.keys = self.loads = self.typed = 0


def _value(name: str, top: int, n: int) -> int:
    """A level for rating `n` of the page (the same in both ways)."""
    return (n * 3 + len(name)) % (top + 1)


def _ratings(page: Any) -> list[tuple[str, int]]:
    return [(r["name"], int(r["top"])) for r in page.eval_on_selector_all(
        "fieldset[data-rating]", "els => els.filter(e => !e.closest('details:not([open])'))"
        ".map(e => ({name: e.dataset.rating, top: e.dataset.top}))")]


def _tab_until(c: Counter, condition: str, limit: int = 400, key: str = "Tab") -> None:
    for _ in range(limit):
        if c.active(condition):
            return
        c.press(key)
    raise RuntimeError(f"Tab never reached: {condition}")


def _sign(c: Counter) -> None:
    _tab_until(c, "el.value === 'finalise'")
    with c.page.expect_navigation():
        c.press("Enter")
    _tab_until(c, "el.id === 'id_password'")
    c.type(PASSWORD)
    with c.page.expect_navigation():
        c.press("Enter")
    if not c.page.url.endswith("/results/"):
        raise RuntimeError(f"not signed: {c.page.url}: {c.page.inner_text('main')[:300]}")


def _old_way(c: Counter, values: dict[str, int]) -> None:
    """Tab to each group, then arrows (the browser checks each radio it moves to)."""
    for name, value in values.items():
        _tab_until(c, f"el.name === {name!r}")
        group = c.page.eval_on_selector_all(f'input[name="{name}"]', "els => els.map(e => e.value)")
        here = group.index(c.active("el.value"))
        there = group.index(str(value))
        forward = (there - here) % len(group)
        backward = (here - there) % len(group)
        if forward == 0:
            c.press("Space")
        elif forward <= backward:
            c.press("ArrowRight", forward)
        else:
            c.press("ArrowLeft", backward)


def _new_way(c: Counter, values: dict[str, int]) -> None:
    """Number keys: each rates the focused item and moves focus to the next."""
    _tab_until(c, "!!el.closest('fieldset[data-rating]')")
    for name, value in values.items():
        focused = c.active("el.closest('fieldset[data-rating]') && el.closest('fieldset[data-rating]').dataset.rating")
        if focused != name:
            raise RuntimeError(f"focus on {focused}, expected {name}")
        c.press(str(value))


def _start(page: Any, base: str, client: int, kind: str, *, from_previous: bool) -> None:
    page.goto(f"{base}/clients/{client}/assessments/new/{kind}/")
    page.fill("#id_date", dt.datetime.now(dt.UTC).date().isoformat())
    box = page.locator('input[name="start_from_previous"]')
    if box.count():
        box.set_checked(from_previous)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Start")).click()
    page.wait_for_selector("#draft-state")


def _wait_saved(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('draft-state').textContent === 'All changes saved'"
                           " && !document.querySelector('[data-confirming]')")


def _measure(c: Counter, drive: Any) -> dict[str, int]:
    c.reset()
    c.loads = 1  # the entry page, already open
    ratings = drive()
    _wait_saved(c.page)
    _sign(c)
    return {"ratings": ratings, "key_presses": c.keys + c.typed, "without_password": c.keys, "page_loads": c.loads}


def run() -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        return {"skipped": f"Chromium not found at {CHROMIUM}"}
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="rootmap-entry-bench-") as folder:
        database = demo_database(Path(folder))
        with running_server(database) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(30_000)
            page.goto(f"{server.base}/sign-in/")
            page.fill("#id_username", "clinician")
            page.fill("#id_password", PASSWORD)
            with page.expect_navigation():
                page.get_by_role("button", name="Sign in").click()
            client = min(int(pk) for pk in re.findall(r'href="/clients/(\d+)/"', page.content()))
            c = Counter(page)
            results: dict[str, Any] = {}

            def full(way: Any) -> Any:
                def drive() -> int:
                    values = {name: _value(name, top, n) for n, (name, top) in enumerate(_ratings(page))}
                    way(c, values)
                    return len(values)
                return drive

            _start(page, server.base, client, "full", from_previous=False)
            results["full_before"] = _measure(c, full(_old_way))
            _start(page, server.base, client, "follow_up", from_previous=False)
            results["follow_up_before"] = _measure(c, full(_old_way))

            _start(page, server.base, client, "full", from_previous=False)
            results["full_after"] = _measure(c, full(_new_way))
            _start(page, server.base, client, "follow_up", from_previous=True)

            def follow_up_after() -> int:
                rated = _ratings(page)
                functioning = [(n, t) for n, t in rated if n.startswith("functioning.")]
                current = {n: int(page.eval_on_selector(f'input[name="{n}"]:checked', "e => e.value") or 0)
                           for n, _t in functioning}
                for name, top in functioning[:CHANGED_IN_FOLLOW_UP]:
                    current[name] = (current[name] + 1) % (top + 1)  # what changed since last time
                _new_way(c, current)
                _tab_until(c, "el.dataset.confirmSection === 'relational'", key="Shift+Tab")
                c.press("Enter")
                return len(rated)

            results["follow_up_after"] = _measure(c, follow_up_after)
            browser.close()
    for kind in ("full", "follow_up"):
        before, after = results[f"{kind}_before"], results[f"{kind}_after"]
        results[f"{kind}_keys_saved"] = f"{before['without_password'] - after['without_password']} of " \
                                        f"{before['without_password']} (password not counted)"
    return results


if __name__ == "__main__":  # pragma: no cover
    for key, value in run().items():
        print(f"{key}: {value}")
