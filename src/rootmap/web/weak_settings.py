"""Production refuses weak settings at start-up (read by rootmap.web.settings).

Outside demo, development and the test suite, these stop Rootmap with a message naming
the setting: two-factor sign-in or the lockout turned off, a secret key, audit key,
pseudonym key or backup key that is short, repetitive, made of words, a published
default, or one key used for two ends. A deliberate exception is `ROOTMAP_ALLOW_INSECURE=<reason>`: start-up
goes on and every weakened setting is logged, with the reason, on each start.

No rule can prove a key random; these catch the mistakes people make (a word, a phrase,
a default copied from documentation, a key typed by hand). `python -c "import secrets;
print(secrets.token_urlsafe(64))"` makes one that passes.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter

# Strings printed in documentation or source: never a key.
PUBLISHED = ("insecure-development-key-never-use-in-production", "django-insecure", "changeme",
             "change-me", "replace-me", "your-secret-key")
MIN_BITS = 90            # estimated by symbol frequency (a 32-digit hex key has 128)
MIN_COMPRESSED_BITS = 160  # what zlib cannot squeeze out: repetition and patterns fail
MIN_DISTINCT_TRIGRAMS = 0.75


def key_problem(name: str, value: str, *, min_length: int) -> str | None:
    """Why `value` is not fit as the key `name`, or None."""
    if len(value) < min_length:
        return f"{name} must be a random string of at least {min_length} characters (it has {len(value)})"
    lowered = value.lower()
    if any(published in lowered for published in PUBLISHED):
        return f"{name} is a published example, not a secret: make a new random one"
    trigrams = [value[i:i + 3] for i in range(len(value) - 2)]
    compressed = (len(zlib.compress(value.encode(), 9)) - len(zlib.compress(b"", 9))) * 8
    if (_shannon_bits(value) < MIN_BITS or compressed < MIN_COMPRESSED_BITS
            or len(set(trigrams)) / len(trigrams) < MIN_DISTINCT_TRIGRAMS):
        return f"{name} is too predictable (repeated or patterned characters): make a random one"
    # A passphrase: words separated by spaces or punctuation. Letters alone, or letters and
    # hyphens, can be random (a URL-safe token sometimes has no digit or underscore): the
    # entropy checks above judge those.
    if re.fullmatch(r"[A-Za-z-]+(?:[\s.,;:'!?]+[A-Za-z-]+)+[\s.,;:'!?]*", value):
        return f"{name} looks like words, not random characters: make a random one"
    return None


def _shannon_bits(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) * n


def production_problems(*, secret_key: str, audit_key: str, pseudonym_key: str,
                        require_2fa: bool, lockout: bool, backup_key: str = "") -> list[str]:
    """Every weak production setting, each naming its environment variable."""
    problems = []
    if not require_2fa:
        problems.append("ROOTMAP_REQUIRE_2FA is off: every sign-in outside demo mode needs the "
                        "second factor")
    if not lockout:
        problems.append("ROOTMAP_LOCKOUT is off: without it passwords can be guessed without limit")
    keys = (("ROOTMAP_SECRET_KEY", secret_key, 50), ("ROOTMAP_AUDIT_KEY", audit_key, 32),
            ("ROOTMAP_PSEUDONYM_KEY", pseudonym_key, 32), ("ROOTMAP_BACKUP_KEY", backup_key, 32))
    for name, value, min_length in keys:
        if value == "" and name != "ROOTMAP_SECRET_KEY":
            continue  # unset: derived from the secret key for that purpose alone
        problem = key_problem(name, value, min_length=min_length)
        if problem:
            problems.append(problem)
    given = [(name, value) for name, value, _ in keys if value]
    for i, (name, value) in enumerate(given):
        for other, other_value in given[i + 1:]:
            if value == other_value:
                problems.append(f"{other} is the same as {name}: each key serves one end")
    return problems


def refusal(problems: list[str]) -> str:
    lines = "\n".join(f"  - {p}" for p in problems)
    return ("Rootmap refuses to start in production with weak settings:\n" + lines +
            "\nFix them, or set ROOTMAP_ALLOW_INSECURE to the reason you accept the risk "
            "(it is logged on every start).")
