"""Small helpers the assessment view models share."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse


def html_id(name: str) -> str:
    return name.replace(".", "-").replace("_", "-")


def first_url(names: tuple[str, ...], *args: Any) -> str | None:
    """The first of several URL names that exists (pages owned by other parts of the app)."""
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def text_or_blank(value: Any) -> str:
    return "" if value is None else str(value)


BAND_TONE = {
    "low": "ok", "typical": "ok", "strong": "ok", "adequate": "info",
    "moderate": "warn", "mild": "info", "limited": "warn",
    "high": "bad", "very_high": "bad", "severe": "bad", "impoverished": "bad",
    "improved": "ok", "stable": "info", "declined": "bad",
}
