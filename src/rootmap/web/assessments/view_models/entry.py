"""The entry page of a draft assessment: its rating fields, rows, triggers and events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rootmap.core.ages import age_in_months
from rootmap.core.carried import still_carried
from rootmap.core.coverage import items_expected, items_not_expected, periods_not_reached, periods_reached
from rootmap.core.scoring import carry_forward_with_sources
from rootmap.instruments import Instrument, load_instrument
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import earlier_assessments
from rootmap.web.assessments.validation import CARRIED, ROW_FIELDS
from rootmap.web.assessments.view_models.common import html_id, text_or_blank
from rootmap.web.assessments.view_models.notes import attach_notes


@dataclass
class Choice:
    value: str
    word: str
    anchor: str
    checked: bool


@dataclass
class RatingField:
    name: str
    label: str
    description: str
    value: str
    choices: list[Choice]
    error: str = ""
    previous: str = ""      # follow-up: last time's rating, as a hint
    carried: str = ""       # follow-up history: the value carried from earlier assessments
    comment: Any = None     # functioning and relational: the clinician's comment (view_models/notes.py)
    unconfirmed: bool = False  # follow-up: a value carried from `previous`, not confirmed yet
    section: str = ""       # history, functioning or relational (progress and keyboard rating)

    @property
    def rated(self) -> bool:
        """Counted as rated by the progress counters: a value, or history carried by the model."""
        return self.value != "" or bool(self.carried)

    @property
    def top(self) -> str:
        """The highest level of its scale (number keys above it are refused with a hint)."""
        return self.choices[-1].value if self.choices else ""

    @property
    def id(self) -> str:
        return html_id(self.name)


@dataclass
class RowCell:
    name: str
    id: str
    key: str
    label: str
    value: str
    error: str


@dataclass
class Row:
    index: int
    fields: list[RowCell]
    file: dict[str, Any] | None = None  # a document's attached file (rootmap.web.sources)


@dataclass
class PeriodSection:
    period: Any
    ratings: list[RatingField]
    new: bool         # a follow-up reaches this period for the first time
    folded: bool      # a follow-up folds away periods that carry their ratings unchanged
    summary: str      # the carried ratings in words, shown when folded
    comment: Any = None  # the clinician's comment on the period (view_models/notes.py)


@dataclass
class RegionSection:
    region: Any
    items: list[RatingField]


@dataclass
class SectionProgress:
    """One section's counter: "21 of 32 rated", and how many carried values wait for confirming."""

    id: str
    label: str
    rated: int
    total: int
    unconfirmed: int


@dataclass
class EntryPage:
    instrument: Instrument
    age: int
    periods: list[PeriodSection] = field(default_factory=list)
    periods_not_reached: list[Any] = field(default_factory=list)
    regions: list[RegionSection] = field(default_factory=list)
    not_expected: list[Any] = field(default_factory=list)
    relational: list[RatingField] = field(default_factory=list)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    triggers: list[Choice] = field(default_factory=list)
    carried_from: list[str] = field(default_factory=list)
    notes: Any = None  # formulation and family summary (view_models/notes.py)
    previous_reference: str = ""   # the assessment a follow-up's carried ratings came from

    def fields(self, section: str) -> list[RatingField]:
        if section == "history":
            return [f for p in self.periods for f in p.ratings]
        if section == "functioning":
            return [f for r in self.regions for f in r.items]
        return list(self.relational) if section == "relational" else []

    @property
    def progress(self) -> list[SectionProgress]:
        labels = {"history": "History", "functioning": "Functioning", "relational": "Relationships"}
        sections = [s for s in labels if s != "history" or self.periods]
        return [SectionProgress(s, labels[s], sum(f.rated for f in self.fields(s)), len(self.fields(s)),
                                sum(f.unconfirmed for f in self.fields(s))) for s in sections]

    @property
    def overall(self) -> SectionProgress:
        parts = self.progress
        return SectionProgress("overall", "Overall", sum(p.rated for p in parts), sum(p.total for p in parts),
                               sum(p.unconfirmed for p in parts))


@dataclass
class EventRow:
    category: str
    onset: int | None
    end: int | None
    severity: Any
    note: str
    source: str
    counted: bool     # started by the assessment date (later events are shown, not counted)


def _choices(scale: dict[int, str], anchors: dict[int, str] | None, value: str) -> list[Choice]:
    return [Choice(str(level), word, (anchors or {}).get(level, ""), value == str(level))
            for level, word in sorted(scale.items())]


def carried_history(earlier: list[Assessment]) -> dict[str, dict[str, tuple[int, str]]]:
    """The history in force after `earlier` (oldest first), per period and rating with the
    assessment it came from: the core's carry-forward rule, the one scoring uses."""
    steps = carry_forward_with_sources(
        (a.kind, a.reference, None if a.kind == Assessment.Kind.ER else (a.inputs or {}).get("history"))
        for a in earlier)
    return next((step for step in reversed(steps) if step is not None), {})


def entry_page(
    assessment: Assessment,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> EntryPage:
    """Everything the entry page shows. `values` (a refused whole-form save) win over stored ones."""
    instrument = load_instrument(assessment.instrument_version)
    inputs = assessment.inputs or {}
    values = values or {}
    errors = errors or {}
    age = age_in_months(assessment.client.birth_date, assessment.date)
    page = EntryPage(instrument=instrument, age=age)

    def current(name: str, stored: Any) -> str:
        return text_or_blank(values[name]) if name in values else text_or_blank(stored)

    earlier = earlier_assessments(assessment)
    previous = earlier[-1] if earlier else None
    previous_functioning = (previous.inputs or {}).get("functioning", {}) if previous else {}
    previous_relational = (previous.inputs or {}).get("relational", {}) if previous else {}
    follow_up = assessment.kind == Assessment.Kind.FOLLOW_UP
    carried = carried_history(earlier) if follow_up else {}
    page.carried_from = sorted({ref for p in carried.values() for _v, ref in p.values()})
    page.previous_reference = previous.reference if previous else ""
    unconfirmed = set(still_carried(inputs.get(CARRIED) or [], inputs))

    if assessment.kind != Assessment.Kind.ER:
        history = inputs.get("history") or {}
        for period in periods_reached(instrument, age):
            stored = history.get(period.id) or {}
            ratings = []
            for kind, scale in instrument.history_scales.items():
                name = f"history.{period.id}.{kind}"
                carried_value = carried.get(period.id, {}).get(kind)
                ratings.append(RatingField(
                    name=name,
                    label="Adversity" if kind == "adversity" else "Relational health",
                    description="",
                    value=current(name, stored.get(kind)),
                    choices=_choices(scale, None, current(name, stored.get(kind))),
                    error=errors.get(name, ""),
                    carried=f"{carried_value[0]} {scale[carried_value[0]]} (from {carried_value[1]})"
                    if carried_value else "",
                    section="history",
                ))
            page.periods.append(PeriodSection(
                period=period, ratings=ratings,
                new=follow_up and period.id not in carried,
                # A follow-up folds away periods that carry their ratings and were not changed.
                folded=follow_up and period.id in carried and all(r.value == "" and not r.error for r in ratings),
                summary="; ".join(f"{r.label.lower()} {r.carried.split(' (from')[0] if r.carried else 'not rated'}"
                                  for r in ratings),
            ))
        page.periods_not_reached = list(periods_not_reached(instrument, age))

    functioning = inputs.get("functioning") or {}
    expected = {i.id for i in items_expected(instrument, age)}
    for region in instrument.regions:
        items = []
        for item in instrument.functioning_items:
            if item.region != region.id or item.id not in expected:
                continue
            name = f"functioning.{item.id}"
            value = current(name, functioning.get(item.id))
            prev = previous_functioning.get(item.id)
            items.append(RatingField(
                name=name, label=item.label, description=item.description, value=value,
                choices=_choices(instrument.functioning_scale, item.anchors, value),
                error=errors.get(name, ""),
                previous=f"{prev} {instrument.functioning_scale[prev]}" if prev is not None and previous else "",
                unconfirmed=name in unconfirmed, section="functioning",
            ))
        page.regions.append(RegionSection(region=region, items=items))
    page.not_expected = list(items_not_expected(instrument, age))

    relational = inputs.get("relational") or {}
    for rel in instrument.relational_items:
        name = f"relational.{rel.id}"
        value = current(name, relational.get(rel.id))
        prev = previous_relational.get(rel.id)
        page.relational.append(RatingField(
            name=name, label=rel.label, description=rel.description, value=value,
            choices=_choices(instrument.relational.scale, rel.anchors, value),
            error=errors.get(name, ""),
            previous=f"{prev} {instrument.relational.scale[prev]}" if prev is not None and previous else "",
            unconfirmed=name in unconfirmed, section="relational",
        ))

    for section, keys in ROW_FIELDS.items():
        rows = []
        for index, row in enumerate(inputs.get(section) or []):
            cells = []
            for key in keys:
                name = f"{section}.{index}.{key}"
                cells.append(RowCell(name=name, id=html_id(name), key=key, label=key.capitalize(),
                                     value=current(name, row.get(key)), error=errors.get(name, "")))
            rows.append(Row(index=index, fields=cells, file=row.get("file")))
        page.rows[section] = rows

    trigger = current("trigger", inputs.get("trigger"))
    page.triggers = [Choice(key, label, "", trigger == key) for key, label in instrument.triggers.items()]
    attach_notes(page, inputs, values, errors)
    return page


def event_rows(client: Any, instrument: Instrument, on: dt.date) -> list[EventRow]:
    """The client's adverse events, oldest first, marked when they start after `on`."""
    age = age_in_months(client.birth_date, on)
    rows = []
    for event in sorted(client.events or [], key=lambda e: (e.get("onset_months", 0), e.get("category", ""))):
        rows.append(EventRow(
            category=instrument.event_categories.get(event.get("category"), event.get("category")),
            onset=event.get("onset_months"),
            end=event.get("end_months"),
            severity=event.get("severity"),
            note=event.get("note", ""),
            source=event.get("source", ""),
            counted=(event.get("onset_months") or 0) <= age,
        ))
    return rows
