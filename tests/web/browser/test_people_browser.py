"""People in a real browser (issue 13): an administrator invites a clinician, who opens the
link from the mail (read from a real SMTP server), chooses a password, enrols an
authenticator, signs in and sees an empty caseload; a leaver is switched off and their
open session, in another browser, ends at its next request. Two-factor sign-in and the
strict Content-Security-Policy stay on; each new page is checked with axe-core."""

from __future__ import annotations

import base64
import datetime as dt
import time
from typing import Any

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.clients.models import Client
from tests.web.browser.conftest import CspWatch, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADMIN_PASSWORD = "the administrator's long passphrase"
NEW_PASSWORD = "a new clinician's private passphrase"


def _no_axe_violations(page: Any, name: str) -> None:
    found = axe_violations(page)
    assert not found, f"{name}: axe found " + "; ".join(f"{v['id']} ({v['help']}) at {v['nodes']}" for v in found)


def _totp_of(device: TOTPDevice) -> pyotp.TOTP:
    return pyotp.TOTP(base64.b32encode(device.bin_key).decode())


def _sign_in_with_code(page: Any, base: str, username: str, password: str, code: str) -> None:
    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in/code/" in page.url, page.inner_text("main")[:300]
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "/sign-in/" not in page.url, page.inner_text("main")[:300]


def _administrator() -> tuple[User, pyotp.TOTP]:
    org = Organisation.objects.create(name="Riverside Family Services")
    admin = User.objects.create_user(username="ada", password=ADMIN_PASSWORD, organisation=org, role="admin",
                                     first_name="Ada", last_name="Admin", email="ada@example.org")
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    return admin, _totp_of(device)


def _new_context(browser: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = CspWatch()
    page.on("console", watch)
    page.csp = watch
    return context, page


def test_an_invited_clinician_enrols_signs_in_and_sees_an_empty_caseload(
        settings: Any, smtp_server: Any, page: Any, browser: Any, live_server: Any) -> None:
    settings.ROOTMAP_REQUIRE_2FA = True
    base = live_server.url
    _admin, admin_codes = _administrator()
    _sign_in_with_code(page, base, "ada", ADMIN_PASSWORD, admin_codes.now())

    page.goto(f"{base}/people/")
    _no_axe_violations(page, "people")
    page.get_by_role("link", name="Invite someone").click()
    page.wait_for_url(f"{base}/people/invite/")
    _no_axe_violations(page, "invite")
    page.fill("#id_email", "nope")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "Enter an email address" in page.inner_text("main")
    _no_axe_violations(page, "invite with an error")
    page.fill("#id_email", "nia@example.org")
    page.fill("#id_first_name", "Nia")
    page.fill("#id_last_name", "Okafor")
    page.select_option("#id_role", "clinician")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "Invitation sent to nia@example.org" in page.inner_text("main")
    assert "invited" in page.locator("tr", has_text="Nia Okafor").inner_text()

    mail = smtp_server.wait_for(to="nia@example.org")
    assert len(mail.links) == 1 and mail.links[0].startswith(f"{base}/welcome/")

    # The clinician, in a browser of their own.
    context, nia = _new_context(browser)
    try:
        nia.goto(mail.links[0])
        assert nia.get_by_role("heading", name="Welcome to Rootmap").is_visible()
        _no_axe_violations(nia, "welcome")
        nia.fill("#id_new_password1", NEW_PASSWORD)
        nia.fill("#id_new_password2", NEW_PASSWORD)
        with nia.expect_navigation():
            nia.get_by_role("button", name="Save the password and continue").click()
        assert "/sign-in/authenticator/" in nia.url
        secret = nia.locator("code").inner_text().replace(" ", "")
        phone = pyotp.TOTP(secret)
        nia.fill("#id_code", phone.now())
        with nia.expect_navigation():
            nia.get_by_role("button", name="Confirm and continue").click()
        assert "No clients are on your caseload yet" in nia.inner_text("main")

        with nia.expect_navigation():
            nia.get_by_role("button", name="Sign out").click()
        # The code used to enrol cannot be used again; the next 30-second step's can.
        _sign_in_with_code(nia, base, "nia@example.org", NEW_PASSWORD, phone.at(time.time(), counter_offset=1))
        assert "No clients are on your caseload yet" in nia.inner_text("main")
        assert nia.get_by_role("button", name="Sign out").is_visible()
        nia.goto(mail.links[0])  # the link worked once
        assert "This link does not work any more" in nia.inner_text("main")
        assert nia.csp.violations == []
    finally:
        context.close()
    assert page.csp.violations == []


def test_a_leaver_is_switched_off_and_their_open_session_ends(
        settings: Any, page: Any, browser: Any, live_server: Any) -> None:
    settings.ROOTMAP_REQUIRE_2FA = True
    base = live_server.url
    admin, admin_codes = _administrator()
    leaver = User.objects.create_user(username="cleo", password=NEW_PASSWORD, organisation=admin.organisation,
                                      role="clinician", first_name="Cleo", last_name="Leaving")
    stays = User.objects.create_user(username="colin", password=NEW_PASSWORD, organisation=admin.organisation,
                                     role="clinician", first_name="Colin", last_name="Staying")
    leaver_codes = _totp_of(TOTPDevice.objects.create(user=leaver, name="phone", confirmed=True))

    client = Client.objects.create(organisation=admin.organisation, reference="C-0042", display_name="Milo Test",
                                   birth_date=dt.date(2016, 4, 11))
    client.clinicians.add(leaver)

    context, theirs = _new_context(browser)
    try:
        _sign_in_with_code(theirs, base, "cleo", NEW_PASSWORD, leaver_codes.now())
        assert "Milo Test" in theirs.inner_text("main")

        _sign_in_with_code(page, base, "ada", ADMIN_PASSWORD, admin_codes.now())
        page.goto(f"{base}/people/")
        page.get_by_role("link", name="Cleo Leaving").click()
        page.wait_for_url(f"{base}/people/{leaver.pk}/")
        _no_axe_violations(page, "person")
        page.get_by_role("link", name="Switch the account off (a leaver)").click()
        page.wait_for_url(f"{base}/people/{leaver.pk}/deactivate/")
        _no_axe_violations(page, "deactivate")
        page.select_option("#id_reassign_to", str(stays.pk))
        page.fill("#id_password", ADMIN_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Switch the account off").click()
        main = page.inner_text("main")
        assert "Cleo Leaving's account is switched off" in main and "1 client(s) moved to Colin Staying" in main
        assert "switched off" in page.locator("tr", has_text="Cleo Leaving").inner_text()

        theirs.reload()
        assert "/sign-in/" in theirs.url and theirs.get_by_role("button", name="Sign in").is_visible()
        assert "Milo Test" not in theirs.content()
        assert list(client.clinicians.all()) == [stays]

        page.goto(f"{base}/teams/")
        _no_axe_violations(page, "teams")
        assert page.csp.violations == [] and theirs.csp.violations == []
    finally:
        context.close()


def test_password_reset_and_team_pages_pass_axe(settings: Any, smtp_server: Any, page: Any,
                                                live_server: Any) -> None:
    settings.ROOTMAP_REQUIRE_2FA = True
    base = live_server.url
    admin, admin_codes = _administrator()
    page.goto(f"{base}/sign-in/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(f"{base}/sign-in/forgot/")
    _no_axe_violations(page, "forgot")
    page.fill("#id_email", "ada@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    assert page.url == f"{base}/sign-in/forgot/sent/"
    _no_axe_violations(page, "sent")
    link = smtp_server.wait_for(to="ada@example.org").links[0]
    page.goto(link)
    _no_axe_violations(page, "choose a password")
    page.fill("#id_new_password1", "short")
    page.fill("#id_new_password2", "short")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the password").click()
    assert "too short" in page.inner_text("main")
    _no_axe_violations(page, "choose a password, refused")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the password").click()
    assert page.url == f"{base}/sign-in/reset/done/"
    _no_axe_violations(page, "password saved")

    from rootmap.web.accounts.models import Team

    team = Team.objects.create(organisation=admin.organisation, name="North")
    _sign_in_with_code(page, base, "ada", NEW_PASSWORD, admin_codes.now())
    page.goto(f"{base}/teams/{team.pk}/")
    _no_axe_violations(page, "team")
    assert page.csp.violations == []
