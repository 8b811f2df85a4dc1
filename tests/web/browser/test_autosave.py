"""Typing is never lost: autosave failures are shown at once, what was typed waits in the
browser until the server has it, and finalising never races the last autosave.

Real Chromium against the live server; the failures are real ones (the session deleted
on the server, the database refusing the write, the browser offline).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create, assessment_save_field
from rootmap.web.clients.models import Client
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"
BIRTH = dt.date(2016, 4, 11)
DATE = dt.date(2025, 2, 3)  # 105 months old: childhood reached, adolescence not


def status(field: str) -> str:
    return "#status-" + field.replace(".", "-").replace("_", "-")


def radio(field: str, value: Any) -> str:
    return f'input[name="{field}"][value="{value}"]'


@pytest.fixture
def clinician(db: Any) -> User:
    org = Organisation.objects.create(name="Riverside")
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org,
                                    role="clinician")


@pytest.fixture
def assessment(clinician: User) -> Assessment:
    client = Client.objects.create(organisation=clinician.organisation, reference="C-1",
                                   display_name="Sam", birth_date=BIRTH)
    client.clinicians.set([clinician])
    return assessment_create(client=client, kind="full", date=DATE, user=clinician)


def open_entry(page: Any, live_server: Any, assessment: Assessment) -> str:
    url = f"{live_server.url}/assessments/{assessment.pk}/"
    page.goto(url)
    page.wait_for_selector("#draft-state")
    return url


def slow_network(page: Any, latency_ms: int = 400) -> None:
    """Chromium's own network throttling: each request takes as long as on a slow line."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency_ms,
                                                  "downloadThroughput": -1, "uploadThroughput": -1})


def stored(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_related("client").get(pk=assessment.pk)


def test_finalise_right_after_the_last_ratings_shows_no_false_conflict(
    live_server: Any, page: Any, clinician: User, assessment: Assessment
) -> None:
    # Everything but the last two relational items is already stored.
    for item, value in FUNCTIONING.items():
        assessment = assessment_save_field(assessment=assessment, user=clinician, field=f"functioning.{item}",
                                           value=str(value), revision=assessment.revision)
    *first, (before_last, v1), (last, v2) = RELATIONAL.items()
    for item, value in first:
        assessment = assessment_save_field(assessment=assessment, user=clinician, field=f"relational.{item}",
                                           value=str(value), revision=assessment.revision)
    browser_sign_in(page, live_server, clinician, PASSWORD)
    open_entry(page, live_server, assessment)
    slow_network(page)
    # Rate the last two and go straight on: the autosaves are still on their way.
    page.check(radio(f"relational.{before_last}", v1))
    page.check(radio(f"relational.{last}", v2))
    with page.expect_navigation():
        page.get_by_role("button", name="Review and finalise…").click()
    page.wait_for_load_state()
    assert "changed elsewhere" not in page.inner_text("main")
    assert page.url.endswith(f"/assessments/{assessment.pk}/finalise/")
    relational = stored(assessment).inputs["relational"]
    assert relational[before_last] == v1 and relational[last] == v2
    assert not page.csp.violations, page.csp.violations


# --- Signed out mid-entry ------------------------------------------------------------------

TYPED = {"functioning.sleep": "1", "functioning.feeding_appetite": "2", "relational.home_stability": "3",
         "history.infancy.adversity": "2"}


def type_while_failing(page: Any) -> None:
    for field, value in TYPED.items():
        page.check(radio(field, value))
    page.fill("#f-interests", "music, dogs")


def assert_not_saved(page: Any, why: str) -> None:
    for field in [*TYPED, "interests"]:
        page.wait_for_selector(f"{status(field)} .save-status--error")
        text = page.inner_text(status(field))
        assert why in text and "Saved" not in text, (field, text)
    state = page.inner_text("#draft-state")
    assert state.startswith("Not saved") and "saved" not in state.replace("Not saved", ""), state


def unsent_in_browser(page: Any) -> list[str]:
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('rootmap.unsent:'))")


def test_typing_while_signed_out_is_kept_and_sent_after_signing_in_again(
    live_server: Any, page: Any, clinician: User, assessment: Assessment, screenshot_dir: Any
) -> None:
    browser_sign_in(page, live_server, clinician, PASSWORD)
    entry = open_entry(page, live_server, assessment)
    page.check(radio("functioning.sleep", "4"))
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--ok")

    Session.objects.all().delete()  # the session ends on the server (idle time-out)
    type_while_failing(page)
    page.locator("#f-interests").blur()
    assert_not_saved(page, "signed out")
    page.screenshot(path=str(screenshot_dir / "autosave-signed-out.png"), full_page=False)
    assert not axe_violations(page)  # the failure messages are readable (contrast) and named
    assert page.get_by_role("link", name="Sign in again").get_attribute("href") == (
        f"/sign-in/?next=/assessments/{assessment.pk}/")
    before = stored(assessment)
    assert before.inputs["functioning"] == {"sleep": 4} and before.client.interests == []
    assert len(unsent_in_browser(page)) == len(TYPED) + 1

    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(entry)
    page.wait_for_function("() => document.getElementById('draft-state').textContent === 'All changes saved'")
    after = stored(assessment)
    assert after.inputs["functioning"] == {"sleep": 1, "feeding_appetite": 2}
    assert after.inputs["relational"] == {"home_stability": 3}
    assert after.inputs["history"]["infancy"]["adversity"] == 2
    assert after.client.interests == ["music", "dogs"]
    assert unsent_in_browser(page) == []
    for field, value in TYPED.items():
        assert page.is_checked(radio(field, value)), field
        assert "Saved" in page.inner_text(status(field))
    assert not page.csp.violations, page.csp.violations


def test_a_value_kept_while_signed_out_is_not_sent_over_a_colleagues_change(
    live_server: Any, page: Any, clinician: User, assessment: Assessment
) -> None:
    browser_sign_in(page, live_server, clinician, PASSWORD)
    entry = open_entry(page, live_server, assessment)
    Session.objects.all().delete()
    page.check(radio("functioning.sleep", "1"))
    page.check(radio("functioning.fine_motor", "3"))
    page.wait_for_selector(f"{status('functioning.fine_motor')} .save-status--error")
    # Meanwhile a colleague rates sleep differently, and something else: the revision moves on.
    current = stored(assessment)
    current = assessment_save_field(assessment=current, user=clinician, field="functioning.sleep", value="5",
                                    revision=current.revision)
    assessment_save_field(assessment=current, user=clinician, field="functioning.dissociation", value="2",
                          revision=current.revision)

    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(entry)
    # Fine motor went unchanged elsewhere: sent, no false conflict for the newer revision.
    page.wait_for_selector(f"{status('functioning.fine_motor')} .save-status--ok")
    # Sleep was changed elsewhere: a real conflict, reported, the typed value kept and shown.
    conflict = page.inner_text(status("functioning.sleep"))
    assert "changed elsewhere" in conflict and "\u201c5\u201d" in conflict, conflict
    assert page.is_checked(radio("functioning.sleep", "1"))
    assert "changed elsewhere" in page.inner_text("#draft-state")
    assert stored(assessment).inputs["functioning"] == {"sleep": 5, "dissociation": 2, "fine_motor": 3}
    assert len(unsent_in_browser(page)) == 1
    # Save draft keeps the clinician's value; the kept copy is then gone.
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").last.click()
    assert stored(assessment).inputs["functioning"]["sleep"] == 1
    page.wait_for_selector("#draft-state")
    assert unsent_in_browser(page) == []


def test_one_users_leftovers_are_not_sent_into_anothers_page(
    live_server: Any, page: Any, clinician: User, assessment: Assessment
) -> None:
    colleague = User.objects.create_user(username="cole", password=PASSWORD,
                                         organisation=clinician.organisation, role="supervisor")
    browser_sign_in(page, live_server, clinician, PASSWORD)
    entry = open_entry(page, live_server, assessment)
    Session.objects.all().delete()
    page.check(radio("functioning.sleep", "1"))
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--error")
    browser_sign_in(page, live_server, colleague, PASSWORD)
    page.goto(entry)
    page.wait_for_load_state("networkidle")  # a resend would have been sent by now
    assert stored(assessment).inputs["functioning"] == {}
    assert not page.is_checked(radio("functioning.sleep", "1"))
    # Still kept for its author, under their name and this assessment.
    assert unsent_in_browser(page) == [f"rootmap.unsent:{clinician.pk}:{assessment.pk}:functioning.sleep"]


# --- Server failure and no connection --------------------------------------------------------

def test_a_server_failure_and_a_lost_connection_are_shown_and_what_was_typed_is_sent_later(
    live_server: Any, page: Any, clinician: User, assessment: Assessment
) -> None:
    from rootmap.web.audit.models import AuditEntry

    browser_sign_in(page, live_server, clinician, PASSWORD)
    entry = open_entry(page, live_server, assessment)
    # The database refuses the write (its audit entry cannot be stored): a real 500.
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        type_while_failing(page)
        page.locator("#f-interests").blur()
        assert_not_saved(page, "server failed")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
    assert stored(assessment).inputs["functioning"] == {}
    page.goto(entry)  # reloading sends what was kept
    page.wait_for_function("() => document.getElementById('draft-state').textContent === 'All changes saved'")
    assert stored(assessment).inputs["functioning"] == {"sleep": 1, "feeding_appetite": 2}

    # The connection goes: said at once; back online, it is sent.
    page.context.set_offline(True)
    page.check(radio("functioning.sleep", "3"))
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--error")
    assert "no connection" in page.inner_text(status("functioning.sleep"))
    assert page.inner_text("#draft-state").startswith("Not saved")
    page.context.set_offline(False)
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--ok")
    assert stored(assessment).inputs["functioning"]["sleep"] == 3
    assert page.inner_text("#draft-state") == "All changes saved"
    assert unsent_in_browser(page) == []


def test_a_value_kept_while_the_server_was_down_is_sent_when_a_later_save_gets_through(
    live_server: Any, page: Any, clinician: User, assessment: Assessment
) -> None:
    """The server restarting (killed, redeployed) refuses connections while the browser stays
    online: no "online" event ever comes. The next save that gets through shows the server
    is back, so what waited is sent then, not only at the next page load."""
    browser_sign_in(page, live_server, clinician, PASSWORD)
    open_entry(page, live_server, assessment)
    field_url = f"{live_server.url}/assessments/{assessment.pk}/field/"
    page.route(field_url, lambda route: route.abort("connectionrefused"))
    page.check(radio("functioning.sleep", "2"))
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--error")
    assert "no connection" in page.inner_text(status("functioning.sleep"))
    page.unroute(field_url)
    page.check(radio("functioning.feeding_appetite", "4"))  # the server is back
    page.wait_for_selector(f"{status('functioning.feeding_appetite')} .save-status--ok")
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--ok")
    assert stored(assessment).inputs["functioning"] == {"sleep": 2, "feeding_appetite": 4}
    page.wait_for_function("() => document.getElementById('draft-state').textContent === 'All changes saved'")
    assert unsent_in_browser(page) == []


def test_signing_in_again_in_another_tab_makes_the_old_tab_say_reload(
    live_server: Any, page: Any, clinician: User, assessment: Assessment
) -> None:
    browser_sign_in(page, live_server, clinician, PASSWORD)
    entry = open_entry(page, live_server, assessment)
    Session.objects.all().delete()
    other_tab = page.context.new_page()
    browser_sign_in(other_tab, live_server, clinician, PASSWORD)  # a new session and CSRF token
    other_tab.close()
    page.check(radio("functioning.sleep", "2"))
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--error")
    assert "reload the page" in page.inner_text(status("functioning.sleep"))
    assert page.inner_text("#draft-state").startswith("Not saved")
    assert stored(assessment).inputs["functioning"] == {}
    page.goto(entry)
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--ok")
    assert stored(assessment).inputs["functioning"] == {"sleep": 2}


def test_a_live_conflict_is_reported_and_a_reload_sends_only_what_nobody_else_changed(
    live_server: Any, page: Any, clinician: User, assessment: Assessment
) -> None:
    browser_sign_in(page, live_server, clinician, PASSWORD)
    entry = open_entry(page, live_server, assessment)
    # Another tab or colleague rates sleep after this page was opened.
    assessment_save_field(assessment=stored(assessment), user=clinician, field="functioning.sleep", value="5",
                          revision=assessment.revision)
    page.check(radio("functioning.sleep", "1"))
    page.check(radio("functioning.fine_motor", "3"))
    for field in ("functioning.sleep", "functioning.fine_motor"):
        page.wait_for_selector(f"{status(field)} .save-status--conflict")
        assert "Saved" not in page.inner_text(status(field))
    assert "changed elsewhere" in page.inner_text("#draft-state")
    assert stored(assessment).inputs["functioning"] == {"sleep": 5}

    page.goto(entry)
    # Fine motor was touched by nobody else: sent. Sleep was: reported, typed value shown.
    page.wait_for_selector(f"{status('functioning.fine_motor')} .save-status--ok")
    assert "changed elsewhere" in page.inner_text(status("functioning.sleep"))
    assert page.is_checked(radio("functioning.sleep", "1"))
    assert stored(assessment).inputs["functioning"] == {"sleep": 5, "fine_motor": 3}
    # Choosing the stored value drops the kept one.
    page.check(radio("functioning.sleep", "5"))
    page.wait_for_selector(f"{status('functioning.sleep')} .save-status--ok")
    assert unsent_in_browser(page) == []
    assert page.inner_text("#draft-state") == "All changes saved"
