"""Small helpers the assessment view models share."""

from __future__ import annotations

from typing import Any


def html_id(name: str) -> str:
    return name.replace(".", "-").replace("_", "-")


def text_or_blank(value: Any) -> str:
    return "" if value is None else str(value)

