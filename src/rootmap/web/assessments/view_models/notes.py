"""The clinician's notes on the entry and results pages (decision 0022)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rootmap.core.notes import MAX_COMMENT, MAX_FAMILY_SUMMARY, MAX_FORMULATION
from rootmap.instruments import Instrument
from rootmap.web.assessments.notes import comment_field, notes_of
from rootmap.web.assessments.view_models.common import html_id, text_or_blank


@dataclass
class NoteField:
    name: str
    label: str
    value: str
    error: str
    limit: int
    subject: str = ""  # what a comment is about ("Sleep"), for its disclosure's name

    @property
    def id(self) -> str:
        return html_id(self.name)


@dataclass
class EntryNotes:
    formulation: NoteField
    family_summary: NoteField

    @property
    def fields(self) -> list[NoteField]:
        return [self.formulation, self.family_summary]


def _field(name: str, label: str, stored: str, limit: int, values: dict[str, Any],
           errors: dict[str, str]) -> NoteField:
    value = text_or_blank(values[name]) if name in values else stored
    return NoteField(name=name, label=label, value=value, error=errors.get(name, ""), limit=limit)


def attach_notes(page: Any, inputs: dict[str, Any], values: dict[str, Any], errors: dict[str, str]) -> None:
    """Give the entry page its note fields: formulation, family summary, one comment per item."""
    notes = notes_of(inputs)
    page.notes = EntryNotes(
        formulation=_field("notes.formulation", "Formulation", notes["formulation"], MAX_FORMULATION,
                           values, errors),
        family_summary=_field("notes.family_summary", "Summary for the family", notes["family_summary"],
                              MAX_FAMILY_SUMMARY, values, errors),
    )
    items = notes["items"]

    def comment(key: str, label: str) -> NoteField:
        note = _field(comment_field(key), f"Comment on {label}", items.get(key, ""), MAX_COMMENT,
                      values, errors)
        note.subject = label
        return note

    for region in page.regions:
        for f in region.items:
            f.comment = comment(f.name, f.label)
    for f in page.relational:
        f.comment = comment(f.name, f.label)
    for section in page.periods:
        section.comment = comment(f"history.{section.period.id}", section.period.label)


@dataclass
class ItemComment:
    label: str
    text: str


@dataclass
class ResultsNotes:
    formulation: str
    family_summary: str
    comments: list[tuple[str, list[ItemComment]]]

    @property
    def empty(self) -> bool:
        return not (self.formulation or self.family_summary or self.comments)


def results_notes(instrument: Instrument, signed_assessment: dict[str, Any] | None) -> ResultsNotes:
    """The notes as signed, items in the instrument's order, grouped by section."""
    notes = notes_of(signed_assessment)
    items = notes["items"]
    groups: list[tuple[str, list[ItemComment]]] = []
    sections = (
        ("Current functioning", [(f"functioning.{i.id}", i.label) for i in instrument.functioning_items]),
        ("Current relational health", [(f"relational.{i.id}", i.label) for i in instrument.relational_items]),
        ("Developmental history", [(f"history.{p.id}", p.label) for p in instrument.periods]),
    )
    for title, keys in sections:
        found = [ItemComment(label, items[key]) for key, label in keys if items.get(key)]
        if found:
            groups.append((title, found))
    return ResultsNotes(formulation=notes["formulation"], family_summary=notes["family_summary"],
                        comments=groups)
