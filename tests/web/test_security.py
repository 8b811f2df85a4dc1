"""Sign-in and transport: argon2, TOTP second factor outside demo mode, lockout after
repeated failures, sessions that end after 15 idle minutes, production headers, and a
deployment check with no warning."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import rootmap.web.settings as production_settings
from rootmap.web.audit.models import AuditEntry
from tests.web.security_fixtures import PASSWORD, build_world

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    return build_world()


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ROOTMAP_")
           and k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DJANGO_SETTINGS_MODULE="rootmap.web.settings",
               ROOTMAP_SECRET_KEY=secrets.token_urlsafe(64),
               ROOTMAP_ALLOWED_HOSTS="rootmap.example.org",
               DATABASE_URL="sqlite:///" + str(ROOT / "var" / "never-created.sqlite3"))
    env.update(extra)
    return env


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


# --- Production settings ----------------------------------------------------------------

def test_the_deployment_check_prints_no_warning_with_production_settings():
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(), capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_long_secret_key():
    missing = _python("import rootmap.web.settings", _production_env(ROOTMAP_SECRET_KEY=""))
    assert missing.returncode != 0
    short = _python("import rootmap.web.settings", _production_env(ROOTMAP_SECRET_KEY="too-short"))
    assert "at least 50 characters" in short.stderr


def test_production_turns_on_https_only_cookies_hsts_and_the_redirect():
    result = _python(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.ROOTMAP_REQUIRE_2FA, s.AXES_ENABLED, s.DEBUG)",
        _production_env())
    assert result.stdout.split() == ["True"] * 7 + ["False"], result.stderr


def test_demo_mode_does_not_require_the_second_factor():
    env = _production_env(ROOTMAP_DEMO="1")
    result = _python("import django; django.setup(); from django.conf import settings as s; "
                     "print(s.ROOTMAP_REQUIRE_2FA, s.SESSION_COOKIE_AGE)", env)
    assert result.stdout.split() == ["False", "900"], result.stderr


def test_behind_a_proxy_it_trusts_the_forwarded_scheme():
    result = _python("import django; django.setup(); from django.conf import settings as s; "
                     "print(s.SECURE_PROXY_SSL_HEADER)", _production_env(ROOTMAP_BEHIND_PROXY="1"))
    assert "HTTP_X_FORWARDED_PROTO" in result.stdout


def test_passwords_are_hashed_with_argon2():
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        assert make_password("a long passphrase").startswith("argon2")


# --- Headers ----------------------------------------------------------------------------

def test_every_page_has_a_strict_content_security_policy_and_protective_headers(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_sign_in_page_has_no_inline_script_or_style(client):
    body = client.get(reverse("login")).content.decode()
    assert "<script>" not in body and "<style" not in body and "style=" not in body


# --- Sessions ---------------------------------------------------------------------------

def test_a_session_ends_after_fifteen_idle_minutes(world, client):
    assert production_settings.SESSION_COOKIE_AGE == 15 * 60
    assert production_settings.SESSION_SAVE_EVERY_REQUEST is True
    client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200
    session = Session.objects.get()
    assert abs(session.expire_date - (timezone.now() + dt.timedelta(minutes=15))) < dt.timedelta(seconds=30)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_each_request_renews_the_fifteen_minutes(world, client):
    client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    Session.objects.update(expire_date=timezone.now() + dt.timedelta(minutes=1))
    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get().expire_date > timezone.now() + dt.timedelta(minutes=14)


# --- Sign-in and sign-out ---------------------------------------------------------------

def test_sign_out_needs_a_post(world, client):
    client.force_login(world.clinician)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_sign_in_never_redirects_to_another_site(world, client):
    response = client.post(reverse("login") + "?next=https://evil.example/",
                           {"username": "cleo", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_a_wrong_password_gets_a_clear_message(world, client):
    response = client.post(reverse("login"), {"username": "cleo", "password": "nope"})
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()


# --- Second factor ----------------------------------------------------------------------

def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_a_user_without_an_authenticator_must_enrol_before_anything_else(world, client):
    response = client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert response["Location"].startswith(reverse("two-factor-setup"))
    for name in ("home", "client-list", "audit-log"):
        blocked = client.get(reverse(name))
        assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("two-factor-setup"))
    blocked = client.get(reverse("client-detail", args=[world.client.pk]))
    assert blocked.status_code == 302
    page = client.get(reverse("two-factor-setup"))
    body = page.content.decode()
    assert "<svg" in body and "class=\"segno\"" in body  # the QR code, inline, no image request
    device = TOTPDevice.objects.get(user=world.clinician, confirmed=False)
    assert client.get(reverse("two-factor-setup")).context["secret"] == page.context["secret"]

    wrong = client.post(reverse("two-factor-setup"), {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # each wrong code doubles the wait
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0,
                                                   throttling_failure_timestamp=None)
    device.refresh_from_db()
    done = client.post(reverse("two-factor-setup"), {"code": _code(device)})
    assert done.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert TOTPDevice.objects.get(user=world.clinician).confirmed


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_an_enrolled_user_signs_in_with_a_code(world, client):
    device = TOTPDevice.objects.create(user=world.clinician, name="phone", confirmed=True)
    response = client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert client.get(reverse("home")).status_code == 302
    # An enrolled user cannot enrol another authenticator to get round the code.
    assert client.get(reverse("two-factor-setup"))["Location"].startswith(reverse("two-factor-verify"))

    wrong = client.post(reverse("two-factor-verify"), {"code": "12345a"})
    assert "six digits" in wrong.content.decode()
    wrong = client.post(reverse("two-factor-verify"), {"code": "000000"})
    assert "not right or has expired" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="sign_in_failed", detail__step="second factor").exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    session_before = client.session.session_key
    ok = client.post(reverse("two-factor-verify"), {"code": _code(device), "next": "/clients/"})
    assert ok.status_code == 302 and ok["Location"] == "/clients/"
    assert client.session.session_key != session_before  # a fresh session id once fully signed in
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(action="sign_in", detail__step="second factor").exists()


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_a_used_code_cannot_be_replayed(world, client):
    device = TOTPDevice.objects.create(user=world.clinician, name="phone", confirmed=True)
    code = _code(device)
    client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert client.post(reverse("two-factor-verify"), {"code": code}).status_code == 302
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    replay = client.post(reverse("two-factor-verify"), {"code": code})
    assert replay.status_code == 200
    assert client.get(reverse("home")).status_code == 302


@override_settings(ROOTMAP_REQUIRE_2FA=False)
def test_in_demo_mode_a_password_is_enough(world, client):
    client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200


# --- Lockout ----------------------------------------------------------------------------

@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_repeated_failures_lock_the_account_out_from_that_address(world, client):
    for _ in range(5):
        client.post(reverse("login"), {"username": "cleo", "password": "guess"})
    locked = client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still not signed in
    assert AuditEntry.objects.filter(action="sign_in_failed", detail__username="cleo").count() >= 5
    # Another person, or the same person elsewhere, is not locked out.
    other = client.post(reverse("login"), {"username": "sam", "password": PASSWORD})
    assert other.status_code == 302
    from django.test import Client

    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    assert elsewhere.post(reverse("login"), {"username": "cleo", "password": PASSWORD}).status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_a_success_before_the_limit_resets_the_count(world, client):
    for _ in range(4):
        client.post(reverse("login"), {"username": "cleo", "password": "guess"})
    assert client.post(reverse("login"), {"username": "cleo", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        client.post(reverse("login"), {"username": "cleo", "password": "guess"})
    assert client.post(reverse("login"), {"username": "cleo", "password": PASSWORD}).status_code == 302


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, BEHIND_PROXY=True,
                   TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_the_proxy_lockout_and_audit_use_the_address_the_proxy_saw(world):
    from django.test import Client

    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(3):
        attacker.post(reverse("login"), {"username": "cleo", "password": "guess"})
    assert attacker.post(reverse("login"), {"username": "cleo", "password": PASSWORD}).status_code == 429
    entry = AuditEntry.objects.filter(action="sign_in_failed").latest("id")
    assert entry.ip_address == "203.0.113.66"
    # The clinician, reaching the same proxy from their own address, is not locked out.
    clinician = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert clinician.post(reverse("login"), {"username": "cleo", "password": PASSWORD}).status_code == 302
