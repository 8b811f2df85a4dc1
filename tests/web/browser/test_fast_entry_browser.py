"""Fast entry in a real browser (decision 0026): a full assessment entered and signed by
keyboard alone, a follow-up started from the previous ratings, confirmed and signed, and
the page in compact and full view (axe-core, 390 px)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create, assessment_finalise
from rootmap.web.clients.models import Client
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"
BIRTH = dt.date(2016, 4, 11)
FIRST = dt.date(2025, 2, 3)   # 105 months: perinatal to childhood reached
LATER = dt.date(2025, 8, 4)
HISTORY = {"perinatal": (3, 1), "infancy": (2, 1), "early_childhood": (3, 2), "childhood": (2, 3)}
VALUES = {**{f"history.{p}.adversity": a for p, (a, _r) in HISTORY.items()},
          **{f"history.{p}.relational_health": r for p, (_a, r) in HISTORY.items()},
          **{f"functioning.{k}": v for k, v in FUNCTIONING.items()},
          **{f"relational.{k}": v for k, v in RELATIONAL.items()}}


@pytest.fixture
def clinician(db: Any) -> User:
    org = Organisation.objects.create(name="Riverside")
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def client(clinician: User) -> Client:
    c = Client.objects.create(organisation=clinician.organisation, reference="C-1", display_name="Sam",
                              birth_date=BIRTH)
    c.clinicians.set([clinician])
    return c


def stored(a: Assessment) -> Assessment:
    return Assessment.objects.get(pk=a.pk)


def focused_rating(page: Any) -> str | None:
    return page.evaluate("() => { const f = document.activeElement.closest('fieldset[data-rating]');"
                         " return f ? f.dataset.rating : null; }")


def tab_to_first_rating(page: Any) -> int:
    for presses in range(1, 80):
        page.keyboard.press("Tab")
        if focused_rating(page):
            return presses
    raise AssertionError("Tab never reached a rating")


def counter(page: Any, section: str) -> str:
    return page.inner_text(f'.entry-progress [data-progress="{section}"] [data-progress-count]')


def assert_clean(page: Any, what: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{what}: " + "; ".join(f"{v['id']}: {v['help']} at {v['nodes']}" for v in violations)
    assert not page.csp.violations, page.csp.violations


def wait_all_saved(page: Any) -> None:
    page.wait_for_function("() => document.getElementById('draft-state').textContent === 'All changes saved'")


def sign_by_keyboard(page: Any) -> None:
    """From the focused "Review and finalise" button to the results page: Enter, Tab, typing, Enter."""
    assert page.evaluate("() => document.activeElement.value") == "finalise"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/finalise/$"))
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "id_password":
            break
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/results/$"))


def test_a_full_assessment_entered_and_signed_by_keyboard_alone(
    live_server: Any, page: Any, clinician: User, client: Client
) -> None:
    draft = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{draft.pk}/")
    assert_clean(page, "full view")
    assert counter(page, "overall") == "0 of 46"

    tab_to_first_rating(page)
    order = page.eval_on_selector_all("fieldset[data-rating]", "els => els.map(e => e.dataset.rating)")
    assert sorted(order) == sorted(VALUES)
    # A history rating is 0-4: 5 is refused with a hint, nothing saved, focus stays.
    assert focused_rating(page) == "history.perinatal.adversity"
    page.keyboard.press("5")
    hint = page.locator("#f-history-perinatal-adversity .rating__keyhint")
    assert hint.is_visible() and "0 to 4" in hint.inner_text()
    assert focused_rating(page) == "history.perinatal.adversity"
    for n, name in enumerate(order):
        assert focused_rating(page) == name, f"rating {n}: focus is on {focused_rating(page)}, expected {name}"
        page.keyboard.press(str(VALUES[name]))
        if n == 20:
            live = page.inner_text("#entry-announce")
            assert live.startswith(page.inner_text(f"#f-{name.replace('.', '-').replace('_', '-')} .rating__label"))
            assert "rated." in live
    assert not hint.is_visible()
    assert counter(page, "functioning") == "32 of 32" and counter(page, "overall") == "46 of 46"
    wait_all_saved(page)
    sign_by_keyboard(page)

    signed = stored(draft)
    assert signed.status == "final"
    assert signed.inputs["functioning"] == FUNCTIONING and signed.inputs["relational"] == RELATIONAL
    assert {p: (v["adversity"], v["relational_health"]) for p, v in signed.inputs["history"].items()} == HISTORY


def test_keys_typed_in_text_fields_are_not_ratings(
    live_server: Any, page: Any, clinician: User, client: Client
) -> None:
    draft = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{draft.pk}/")
    page.focus("#f-interests")
    page.keyboard.type("music 3")
    assert page.input_value("#f-interests") == "music 3"
    assert page.evaluate("() => document.activeElement.id") == "f-interests"
    page.focus("#f-date")
    page.keyboard.press("2")
    assert page.evaluate("() => document.activeElement.id") == "f-date"
    assert counter(page, "overall") == "0 of 46"


def test_a_follow_up_from_the_previous_ratings_confirmed_and_signed(
    live_server: Any, page: Any, clinician: User, client: Client
) -> None:
    base = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    base.inputs.update(history={p: {"adversity": a, "relational_health": r} for p, (a, r) in HISTORY.items()},
                       functioning=dict(FUNCTIONING), relational=dict(RELATIONAL))
    base.save()
    assessment_finalise(assessment=base, user=clinician, password=PASSWORD)
    browser_sign_in(page, live_server, clinician, PASSWORD)

    # Started from the new follow-up page: "Start from the previous ratings" is ticked.
    page.goto(f"{live_server.url}/clients/{client.pk}/assessments/new/follow_up/")
    page.fill("#id_date", LATER.isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Start")).click()
    follow = Assessment.objects.get(client=client, kind="follow_up")
    assert page.inner_text('.entry-progress [data-carried-count]') == "38"
    assert_clean(page, "follow-up, full view")

    # Functioning: two items change by number key, the rest confirmed by pressing their number again.
    tab_to_first_rating(page)
    assert focused_rating(page) == "functioning.autonomic_regulation"  # history periods are folded (carried)
    changed = {"functioning.sleep": 3, "functioning.affect_regulation": 2}
    for name in [f"functioning.{k}" for k in FUNCTIONING]:
        assert focused_rating(page) == name
        page.keyboard.press(str(changed.get(name, VALUES[name])))
    # Relationships: "Confirm all carried in this section", by keyboard.
    assert focused_rating(page) == "relational.caregiver_connection"
    button = page.get_by_role("button", name="Confirm all carried in this section: Relationships")
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.dataset.confirmSection === 'relational'"):
            break
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('[data-unconfirmed]')")
    assert not button.is_visible()
    wait_all_saved(page)
    assert page.locator("[data-progress-carried]").is_hidden()
    assert not stored(follow).inputs.get("carried")
    sign_by_keyboard(page)  # confirming the last section moved focus to "Review and finalise"

    signed = stored(follow)
    assert signed.status == "final"
    assert signed.inputs["functioning"] == {**FUNCTIONING, "sleep": 3, "affect_regulation": 2}
    assert signed.inputs["relational"] == RELATIONAL


def test_signing_shows_unconfirmed_carried_ratings_and_compact_view_is_remembered(
    live_server: Any, page: Any, clinician: User, client: Client, screenshot_dir: Any
) -> None:
    base = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    base.inputs.update(functioning=dict(FUNCTIONING), relational=dict(RELATIONAL))
    base.save()
    assessment_finalise(assessment=base, user=clinician, password=PASSWORD)
    follow = assessment_create(client=client, kind="follow_up", date=LATER, user=clinician, start_from_previous=True)
    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{follow.pk}/finalise/")
    assert "Carried ratings not confirmed yet" in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "fast-entry-finalise-carried.png"), full_page=True)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Finalise and lock").click()
    assert "is carried from the previous assessment and not confirmed" in page.inner_text(".problems")
    assert stored(follow).status == "draft"

    page.goto(f"{live_server.url}/assessments/{follow.pk}/")
    toggle = page.locator("#compact-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    anchor = page.locator("#f-functioning-sleep .rating__anchor").first
    assert anchor.is_visible()
    page.focus("#compact-toggle")
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-pressed") == "true" and not anchor.is_visible()
    # The anchors of one item, on demand.
    page.get_by_role("button", name="Anchors for Sleep").click()
    assert anchor.is_visible()
    assert_clean(page, "compact view")
    page.screenshot(path=str(screenshot_dir / "fast-entry-compact.png"))
    page.reload()
    assert page.locator("#compact-toggle").get_attribute("aria-pressed") == "true"
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.locator("#f-functioning-sleep").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "fast-entry-compact-390.png"))
    page.click("#compact-toggle")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
