"""What the client page, the context page and the household page show of a client's context.

Typed view models built from the stored context (validated on every write) with the
core's words (rootmap.core.context): no list of words lives in a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from rootmap.core import context as words
from rootmap.core.context import ClientContext, Contact
from rootmap.web.clients.context_forms import ROWS, SINGLE_FIELDS, form_id


def stored_context(stored: Mapping[str, Any] | None) -> ClientContext:
    """The stored context as the core's model (an unreadable one reads as nothing recorded)."""
    try:
        return ClientContext.model_validate(stored or {})
    except ValidationError:
        return ClientContext()


@dataclass(frozen=True)
class ContextSummary:
    empty: bool
    facts: list[tuple[str, str]]          # (label, text) of single facts recorded
    current_placement: str                # "" when none is open
    placements: list[str]                 # oldest first
    legal_status: str
    caregivers: list[Contact]
    professionals: list[Contact]
    cultural_notes: str


def context_summary(stored: Mapping[str, Any] | None) -> ContextSummary:
    ctx = stored_context(stored)
    facts: list[tuple[str, str]] = []
    if ctx.sex != "not_recorded":
        facts.append(("Sex", words.SEXES[ctx.sex]))
    if ctx.gender != "not_recorded":
        facts.append(("Gender", words.gender_text(ctx)))
    if ctx.pronouns:
        facts.append(("Pronouns", ctx.pronouns))
    if ctx.school or ctx.school_year:
        facts.append(("School", ", ".join(x for x in (ctx.school, ctx.school_year) if x)))
    if ctx.languages:
        facts.append(("Languages", ctx.languages))
    if ctx.interpreter_needed is not None:
        facts.append(("Interpreter needed", words.INTERPRETER[ctx.interpreter_needed]))
    current = words.current_placement(ctx)
    return ContextSummary(
        empty=words.is_empty(ctx), facts=facts,
        current_placement=words.placement_text(current) if current else "",
        placements=[words.placement_text(p) + (f" ({p.note})" if p.note else "")
                    for p in words.placements_in_order(ctx)],
        legal_status=words.legal_status_text(ctx) if ctx.legal_status != "not_recorded" else "",
        caregivers=words.caregivers(ctx),
        professionals=[c for c in ctx.contacts if c.kind == "professional"],
        cultural_notes=ctx.cultural_notes,
    )


def household_line(stored: Mapping[str, Any] | None) -> str:
    """A linked child's current placement and legal status, for the household page."""
    ctx = stored_context(stored)
    current = words.current_placement(ctx)
    parts = [words.placement_text(current) if current else "",
             f"legal status: {words.legal_status_text(ctx)}" if ctx.legal_status != "not_recorded" else ""]
    return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Cell:
    id: str
    name: str
    value: str


@dataclass
class FormRow:
    n: int
    cells: dict[str, Cell]
    blank: bool = False


@dataclass
class ContextPage:
    values: dict[str, str]
    ids: dict[str, str]
    placements: list[FormRow]
    contacts: list[FormRow]
    choices: dict[str, list[Choice]] = field(default_factory=dict)


def _text(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "" if value is None else str(value)


def _rows(prefix: str, rows: list[Mapping[str, Any]]) -> list[FormRow]:
    """The stored rows and one empty row more, for adding."""
    fields = ROWS[prefix][1]

    def row(n: int, values: Mapping[str, Any], blank: bool = False) -> FormRow:
        return FormRow(n, {f: Cell(form_id(f"{prefix}-{n}-{f}"), f"{prefix}-{n}-{f}", _text(values.get(f)))
                           for f in fields}, blank=blank)

    return [*(row(n, r) for n, r in enumerate(rows)), row(len(rows), {}, blank=True)]


def context_page(data: Mapping[str, Any]) -> ContextPage:
    """The form's values: the stored context, or what was typed (a refused Save)."""
    values = {name: _text(data.get(name)) for name in SINGLE_FIELDS}
    for name in ("sex", "gender", "legal_status"):
        values[name] = values[name] or "not_recorded"
    return ContextPage(
        values=values, ids={name: form_id(name) for name in SINGLE_FIELDS},
        placements=_rows("placement", list(data.get("placements") or [])),
        contacts=_rows("contact", list(data.get("contacts") or [])),
        choices={
            "sex": [Choice(k, v) for k, v in words.SEXES.items()],
            "gender": [Choice(k, v) for k, v in words.GENDERS.items()],
            "legal_status": [Choice(k, v) for k, v in words.LEGAL_STATUSES.items()],
            "placement_type": [Choice(k, v) for k, v in words.PLACEMENT_TYPES.items()],
            "contact_kind": [Choice(k, v) for k, v in words.CONTACT_KINDS.items()],
            "interpreter": [Choice("", "Not recorded"), Choice("yes", "Yes"), Choice("no", "No")],
        },
    )


def caregiver_suggestions(clients: list[Any]) -> list[tuple[str, str]]:
    """(name, relationship) of the caregivers recorded for the given (visible) clients, once each."""
    seen: dict[tuple[str, str], None] = {}
    for client in clients:
        for c in words.caregivers(stored_context(getattr(client, "context", None))):
            seen.setdefault((c.name, c.relationship), None)
    return list(seen)
