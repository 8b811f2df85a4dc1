"""Two-factor sign-in in a real browser: enrol an authenticator from the QR page, then
sign in with a code; the strict Content-Security-Policy stays on throughout."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django.test import override_settings
from django_otp.oath import hotp

from rootmap.web.accounts.models import Organisation, User
from tests.web.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long and private passphrase"


STEP = 30  # seconds per code, the authenticator apps' and django-otp's default


def _step_now() -> int:
    return int(time.time()) // STEP


def _code(secret_text: str, *, step: int) -> str:
    """The code an authenticator app shows during 30-second step `step`."""
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{hotp(key, step, 6):06d}"  # TOTP is HOTP with the step as counter


def _password_step(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "nia")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_a_clinician_enrols_an_authenticator_then_signs_in_with_a_code(page: Any, live_server: Any) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    User.objects.create_user(username="nia", password=PASSWORD, organisation=org, role="clinician")

    _password_step(page, live_server)
    assert page.url.startswith(f"{live_server.url}/sign-in/authenticator/")
    assert page.locator("figure.qr-code svg").count() == 1
    page.goto(f"{live_server.url}/clients/")  # nothing else is open before the second step
    assert "/sign-in/authenticator/" in page.url
    assert axe_violations(page) == []

    secret = page.locator("code").inner_text()
    enrolled_step = _step_now()
    page.fill("#id_code", _code(secret, step=enrolled_step))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and continue").click()
    assert "/sign-in/" not in page.url and page.get_by_role("button", name="Sign out").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    _password_step(page, live_server)
    assert page.url.startswith(f"{live_server.url}/sign-in/code/")
    page.fill("#id_code", "000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "not right or has expired" in page.inner_text("main")
    assert page.locator("#id_code").get_attribute("autocomplete") == "one-time-code"
    page.wait_for_timeout(1500)  # a wrong code makes the next try wait a second
    # A code is good once, so not the enrolment's; and when the enrolment was checked just
    # after a step boundary the server now allows for a clock one step behind, so a code
    # two steps ahead of its clock would be refused: the code of this step, or the next
    # when this step's is the enrolment's.
    page.fill("#id_code", _code(secret, step=max(_step_now(), enrolled_step + 1)))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "/sign-in/" not in page.url, page.inner_text("main")[:300]
    assert page.csp.violations == []  # type: ignore[attr-defined]
