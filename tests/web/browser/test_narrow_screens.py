"""At 390 px (a phone) no main page is wider than the screen: wide tables scroll inside
their own box or reflow, and forms with long options shrink. Found by using the demo on a
phone-sized window: the visually hidden labels of table action links (absolutely
positioned) escaped the table's scroller and a fieldset grew to its longest <option>, so
whole pages panned sideways. Issue 12 asks for every main page: the walk below visits
each page a clinician, a supervisor or an admin opens, with real records on it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.api.tokens import token_create
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create
from rootmap.web.caregiving.models import Household
from rootmap.web.clients.services import case_file_import
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.org_fixtures import example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"
PHONE = 390


def _too_wide(page: Any, base: str, paths: list[str], shots: Path) -> dict[str, object]:
    too_wide: dict[str, object] = {}
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        width = page.evaluate("document.documentElement.scrollWidth")
        name = path.strip("/").replace("/", "_").replace("?", "_") or "home"
        page.screenshot(path=str(shots / f"phone-{name}.png"), full_page=True)
        if width > PHONE:
            too_wide[path] = width
            # Name the widest culprits, so a failure says where to look.
            too_wide[path + " culprits"] = page.evaluate("""w => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > w)
                .slice(0, 3)
                .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""",
                PHONE)
    return too_wide


def _world() -> tuple[User, Any, Household]:
    org = Organisation.objects.create(name="Riverside Family Services")
    admin = User.objects.create_user(username="ada", password=PASSWORD, organisation=org, role="admin")
    milo = case_file_import(organisation=org, user=admin, data=example("school-age-foster.json"))
    milo.clinicians.add(admin)
    assessment_create(client=milo, kind="follow_up", date=dt.date(2026, 11, 2), user=admin)
    token_create(user=admin, name="spreadsheet sync", scope="read", expires_days=30)
    data = example("foster-household.json")
    household = Household.objects.create(
        organisation=org, reference="H-1", name="Dana and Rob (foster home)",
        inputs={"caregivers": data["caregivers"], "internal": data["internal"], "external": data["external"],
                "children": data["children"]})
    return admin, milo, household


def _waiting_review(admin: User) -> Assessment:
    """A colleague's signed assessment waiting in the admin's review queue, with a plan whose
    decisions fill the plan table and a comment with a long unbroken word (QA: the queue's
    table, the plan table and such a comment each widened the page at 390 px)."""
    from rootmap.web.assessments.review_services import review_comment, review_submit

    cleo = User.objects.create_user(username="cleo", password=PASSWORD, organisation=admin.organisation,
                                    role="clinician")
    child = case_file_import(organisation=admin.organisation, user=cleo, data=example("toddler-kinship.json"))
    child.clinicians.add(admin)
    signed = child.assessments.filter(status=Assessment.Status.FINAL).order_by("date", "id").last()
    assert signed is not None
    review = review_submit(assessment=signed, user=cleo, message="Please look at sleep")
    review_comment(review=review, user=admin, text="See https://example.org/" + "a" * 60 + " before co-signing")
    return signed


def test_no_main_page_is_wider_than_a_phone(live_server: Any, page: Any, screenshot_dir: Path) -> None:
    admin, milo, household = _world()
    signed = milo.assessments.filter(status=Assessment.Status.FINAL).order_by("date", "id")
    first, latest = signed.first(), signed.last()
    assert first is not None and latest is not None
    draft = milo.assessments.get(status=Assessment.Status.DRAFT)
    waiting = _waiting_review(admin)
    page.set_viewport_size({"width": PHONE, "height": 800})
    browser_sign_in(page, live_server, admin, PASSWORD)
    paths = [
        "/", "/?follow_up=overdue", "/clients/new/", "/clients/import/", "/clients/import-csv/",
        f"/clients/{milo.pk}/", f"/clients/{milo.pk}/edit/", f"/clients/{milo.pk}/events/",
        f"/clients/{milo.pk}/assessments/new/full/",
        f"/assessments/{draft.pk}/", f"/assessments/{draft.pk}/finalise/",
        f"/assessments/{first.pk}/results/", f"/assessments/{latest.pk}/results/",
        f"/assessments/{latest.pk}/present/", f"/assessments/{latest.pk}/amend/",
        "/households/", "/households/new/", f"/households/{household.pk}/",
        "/audit/", "/research-export/", "/jobs/", "/reminders/",
        "/people/", "/people/invite/", f"/people/{admin.pk}/", "/teams/", "/account/api-tokens/",
        f"/assessments/{draft.pk}/plan/", f"/assessments/{latest.pk}/plan/", f"/clients/{milo.pk}/context/",
        "/reviews/", f"/assessments/{waiting.pk}/review/", f"/assessments/{waiting.pk}/results/",
    ]
    assert _too_wide(page, live_server.url, paths, screenshot_dir) == {}


def test_the_sign_in_pages_fit_a_phone(live_server: Any, page: Any, screenshot_dir: Path) -> None:
    page.set_viewport_size({"width": PHONE, "height": 800})
    assert _too_wide(page, live_server.url, ["/sign-in/", "/sign-in/forgot/"], screenshot_dir) == {}


def test_on_a_phone_the_brain_map_is_also_a_list_in_readable_text(live_server: Any, page: Any) -> None:
    admin, milo, _household = _world()
    latest = milo.assessments.filter(status=Assessment.Status.FINAL).order_by("date", "id").last()
    assert latest is not None
    page.set_viewport_size({"width": PHONE, "height": 800})
    browser_sign_in(page, live_server, admin, PASSWORD)
    for path in (f"/assessments/{latest.pk}/results/", f"/assessments/{latest.pk}/present/?step=2"):
        page.goto(live_server.url + path)
        listed = page.locator(".map-list li")
        assert listed.count() == page.locator("svg.rm-brain-map .rm-cell").count() == 32
        assert listed.first.is_visible()
        # The map's smallest text, as drawn at this width, is far below 10 px: the list is why.
        sizes = page.evaluate("""() => [...document.querySelectorAll('.map-list li span')]
            .map(e => parseFloat(getComputedStyle(e).fontSize))""")
        assert min(sizes) >= 10
        assert axe_violations(page) == [], path
    # The list says what the drawing says, cell for cell (the clinician's words on the results page).
    page.goto(live_server.url + f"/assessments/{latest.pk}/results/")
    sleep = page.locator('.map-list li[data-item="sleep"]')
    cell = page.locator('svg.rm-brain-map .rm-cell[data-item="sleep"]')
    assert sleep.get_attribute("data-state") == cell.get_attribute("data-state")
    assert cell.get_attribute("data-rating") in sleep.inner_text()


def test_on_a_desktop_the_drawing_alone_is_shown(live_server: Any, page: Any) -> None:
    admin, milo, _household = _world()
    latest = milo.assessments.filter(status=Assessment.Status.FINAL).order_by("date", "id").last()
    assert latest is not None
    browser_sign_in(page, live_server, admin, PASSWORD)
    page.goto(live_server.url + f"/assessments/{latest.pk}/results/")
    assert page.locator("svg.rm-brain-map").is_visible()
    assert not page.locator(".map-list").is_visible()


def test_on_a_phone_the_live_estimate_stays_in_view_while_rating(live_server: Any, page: Any) -> None:
    admin, _milo, household = _world()
    page.set_viewport_size({"width": PHONE, "height": 800})
    browser_sign_in(page, live_server, admin, PASSWORD)
    page.goto(live_server.url + f"/households/{household.pk}/")
    bar = page.locator("#estimate-panel .estimate-bar")
    before = bar.inner_text()
    assert "Reserve" in before
    rating = page.locator('select[name^="external-"]').last
    rating.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800
    # Rating everything as low as it goes changes the reserve, and the bar shows it at once.
    for select in page.locator('select[name^="external-"], select[name^="internal-"]').all():
        select.select_option("0")
    page.wait_for_function("before => document.querySelector('#estimate-panel .estimate-bar').innerText !== before",
                           arg=before)
    box = page.locator("#estimate-panel .estimate-bar").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800
    assert axe_violations(page) == []


def test_a_long_unbroken_name_does_not_widen_the_pages_it_heads(live_server: Any, page: Any,
                                                                screenshot_dir: Path) -> None:
    # Names may be 120 characters and references 40 (README, Limits). A name with no space
    # (a hyphenated or run-together one) as the page's heading panned the client's page
    # sideways to 3,400 px on a phone.
    from tests.web.org_fixtures import make_client

    admin, _milo, household = _world()
    long = make_client(admin.organisation, "R" * 40, name="W" * 120, clinicians=(admin,))
    Household.objects.filter(pk=household.pk).update(name="H" * 120)
    page.set_viewport_size({"width": PHONE, "height": 800})
    browser_sign_in(page, live_server, admin, PASSWORD)
    paths = ["/", f"/clients/{long.pk}/", f"/clients/{long.pk}/edit/", f"/clients/{long.pk}/events/",
             f"/clients/{long.pk}/context/", "/households/", f"/households/{household.pk}/?client_q=WWW"]
    assert _too_wide(page, live_server.url, paths, screenshot_dir) == {}
