"""ROOTMAP_EMAIL_URL: where mail goes, as one URL, turned into Django's EMAIL_* settings.

    console://                              print each message on standard output (the default)
    smtp://user:password@host:port          plain SMTP (port 25 by default)
    smtp+tls://user:password@host:port      SMTP upgraded with STARTTLS (port 587 by default)
    smtps://user:password@host:port         SMTP over TLS from the first byte (port 465 by default)

A user name or password holding `@`, `:` or `/` is written percent-encoded (`%40`...).
`?from=rootmap@example.org` sets the sender (else ROOTMAP_EMAIL_FROM, else
`rootmap@<host>`); `?timeout=N` the seconds to wait for the server (default 20).

A URL that does not parse stops start-up with a message naming ROOTMAP_EMAIL_URL and what
was expected, never the password.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = {
    # scheme: (use STARTTLS, use implicit TLS, default port)
    "smtp": (False, False, 25),
    "smtp+tls": (True, False, 587),
    "smtps": (False, True, 465),
}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_TIMEOUT = 20


class EmailUrlError(ValueError):
    """`str(error)` says what is wrong with ROOTMAP_EMAIL_URL and what was expected."""


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{netloc}").geturl()


def email_settings(url: str, *, default_from: str = "") -> dict[str, Any]:
    """Django's EMAIL_* settings (and DEFAULT_FROM_EMAIL) for a ROOTMAP_EMAIL_URL."""
    text = (url or "").strip()
    if text in ("", "console://", "console:"):
        return {"EMAIL_BACKEND": CONSOLE_BACKEND,
                "DEFAULT_FROM_EMAIL": default_from or "rootmap@localhost"}
    expected = ("expected console://, smtp://user:password@host:port, smtp+tls://... (STARTTLS) "
                "or smtps://... (TLS)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise EmailUrlError(f"ROOTMAP_EMAIL_URL {_redacted(text)!r} does not parse ({error}): {expected}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise EmailUrlError(f"ROOTMAP_EMAIL_URL: the scheme {parts.scheme + '://' if parts.scheme else '(none)'} "
                            f"is not known: {expected}")
    if not parts.hostname:
        raise EmailUrlError(f"ROOTMAP_EMAIL_URL {_redacted(text)!r} names no host: {expected}")
    if parts.path not in ("", "/"):
        raise EmailUrlError(f"ROOTMAP_EMAIL_URL {_redacted(text)!r} has a path ({parts.path}); "
                            f"only host and port are read: {expected}")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"from", "timeout"})
    if unknown:
        raise EmailUrlError(f"ROOTMAP_EMAIL_URL: unknown option {', '.join(unknown)}; "
                            "the options are from= and timeout=")
    timeout = DEFAULT_TIMEOUT
    if "timeout" in query:
        raw = query["timeout"][-1]
        if not raw.isdigit() or int(raw) == 0:
            raise EmailUrlError(f"ROOTMAP_EMAIL_URL: timeout={raw!r} must be a whole number of seconds above 0")
        timeout = int(raw)
    if parts.password is not None and not parts.username:
        raise EmailUrlError("ROOTMAP_EMAIL_URL has a password but no user name (user:password@host)")
    use_tls, use_ssl, default_port = SCHEMES[scheme]
    sender = query.get("from", [""])[-1] or default_from or f"rootmap@{parts.hostname}"
    if "@" not in sender:
        raise EmailUrlError(f"ROOTMAP_EMAIL_URL: from={sender!r} is not an email address")
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": timeout,
        "DEFAULT_FROM_EMAIL": sender,
    }
