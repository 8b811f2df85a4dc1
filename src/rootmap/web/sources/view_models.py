"""The entry page's time fields: hours by activity and the presentation date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rootmap.core.sources import ACTIVITIES
from rootmap.web.assessments.view_models.common import html_id, text_or_blank


@dataclass(frozen=True)
class TimeField:
    name: str
    label: str
    value: str
    error: str
    kind: str  # "hours" or "date"

    @property
    def id(self) -> str:
        return html_id(self.name)


def hours_fields(assessment: Any, values: dict[str, Any], errors: dict[str, str]) -> tuple[list[TimeField], str]:
    """The fields (typed values of a refused form post win) and the hours so far in all."""
    inputs = assessment.inputs or {}
    stored = inputs.get("hours") or {}

    def current(name: str, value: Any) -> str:
        return text_or_blank(values[name]) if name in values else text_or_blank(value)

    fields = [TimeField(f"hours.{aid}", f"{label} hours", current(f"hours.{aid}", stored.get(aid)),
                        errors.get(f"hours.{aid}", ""), "hours") for aid, label in ACTIVITIES]
    fields.append(TimeField("presentation_date", "Presentation date",
                            current("presentation_date", inputs.get("presentation_date")),
                            errors.get("presentation_date", ""), "date"))
    total = sum(float(v) for v in stored.values() if isinstance(v, int | float)) + sum(
        float(r.get("hours")) for r in inputs.get("informants") or []
        if isinstance(r, dict) and isinstance(r.get("hours"), int | float))
    return fields, f"{total:g}" if total else ""
