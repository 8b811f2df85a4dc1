"""Mail for real: ROOTMAP_EMAIL_URL into Django's settings, and mail crossing a real SMTP
server (aiosmtpd on loopback, tests/mail.py): the password reset arrives with only a
sentence and a link, the link works once, and nothing says whether an address exists."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys

import pytest
from django.core.mail import get_connection, send_mail
from django.test import Client as HttpClient

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.audit.models import AuditEntry
from rootmap.web.email_url import EmailUrlError, email_settings
from rootmap.web.jobs.models import OutgoingMail
from tests.mail import self_signed_certificate, start_smtp_server, use_email_url

NEW_PASSWORD = "a fresh and private passphrase"


def test_console_is_the_default() -> None:
    assert email_settings("")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_smtp_url_becomes_djangos_settings() -> None:
    got = email_settings("smtp://mailer:s%40cret%3Aword@mail.example.org:2525?from=rootmap@example.org")
    assert got == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org", "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "mailer", "EMAIL_HOST_PASSWORD": "s@cret:word",
        "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False, "EMAIL_TIMEOUT": 20,
        "DEFAULT_FROM_EMAIL": "rootmap@example.org",
    }


def test_starttls_and_tls_schemes_and_their_default_ports() -> None:
    starttls = email_settings("smtp+tls://relay.example.org")
    assert (starttls["EMAIL_USE_TLS"], starttls["EMAIL_USE_SSL"], starttls["EMAIL_PORT"]) == (True, False, 587)
    implicit = email_settings("smtps://relay.example.org")
    assert (implicit["EMAIL_USE_TLS"], implicit["EMAIL_USE_SSL"], implicit["EMAIL_PORT"]) == (False, True, 465)
    plain = email_settings("smtp://relay.example.org")
    assert plain["EMAIL_PORT"] == 25 and plain["DEFAULT_FROM_EMAIL"] == "rootmap@relay.example.org"


@pytest.mark.parametrize(("url", "says"), [
    ("mailto://a@b", "scheme mailto:// is not known"),
    ("relay.example.org:25", "is not known"),
    ("smtp://", "names no host"),
    ("smtp://relay.example.org:99999", "does not parse"),
    ("smtp://relay.example.org:port", "does not parse"),
    ("smtp://relay.example.org/inbox", "has a path"),
    ("smtp://relay.example.org?tls=1", "unknown option tls"),
    ("smtp://relay.example.org?timeout=soon", "timeout='soon'"),
    ("smtp://relay.example.org?from=nobody", "is not an email address"),
])
def test_a_bad_url_is_refused_naming_what_was_expected(url: str, says: str) -> None:
    with pytest.raises(EmailUrlError) as refused:
        email_settings(url)
    assert "ROOTMAP_EMAIL_URL" in str(refused.value) and says in str(refused.value)


def test_a_bad_url_stops_start_up_with_its_message_and_never_the_password() -> None:
    env = {**os.environ, "ROOTMAP_TESTING": "1", "ROOTMAP_EMAIL_URL": "smtp://u:hunter2-secret@relay:notaport"}
    run = subprocess.run([sys.executable, "-c", "import rootmap.web.settings"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "RuntimeError: ROOTMAP_EMAIL_URL" in run.stderr and "does not parse" in run.stderr
    assert "hunter2-secret" not in run.stderr


def test_mail_goes_through_starttls_to_a_server_that_requires_a_password(settings, tmp_path, monkeypatch) -> None:
    certificate = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # the client trusts this server only
    server = start_smtp_server(login=("mailer", "p@ss:word/1"), certificate=certificate)
    try:
        use_email_url(settings, server.url)
        assert server.url.startswith("smtp+tls://mailer:p%40ss%3Aword%2F1@127.0.0.1:")
        assert settings.EMAIL_USE_TLS is True and settings.EMAIL_HOST_PASSWORD == "p@ss:word/1"
        send_mail("Hello", "A sentence.", None, ["nia@example.org"])
        received = server.wait_for(to="nia@example.org")
        assert received.subject == "Hello" and received.body.strip() == "A sentence."
        assert received.mail_from == "rootmap@127.0.0.1"

        use_email_url(settings, server.url.replace("p%40ss", "wrong"))
        refused = get_connection()
        try:
            with pytest.raises(smtplib.SMTPAuthenticationError):
                send_mail("Hello again", "A sentence.", None, ["nia@example.org"], connection=refused)
        finally:
            refused.close()  # Django leaves the refused connection open
        assert len(server.messages) == 1
    finally:
        server.controller.stop()


@pytest.fixture
def nia(db) -> User:
    org = Organisation.objects.create(name="Riverside Family Services")
    return User.objects.create_user(username="nia", password="the old passphrase 1", email="Nia@Example.org",
                                    organisation=org, role="clinician")


def test_a_password_reset_mail_arrives_and_its_link_works_once(smtp_server, nia: User) -> None:
    http = HttpClient()
    answer = http.post("/sign-in/forgot/", {"email": "nia@example.org"})
    assert answer.status_code == 302 and answer["Location"] == "/sign-in/forgot/sent/"

    mail = smtp_server.wait_for(to="Nia@Example.org")
    assert mail.subject == "Reset your Rootmap password"
    # A sentence and a link, nothing else: no user name, no organisation, no client.
    assert len(mail.links) == 1 and "nia" not in mail.body.lower().replace(mail.links[0].lower(), "")
    assert "Riverside" not in mail.body
    # It went through the queue (in-process on the embedded default), after the response.
    queued = OutgoingMail.objects.get()
    assert (queued.purpose, queued.status, queued.recipient_id, queued.body) == ("password_reset", "sent", nia.pk, "")
    link = mail.links[0].removeprefix("http://testserver")

    choose = http.get(link)
    assert choose.status_code == 302  # Django moves the token into the session
    form_url = choose["Location"]
    assert "set-password" in form_url
    assert http.get(form_url).status_code == 200
    saved = http.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302 and saved["Location"] == "/sign-in/reset/done/"
    nia.refresh_from_db()
    assert nia.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(action="change", object_id=str(nia.pk),
                                     detail__password="reset by email link").count() == 1

    again = HttpClient().get(link, follow=True)
    assert b"This link does not work any more" in again.content


def test_an_unknown_address_gets_the_same_answer_and_no_mail(smtp_server, nia: User) -> None:
    answer = HttpClient().post("/sign-in/forgot/", {"email": "nobody@example.org"})
    assert answer.status_code == 302 and answer["Location"] == "/sign-in/forgot/sent/"
    entry = AuditEntry.objects.get(action="password_reset")
    assert entry.detail["account_found"] is False
    assert smtp_server.messages == [] and not OutgoingMail.objects.exists()
    known = HttpClient().post("/sign-in/forgot/", {"email": "nia@example.org"})
    # Byte for byte the same answer, whether or not a mail was queued.
    assert (known.status_code, known["Location"], known.content) == (302, answer["Location"], answer.content)


def test_requests_for_one_address_are_limited_to_three_an_hour(smtp_server, nia: User) -> None:
    for _ in range(5):
        answer = HttpClient().post("/sign-in/forgot/", {"email": "nia@example.org"})
        assert answer.status_code == 302 and answer["Location"] == "/sign-in/forgot/sent/"
    smtp_server.wait_for(to="Nia@Example.org", count=3)
    assert len(smtp_server.messages) == 3
    refused = AuditEntry.objects.filter(action="password_reset", detail__refused="rate limit")
    assert refused.count() == 2


def test_a_bad_email_address_is_named_on_the_page(db) -> None:
    answer = HttpClient().post("/sign-in/forgot/", {"email": "not an address"})
    assert answer.status_code == 200
    assert b"Enter an email address, like name@example.org." in answer.content
