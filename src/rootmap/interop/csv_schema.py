"""Every CSV column Rootmap reads or writes, and its data dictionary (`rootmap schema csv`).

The dictionary follows REDCap's data-dictionary columns (variable name, form, field type,
label, choices as `code, label | ...`, validation with min and max, notes), so a study team
can load an export into REDCap or read it the way they read their own instruments. The
columns are built from the instrument data, so a new instrument version lists its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rootmap.core.bands import index_band
from rootmap.core.display import displayed
from rootmap.instruments import Instrument, current, current_version, load_instrument

FORMS = {
    "client_import": "Clients to import (CSV upload on the caseload page)",
    "caseload": "Caseload export: one row per client",
    "results": "Results export: one row per finalised assessment",
    "household_estimates": "Household estimates export: one row per dated estimate",
}
DICTIONARY_HEADER = (
    "Variable / Field Name", "Form Name", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Required Field?", "Field Note",
)
SCORE_NOTE = ("One decimal, half-up, as on screen (a minus is an ASCII '-', so spreadsheets read a number). "
              "Empty when there is too little to score.")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    form: str
    label: str
    field_type: str = "text"          # REDCap: text, notes, dropdown, yesno
    choices: tuple[tuple[str, str], ...] = ()
    validation: str = ""              # REDCap: date_ymd, integer, number
    minimum: float | int | None = None
    maximum: float | int | None = None
    required: bool = False
    note: str = ""

    def dictionary_row(self) -> tuple[Any, ...]:
        choices = " | ".join(f"{code}, {label}" for code, label in self.choices)
        return (self.name, self.form, self.field_type, self.label, choices, self.validation,
                "" if self.minimum is None else self.minimum, "" if self.maximum is None else self.maximum,
                "y" if self.required else "", self.note)


def _labels(ids: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((i, i.replace("_", " ").capitalize()) for i in ids)


# Limits of the client form and the client record (web ClientForm, Client model); a test
# checks they still agree.
REFERENCE_MAX = 40
DISPLAY_NAME_MAX = 120
INTEREST_MAX = 60
INTERESTS_MAX = 50

CLIENT_IMPORT = (
    Column("reference", "client_import", "Client id", required=True,
           note=f"Your organisation's own id, unique within it; at most {REFERENCE_MAX} characters."),
    Column("display_name", "client_import", "Name", required=True,
           note=f"The name the family and team use; at most {DISPLAY_NAME_MAX} characters."),
    Column("birth_date", "client_import", "Birth date", validation="date_ymd", required=True,
           note="YYYY-MM-DD."),
    Column("interests", "client_import", "Interests",
           note=f"Separated by commas, e.g. \"music, dogs\"; each at most {INTEREST_MAX} characters, "
                f"at most {INTERESTS_MAX}. Activities that match an interest are preferred in the plan."),
    Column("clinicians", "client_import", "Caseload (usernames)",
           note="Usernames of the organisation's clinicians who carry the client, separated by commas. "
                "Administrators only; a clinician who imports carries every client imported."),
)


def _phase_choices() -> tuple[tuple[str, str], ...]:
    return (("regulate", "Regulate"), ("relate", "Relate"), ("reason", "Reason"), ("maintain", "Maintain"),
            ("undetermined", "Undetermined (too little rated)"))


_KINDS = (("full", "Full assessment"), ("follow_up", "Follow-up"), ("er", "Rapid (ER) snapshot"))


def caseload_columns() -> tuple[Column, ...]:
    f = "caseload"
    return (
        Column("client_reference", f, "Client id", required=True),
        Column("display_name", f, "Name"),
        Column("birth_date", f, "Birth date", validation="date_ymd"),
        Column("interests", f, "Interests", note="Separated by commas."),
        Column("clinicians", f, "Caseload (usernames)", note="Separated by commas; empty when unassigned."),
        Column("assessments", f, "Finalised assessments", validation="integer", minimum=0,
               note="Current finalised assessments (an amended original is not counted)."),
        Column("latest_assessment_date", f, "Latest assessment date", validation="date_ymd"),
        Column("latest_assessment_kind", f, "Latest assessment kind", "dropdown", _KINDS),
        Column("latest_phase", f, "Phase of the latest assessment", "dropdown", _phase_choices()),
        Column("next_follow_up_due", f, "Next follow-up due", validation="date_ymd",
               note="6 and 12 months after the first full assessment, then every 12 months."),
        Column("follow_up_overdue", f, "Follow-up overdue", "yesno", (("1", "Yes"), ("0", "No"))),
    )


def results_columns(instrument: Instrument | None = None) -> tuple[Column, ...]:
    instrument = instrument or current()
    f = "results"
    risk_bands = _labels([b.band for b in instrument.risk_bands])
    index_bands = _labels([b.band for b in instrument.index_bands])
    columns = [
        Column("client_reference", f, "Client id", required=True),
        Column("assessment_reference", f, "Assessment id", required=True),
        Column("assessment_kind", f, "Kind", "dropdown", _KINDS),
        Column("assessment_date", f, "Assessment date", validation="date_ymd"),
        Column("age_months", f, "Age in completed months", validation="integer",
               minimum=instrument.supported_age_months.min, maximum=instrument.supported_age_months.max),
        Column("instrument_version", f, "Instrument version", note="The version that scored it."),
        Column("developmental_risk", f, "Developmental risk", validation="number", minimum=0, maximum=100,
               note=SCORE_NOTE + " Empty for a rapid (ER) snapshot."),
        Column("risk_band", f, "Risk band", "dropdown", risk_bands),
        Column("peak_period", f, "Period of highest risk", "dropdown",
               tuple((p.id, p.label) for p in instrument.periods)),
    ]
    columns += [Column(f"period_risk_{p.id}", f, f"Risk, {p.label}", validation="number", minimum=0, maximum=100,
                       note=SCORE_NOTE) for p in instrument.periods]
    columns.append(Column("ace_count", f, "ACE-style count", validation="integer", minimum=0,
                          maximum=len(instrument.ace_categories), note="Empty for a rapid (ER) snapshot."))
    for region in instrument.regions:
        d = region.domain
        columns += [
            # `domain_` first: the limbic domain is `relational`, and `relational_band` is relational health's.
            Column(f"domain_{d}_index", f, f"{region.domain_label} index", validation="number", minimum=0, maximum=100,
                   note=SCORE_NOTE),
            Column(f"domain_{d}_band", f, f"{region.domain_label} band", "dropdown", index_bands),
            Column(f"domain_{d}_status", f, f"{region.domain_label} status", "dropdown",
                   (("ok", "Scored"), ("insufficient", "Too few items rated"),
                    ("not_expected", "No items expected at this age"))),
        ]
    columns += [
        Column("functioning_index", f, "Functioning index", validation="number", minimum=0, maximum=100,
               note=SCORE_NOTE),
        Column("functioning_band", f, "Functioning band", "dropdown", index_bands),
        Column("relational_health", f, "Relational health", validation="number", minimum=0, maximum=100,
               note=SCORE_NOTE),
        Column("relational_band", f, "Relational band", "dropdown",
               _labels([b.band for b in instrument.relational.bands])),
        Column("resilience", f, "Resilience", validation="number", minimum=0, maximum=100, note=SCORE_NOTE),
        Column("entry_region", f, "Entry region", "dropdown", tuple((r.id, r.label) for r in instrument.regions)),
        Column("phase", f, "Phase to begin with", "dropdown", _phase_choices()),
        Column("strengths", f, "Strengths (item ids)", note="Items rated a strength, separated by commas."),
        Column("needs", f, "Needs (item ids)",
               note="Items rated 0-2, bottom-up by region, then by rating, separated by commas."),
    ]
    return tuple(columns)


def estimates_columns(instrument: Instrument | None = None) -> tuple[Column, ...]:
    instrument = instrument or current()
    f = "household_estimates"
    reserve_note = ("One decimal, half-up, as on screen (a minus is an ASCII '-', so spreadsheets read a number); "
                    "resources minus demand, so it can be negative.")
    return (
        Column("household_reference", f, "Household id", required=True),
        Column("household_name", f, "Household name"),
        Column("estimate_date", f, "Estimate date", validation="date_ymd"),
        Column("children", f, "Children in the household", validation="integer", minimum=0),
        Column("internal", f, "Internal resources", validation="number", minimum=0, maximum=100, note=SCORE_NOTE),
        Column("external", f, "External resources", validation="number", minimum=0, maximum=100, note=SCORE_NOTE),
        Column("resources", f, "Resources", validation="number", minimum=0, maximum=100, note=SCORE_NOTE),
        Column("demand", f, "Demand", validation="number", minimum=0, note=SCORE_NOTE),
        Column("reserve", f, "Reserve", validation="number", note=reserve_note),
        Column("reserve_band", f, "Reserve band", "dropdown",
               _labels([b.band for b in instrument.caregiver.reserve_bands])),
        Column("instrument_version", f, "Instrument version"),
    )


def all_columns() -> tuple[Column, ...]:
    return (*CLIENT_IMPORT, *caseload_columns(), *results_columns(), *estimates_columns())


def dictionary_rows() -> list[tuple[Any, ...]]:
    return [c.dictionary_row() for c in all_columns()]


def _as_shown(row: dict[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    """Every score of `row` as every screen shows it (core.display: half-up, one decimal), as
    an exact Decimal: a spreadsheet reads 66.3, not the float 66.25000000000001, and a
    negative keeps an ASCII '-' (the screen's U+2212 would make it text)."""
    for column in columns:
        value = row.get(column.name)
        if column.validation == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            row[column.name] = displayed(float(value))
    return row


def results_row(client_reference: str, assessment_reference: str, result: Mapping[str, Any],
                instrument: Instrument | None = None) -> dict[str, Any]:
    """One results row from a stored result (the score output of the case-file format)."""
    if instrument is None:
        try:
            instrument = load_instrument(str(result.get("instrument_version") or current_version()))
        except KeyError:  # a version no longer installed: its stored numbers still export
            instrument = current()
    functioning = result.get("functioning_index")
    row: dict[str, Any] = {
        "client_reference": client_reference,
        "assessment_reference": assessment_reference,
        "assessment_kind": result.get("kind"),
        "assessment_date": result.get("date"),
        "age_months": result.get("age_months"),
        "instrument_version": result.get("instrument_version"),
        "developmental_risk": result.get("developmental_risk"),
        "risk_band": result.get("risk_band"),
        "peak_period": result.get("peak_period"),
        "ace_count": result.get("ace_count"),
        "functioning_index": functioning,
        # Stored before core kept the band in the result: core's one rule for it.
        "functioning_band": result.get("functioning_band", index_band(instrument, functioning)),
        "relational_health": result.get("relational_health"),
        "relational_band": result.get("relational_band"),
        "resilience": result.get("resilience"),
        "entry_region": result.get("entry_region"),
        "phase": result.get("phase"),
        "strengths": ", ".join(result.get("strengths") or []),
        "needs": ", ".join(result.get("needs") or []),
    }
    for period in instrument.periods:
        row[f"period_risk_{period.id}"] = (result.get("period_risk") or {}).get(period.id)
    for domain in instrument.domain_ids:
        scored = (result.get("domains") or {}).get(domain) or {}
        row[f"domain_{domain}_index"] = scored.get("index")
        row[f"domain_{domain}_band"] = scored.get("band")
        row[f"domain_{domain}_status"] = scored.get("status")
    return _as_shown(row, _results_numbers(instrument))


# The results columns written as scores, per instrument object: results_row runs once per
# row of an export (100,000s), and building the columns was half of its time.
_NUMBERS: dict[int, tuple[Instrument, tuple[Column, ...]]] = {}


def _results_numbers(instrument: Instrument) -> tuple[Column, ...]:
    known = _NUMBERS.get(id(instrument))
    if known is None or known[0] is not instrument:
        if len(_NUMBERS) > 32:  # instruments loaded from folders (tests): never many at once
            _NUMBERS.clear()
        known = (instrument, tuple(c for c in results_columns(instrument) if c.validation == "number"))
        _NUMBERS[id(instrument)] = known
    return known[1]


def estimates_row(household_reference: str, household_name: str, date: str, children: int,
                  result: Mapping[str, Any]) -> dict[str, Any]:
    return _as_shown({
        "household_reference": household_reference, "household_name": household_name,
        "estimate_date": date, "children": children,
        **{k: result.get(k) for k in ("internal", "external", "resources", "demand", "reserve", "reserve_band",
                                      "instrument_version")},
    }, estimates_columns())


def ordered(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Header and cells in the columns' order (a missing key is an empty cell)."""
    names = [c.name for c in columns]
    return names, [[row.get(n) for n in names] for row in rows]
