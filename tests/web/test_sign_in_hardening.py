"""Issue 10, sign-in: enrolment bound to its session, an administrator's reset of an
authenticator, the finalise password under the lockout, and X-Forwarded-* believed only
from a trusted proxy."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.accounts.services import ENROLMENT_SESSION_KEY
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from tests.web.security_fixtures import PASSWORD, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _password_only(username: str, **client_kwargs) -> HttpClient:
    browser = HttpClient(**client_kwargs)
    response = browser.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response
    return browser


def _fully_signed_in(user) -> HttpClient:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    browser = HttpClient()
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return browser


def _session_device(browser: HttpClient) -> TOTPDevice:
    return TOTPDevice.objects.get(pk=browser.session[ENROLMENT_SESSION_KEY])


# --- Enrolment -----------------------------------------------------------------------------

@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_two_password_only_sessions_see_different_keys_and_the_first_is_void_once_the_second_confirms(world):
    owner = _password_only("cleo")
    thief = _password_only("cleo")  # someone else who knows the password, elsewhere
    thief_key = thief.get(reverse("two-factor-setup")).context["secret"]
    owner_key = owner.get(reverse("two-factor-setup")).context["secret"]
    assert thief_key != owner_key
    # A reload of one session keeps its own key (the QR code scanned stays valid).
    assert owner.get(reverse("two-factor-setup")).context["secret"] == owner_key
    thief_device = _session_device(thief)

    done = owner.post(reverse("two-factor-setup"), {"code": _code(_session_device(owner))})
    assert done.status_code == 302
    assert owner.get(reverse("home")).status_code == 200

    # The key the thief read can no longer be confirmed, and is gone from the database.
    late = thief.post(reverse("two-factor-setup"), {"code": _code(thief_device)})
    assert late.status_code == 302 and late["Location"].startswith(reverse("two-factor-verify"))
    assert thief.get(reverse("home")).status_code == 302
    devices = TOTPDevice.objects.filter(user=world.clinician)
    assert [d.confirmed for d in devices] == [True]
    assert not TOTPDevice.objects.filter(pk=thief_device.pk).exists()
    # The confirmed key is never shown again, to either session.
    for browser in (thief, owner):
        page = browser.get(reverse("two-factor-setup"))
        assert page.status_code == 302 and owner_key.replace(" ", "") not in page.content.decode()
    assert AuditEntry.objects.filter(action="change", detail__two_factor="authenticator enrolled").count() == 1


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_an_enrolment_key_cannot_be_confirmed_from_another_session(world):
    owner = _password_only("cleo")
    owner.get(reverse("two-factor-setup"))
    owner_device = _session_device(owner)
    other = _password_only("cleo")
    refused = other.post(reverse("two-factor-setup"), {"code": _code(owner_device)})
    assert refused.status_code == 200 and "That code is not right" in refused.content.decode()
    owner_device.refresh_from_db()
    assert not owner_device.confirmed


# --- An administrator resets an authenticator ------------------------------------------------

@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_an_admin_resets_an_authenticator_it_is_audited_and_the_user_enrols_again(world):
    clinician_session = _fully_signed_in(world.clinician)
    assert clinician_session.get(reverse("home")).status_code == 200
    old_device = TOTPDevice.objects.get(user=world.clinician)
    admin = _fully_signed_in(world.admin)

    people = admin.get(reverse("people-list"))
    assert people.status_code == 200
    assert reverse("authenticator-reset", args=[world.clinician.pk]) in people.content.decode()
    assert people["Cache-Control"].count("no-store") == 1

    url = reverse("authenticator-reset", args=[world.clinician.pk])
    assert admin.get(url).status_code == 200
    wrong = admin.post(url, {"password": "not the admin's password"})
    assert wrong.status_code == 422 and "password is not right" in wrong.content.decode()
    assert TOTPDevice.objects.filter(pk=old_device.pk).exists()

    done = admin.post(url, {"password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("people-list")
    assert not TOTPDevice.objects.filter(user=world.clinician).exists()
    # The session verified with the old authenticator is over.
    assert clinician_session.get(reverse("home"))["Location"].startswith(reverse("login"))
    entry = AuditEntry.objects.filter(detail__two_factor="authenticator reset").get()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (world.admin.pk, "user",
                                                                    str(world.clinician.pk))
    assert entry.organisation_id == world.org.pk and entry.detail["had_authenticator"] is True
    assert entry.detail["sessions_ended"] == 1

    # At the next sign-in the clinician enrols a new authenticator.
    again = HttpClient()
    response = again.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert response["Location"].startswith(reverse("two-factor-setup"))
    new_key = again.get(reverse("two-factor-setup")).context["secret"]
    assert new_key.replace(" ", "") and TOTPDevice.objects.get(user=world.clinician).pk != old_device.pk


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_only_an_admin_of_the_same_organisation_can_reset_and_not_their_own(world):
    TOTPDevice.objects.create(user=world.clinician, name="phone", confirmed=True)
    url = reverse("authenticator-reset", args=[world.clinician.pk])
    for outsider in (world.outsider, world.supervisor, world.colleague):
        browser = _fully_signed_in(outsider)
        assert browser.get(url).status_code == 404, outsider
        assert browser.post(url, {"password": PASSWORD}).status_code == 404, outsider
    assert _fully_signed_in(world.outsider).get(reverse("people-list")).status_code == 200
    assert "cleo" not in _fully_signed_in(world.outsider).get(reverse("people-list")).content.decode()
    own = _fully_signed_in(world.admin).post(reverse("authenticator-reset", args=[world.admin.pk]),
                                             {"password": PASSWORD})
    assert own.status_code == 422 and "another administrator" in own.content.decode()
    assert TOTPDevice.objects.filter(user=world.clinician, confirmed=True).count() == 1
    assert TOTPDevice.objects.filter(user=world.admin, confirmed=True).count() == 1
    assert not AuditEntry.objects.filter(detail__two_factor="authenticator reset").exists()


# --- The finalise password counts toward the lockout ----------------------------------------

@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_wrong_finalise_passwords_lock_the_account_out(world):
    browser = HttpClient()
    assert browser.post(reverse("login"), {"username": "cleo", "password": PASSWORD}).status_code == 302
    url = reverse("assessment-finalise", args=[world.draft.pk])
    statuses = [browser.post(url, {"password": f"guess {n}"}).status_code for n in range(3)]
    assert statuses == [422, 422, 429]  # the third miss reaches the limit
    # Signed out, and signing in again is refused, even with the right password.
    assert browser.get(reverse("home"))["Location"].startswith(reverse("login"))
    locked = HttpClient().post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert locked.status_code == 429
    world.draft.refresh_from_db()
    assert world.draft.status == Assessment.Status.DRAFT
    misses = AuditEntry.objects.filter(action="sign_in_failed", detail__step="finalise")
    assert misses.count() == 3 and {e.detail["username"] for e in misses} == {"cleo"}


@override_settings(ROOTMAP_REQUIRE_2FA=True, AXES_ENABLED=True, AXES_FAILURE_LIMIT=2)
def test_wrong_passwords_at_the_authenticator_reset_lock_the_admin_out(world):
    TOTPDevice.objects.create(user=world.clinician, name="phone", confirmed=True)
    admin = _fully_signed_in(world.admin)
    url = reverse("authenticator-reset", args=[world.clinician.pk])
    assert [admin.post(url, {"password": "guess"}).status_code for _ in range(2)] == [422, 429]
    assert admin.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert HttpClient().post(reverse("login"), {"username": "ada", "password": PASSWORD}).status_code == 429
    assert TOTPDevice.objects.filter(user=world.clinician).exists()


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_a_right_finalise_password_still_finalises_with_the_lockout_on(world):
    browser = HttpClient()
    browser.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    url = reverse("assessment-finalise", args=[world.draft.pk])
    browser.post(url, {"password": "one slip"})
    response = browser.post(url, {"password": PASSWORD})
    # The right password is accepted (the draft may still be refused for its content).
    assert response.status_code in (302, 422)
    assert "password is not right" not in response.content.decode()
    assert AuditEntry.objects.filter(action="sign_in_failed", detail__step="finalise").count() == 1
    assert AuditEntry.objects.filter(action="finalise_refused", detail__reason="password").count() == 1


# --- X-Forwarded-* only from a trusted proxy ------------------------------------------------

@override_settings(BEHIND_PROXY=True, TRUSTED_PROXIES=["127.0.0.1", "::1"], SECURE_SSL_REDIRECT=True,
                   SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_forwarded_headers_from_an_untrusted_address_are_ignored(world):
    direct = HttpClient(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9",
                        HTTP_X_FORWARDED_PROTO="https")
    # It does not get to claim https (so it is sent there), nor another address.
    response = direct.get(reverse("login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")
    direct.post(reverse("login"), {"username": "cleo", "password": "guess"}, secure=True)
    entry = AuditEntry.objects.filter(action="sign_in_failed").latest("id")
    assert entry.ip_address == "198.51.100.7"

    proxied = HttpClient(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.10",
                         HTTP_X_FORWARDED_PROTO="https")
    assert proxied.get(reverse("login")).status_code == 200  # https through the proxy: no redirect
    proxied.post(reverse("login"), {"username": "cleo", "password": "guess"})
    entry = AuditEntry.objects.filter(action="sign_in_failed").latest("id")
    assert entry.ip_address == "192.0.2.10"  # the hop the proxy added, not the client's claim


@override_settings(BEHIND_PROXY=False)
def test_without_the_proxy_setting_forwarded_headers_mean_nothing(world):
    browser = HttpClient(REMOTE_ADDR="198.51.100.8", HTTP_X_FORWARDED_FOR="203.0.113.9")
    browser.post(reverse("login"), {"username": "cleo", "password": "guess"})
    assert AuditEntry.objects.filter(action="sign_in_failed").latest("id").ip_address == "198.51.100.8"


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_enrolments_abandoned_a_day_ago_are_removed_when_a_new_one_starts(world):
    import datetime as dt

    from django.utils import timezone

    stale = TOTPDevice.objects.create(user=world.clinician, name="left behind", confirmed=False)
    recent = TOTPDevice.objects.create(user=world.clinician, name="another tab", confirmed=False)
    TOTPDevice.objects.filter(pk=stale.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    browser = _password_only("cleo")
    browser.get(reverse("two-factor-setup"))
    left = set(TOTPDevice.objects.filter(user=world.clinician).values_list("pk", flat=True))
    assert left == {recent.pk, _session_device(browser).pk}
