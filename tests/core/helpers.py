"""Small builders of case-file dicts for the scoring tests."""

from __future__ import annotations

from typing import Any

from rootmap.instruments import load_instrument

INSTRUMENT = load_instrument("1")
ITEMS = INSTRUMENT.functioning_items
DOMAIN_ITEMS = {
    d: [i.id for i in ITEMS if i.domain == d] for d in INSTRUMENT.domain_ids
}
ADULT_BIRTH = "2010-01-01"  # 180 months old on 2025-01-01: every item and period is reached


def all_items(rating: int | None, age_months: int = 240) -> dict[str, int | None]:
    return {i.id: rating for i in ITEMS if i.min_age_months <= age_months}


def assessment(
    *, id: str = "A-1", kind: str = "full", date: str = "2025-01-01", **fields: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": id, "kind": kind, "date": date, "instrument_version": "1"}
    if kind == "er":
        data["trigger"] = fields.pop("trigger", "placement_change")
    data.update(fields)
    return data


def case(
    *assessments: dict[str, Any], birth: str = ADULT_BIRTH, events: list[dict[str, Any]] | None = None,
    interests: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "format": "rootmap-case/1",
        "client": {"id": "C-1", "birth_date": birth, "display_name": "Test"},
        "interests": interests or [],
        "events": events or [],
        "assessments": list(assessments),
    }
