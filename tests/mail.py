"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port.

The `smtp_server` fixture starts it, points Django's mail settings at it through the same
ROOTMAP_EMAIL_URL parser production uses (pytest-django would otherwise keep mail in
memory), and collects what arrives. Mail really crosses a socket and an SMTP dialogue, so a
message that the SMTP backend cannot send fails the test.

    def test_something(smtp_server):
        ...
        message = smtp_server.wait_for(to="nia@example.org")
        assert "https://" in message.body

Imported by tests/conftest.py, so every test may use it.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from rootmap.web.email_url import email_settings

LINK = re.compile(r"https?://[^\s<>\"]+")


@dataclass(frozen=True)
class Received:
    """One message as the server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def body(self) -> str:
        """The plain-text part (the whole text when the message is not multipart)."""
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.body)


@dataclass
class _Collector:
    received: list[Received] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
            self.lock.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    """The running server: its address, the messages received, and a wait for one."""

    def __init__(self, controller: Controller, collector: _Collector, url: str) -> None:
        self.controller = controller
        self._collector = collector
        self.url = url  # the ROOTMAP_EMAIL_URL that reaches it
        self.port = controller.port

    @property
    def messages(self) -> list[Received]:
        with self._collector.lock:
            return list(self._collector.received)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if _addressed_to(m, address)]

    def wait_for(self, *, to: str, count: int = 1, timeout: float = 10.0) -> Received:
        """The `count`-th message to `to`, waiting up to `timeout` seconds for it to arrive
        (a page's request may hand mail to a background job)."""
        deadline = time.monotonic() + timeout
        with self._collector.lock:
            while True:
                found = [m for m in self._collector.received if _addressed_to(m, to)]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no message {count} to {to} within {timeout} s; "
                                         f"received for {[m.rcpt_tos for m in self._collector.received]}")
                self._collector.lock.wait(left)


def _addressed_to(message: Received, address: str) -> bool:
    # Addresses compare without regard to case (Django lower-cases the domain on saving).
    return address.lower() in (r.lower() for r in message.rcpt_tos)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed_certificate(folder: Path) -> Path:
    """A throwaway certificate for 127.0.0.1 (key and certificate in one PEM file)."""
    pem = folder / "smtp.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(pem), "-out", str(pem)], check=True, capture_output=True)
    return pem


def start_smtp_server(*, login: tuple[str, str] | None = None, certificate: Path | None = None) -> SmtpServer:
    """Start aiosmtpd on loopback.

    With `certificate` (a PEM file holding key and certificate), the server offers STARTTLS
    and the URL is smtp+tls://; the client must trust the certificate (SSL_CERT_FILE).
    With `login` as well, the server requires that user name and password, after STARTTLS
    only, and refuses any other.
    """
    collector = _Collector()
    options: dict[str, Any] = {}
    scheme, credentials = "smtp", ""
    if certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate)
        options.update(tls_context=context, require_starttls=True)
        scheme = "smtp+tls"
    if login is not None:
        if certificate is None:
            raise ValueError("a server that asks for a password needs TLS (pass certificate=)")
        expected_user, expected_password = login

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = (isinstance(data, LoginPassword) and data.login.decode() == expected_user
                  and data.password.decode() == expected_password)
            return AuthResult(success=ok, handled=False)

        options.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
        credentials = f"{quote(expected_user, safe='')}:{quote(expected_password, safe='')}@"
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return SmtpServer(controller, collector, f"{scheme}://{credentials}127.0.0.1:{controller.port}")


def use_email_url(settings: Any, url: str) -> None:
    """Point Django's mail settings (pytest-django's `settings` fixture) at `url`."""
    for name, value in email_settings(url).items():
        setattr(settings, name, value)


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    server = start_smtp_server()
    use_email_url(settings, server.url)
    try:
        yield server
    finally:
        server.controller.stop()
