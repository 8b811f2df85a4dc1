"""The portable case file and household file, as typed, validated values.

`parse_case(data)` checks both the shape (pydantic) and the clinical rules that need the
client's age (periods not yet reached, items not yet expected, ...), and raises one
`CaseFileError` listing every problem with its JSON path.

>>> case = parse_case({"format": "rootmap-case/1",
...     "client": {"id": "C-1", "birth_date": "2020-01-01"},
...     "assessments": [{"id": "A-1", "kind": "er", "date": "2024-01-01",
...                      "trigger": "loss", "functioning": {"sleep": 2}}]})
>>> case.assessments[0].functioning.sleep
2
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)

from rootmap.core.ages import age_in_months
from rootmap.core.clinician_plan import ClinicianPlan, plan_problems
from rootmap.core.context import ClientContext, context_problems
from rootmap.core.coverage import items_not_expected, periods_not_reached
from rootmap.core.fields import (
    FieldProblem,
    check_field,
    date_problem,
    field_problem,
    item_age_problem,
    period_age_problem,
)
from rootmap.core.limits import name_problem, text_problem
from rootmap.core.notes import MAX_COMMENT, MAX_FAMILY_SUMMARY, MAX_FORMULATION, note_key_problem
from rootmap.core.problems import CaseFileError, Problem, problems_from_validation_error, show
from rootmap.core.sources import presentation_date_problem, role_of
from rootmap.instruments import (
    CURRENT_VERSION,
    Instrument,
    available_versions,
    current_version,
    is_available,
    load_instrument,
)
from rootmap.instruments.catalogue import load_catalogue

__all__ = [
    "Assessment",
    "CaseFile",
    "CaseFileError",
    "FieldProblem",
    "Household",
    "HouseholdChild",
    "Problem",
    "check_field",
    "field_problem",
    "parse_case",
    "parse_document",
    "parse_household",
    "ratings_of",
]

# The ids of the file format (items, periods, categories) are those of the built-in version;
# every available version keeps them (rootmap.instruments.check), so one model serves all.
_INSTRUMENT = load_instrument(CURRENT_VERSION)

Rating05 = Annotated[int, Field(ge=0, le=5, strict=True)]
Rating04 = Annotated[int, Field(ge=0, le=4, strict=True)]


def _plain_text(text: str) -> str:
    """Refuse what no keyboard types and the databases will not store (NUL, lone surrogates)."""
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


PlainText = AfterValidator(_plain_text)


def _name(text: str) -> str:
    """A client's name or id: also something visible, without direction controls."""
    problem = name_problem(text)
    if problem:
        raise ValueError(problem)
    return text


Name = AfterValidator(_name)


def _available_version(version: str) -> str:
    """An instrument version Rootmap can score with (built in or added as data)."""
    if not is_available(version):
        raise ValueError(f"{version!r} is not an available instrument version; expected one of "
                         f"{', '.join(available_versions())} (ROOTMAP_INSTRUMENTS_DIR adds versions)")
    return version


InstrumentVersion = Annotated[str, StringConstraints(min_length=1, max_length=10), AfterValidator(_available_version)]
ShortText = Annotated[str, StringConstraints(max_length=200), PlainText]
LongText = Annotated[str, StringConstraints(max_length=5000), PlainText]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64), PlainText]
# Counts that keep every report quick (README, "Limits"); the web forms allow the same.
MAX_EVENTS = 200
MAX_ROWS = 50  # informants, documents


class _Strict(BaseModel):
    # defer_build: the schema is built once, for the outermost model on its first use, not per class
    # at import (decision 0029, third pass: ~30 ms of `rootmap score`).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _ratings_model(name: str, ids: tuple[str, ...], rating: Any, doc: str) -> type[BaseModel]:
    """A model with one optional rating per item id: unknown keys are errors, missing are null."""
    fields: dict[str, Any] = {item: (rating | None, None) for item in ids}
    return create_model(name, __base__=_Strict, __doc__=doc, **fields)


def ratings_of(model: BaseModel) -> dict[str, Any]:
    """The ratings of a ratings model as a plain dict (fields only; pydantic keeps them in __dict__)."""
    return model.__dict__


class PeriodRatings(_Strict):
    adversity: Rating04 | None = None
    relational_health: Rating04 | None = None


Functioning = _ratings_model(
    "Functioning", _INSTRUMENT.item_ids, Rating05,
    "Current functioning: 0 profound ... 4 age-typical, 5 a strength; missing = not rated.",
)
Relational = _ratings_model(
    "Relational", _INSTRUMENT.relational_item_ids, Rating04,
    "Current relational health: 0 absent ... 4 rich; missing = not rated.",
)
History = create_model(
    "History", __base__=_Strict,
    **{p: (PeriodRatings | None, None) for p in _INSTRUMENT.period_ids},  # type: ignore[call-overload]
)
Internal = _ratings_model("Internal", tuple(i.id for i in _INSTRUMENT.internal_items), Rating04,
                          "Caregivers' internal resources, 0 none ... 4 high.")
External = _ratings_model("External", tuple(i.id for i in _INSTRUMENT.external_items), Rating04,
                          "The household's external resources, 0 none ... 4 high.")
Challenge = _ratings_model("Challenge", tuple(i.id for i in _INSTRUMENT.challenge_items), Rating04,
                           "A child's challenge to the caregiver, 0 none ... 4 extreme.")

# Built from the instrument data, so mypy cannot see their members (hence the ignores).
EventCategory = Literal[tuple(_INSTRUMENT.event_categories)]  # type: ignore[valid-type]
Trigger = Literal[tuple(_INSTRUMENT.triggers)]  # type: ignore[valid-type]
_MAX_AGE = _INSTRUMENT.supported_age_months.max


class Client(_Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=64), Name]
    birth_date: dt.date
    display_name: Annotated[str, StringConstraints(max_length=200), Name] = ""
    # Sex, gender, placements, legal status, school, culture, contacts (rootmap.core.context).
    context: ClientContext | None = None


class Event(_Strict):
    category: EventCategory  # type: ignore[valid-type]
    onset_months: Annotated[int, Field(ge=_INSTRUMENT.periods[0].start, le=_MAX_AGE, strict=True)]
    end_months: Annotated[int, Field(ge=_INSTRUMENT.periods[0].start, le=_MAX_AGE + 1, strict=True)] | None = (
        None
    )
    severity: Annotated[int, Field(ge=1, le=4, strict=True)]
    note: LongText = ""
    source: ShortText = ""


InformantRole = Literal[tuple(_INSTRUMENT.informant_role_ids)]  # type: ignore[valid-type]
Hours = Annotated[float, Field(ge=0, le=200)]
MAX_HOURS = 200


class Informant(_Strict):
    """Who was interviewed: a role from the instrument's list, a name, what else was said
    of them (`description`; an old free-text role is kept here) and the interview hours."""

    # The schema names the list; older free text is still read (below), so it is allowed too.
    role: Annotated[InformantRole, WithJsonSchema({"anyOf": [  # type: ignore[valid-type]
        {"enum": list(_INSTRUMENT.informant_role_ids)},
        {"type": "string", "maxLength": 200,
         "description": "free text from before the list, read as the role it names, else other"}]})]
    name: ShortText = ""
    description: ShortText = ""
    hours: Hours | None = None

    @model_validator(mode="before")
    @classmethod
    def _free_text_role(cls, data: Any) -> Any:
        # Case files from before the list wrote any text as the role: read it as a role,
        # keeping the words (rootmap.core.sources.role_of). Not text: pydantic says so.
        # An empty role names nobody: refused (pydantic names the list), not guessed.
        if isinstance(data, Mapping) and isinstance(data.get("role"), str) and data["role"].strip() \
                and data["role"] not in _INSTRUMENT.informant_role_ids and not text_problem(data["role"]):
            role, said = role_of(_INSTRUMENT, data["role"])
            described = str(data.get("description") or "")
            if said and said != described:
                described = f"{said}; {described}" if described else said
            return {**data, "role": role, "description": described[:200]}
        return data


class TimeSpent(_Strict):
    """Hours by activity other than interviews (those are per informant); missing: not recorded."""

    record_review: Hours | None = None
    preparation: Hours | None = None
    presentation: Hours | None = None


def _sha256(text: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError(f"{show(text[:80])} is not a SHA-256; expected 64 lower-case hexadecimal digits")
    return text


DocumentMediaType = Literal["application/pdf", "image/png", "image/jpeg"]


class DocumentFile(_Strict):
    """The file a document row was reviewed from: its SHA-256 names exactly which bytes."""

    name: ShortText
    media_type: DocumentMediaType
    size: Annotated[int, Field(ge=1, strict=True)]
    sha256: Annotated[str, AfterValidator(_sha256)]


class Document(_Strict):
    title: ShortText
    source: ShortText = ""
    date: dt.date | None = None
    file: DocumentFile | None = None


def _note_keys(items: dict[str, str]) -> dict[str, str]:
    """Comments only on what the instrument rates (rootmap.core.notes)."""
    problems = [p for p in (note_key_problem(key) for key in items) if p]
    if problems:
        raise ValueError("; ".join(problems))
    return items


class Notes(_Strict):
    """The clinician's own words (rootmap.core.notes): the family reads only `family_summary`."""

    formulation: Annotated[str, StringConstraints(max_length=MAX_FORMULATION), PlainText] = ""
    family_summary: Annotated[str, StringConstraints(max_length=MAX_FAMILY_SUMMARY), PlainText] = ""
    items: Annotated[
        dict[str, Annotated[str, StringConstraints(max_length=MAX_COMMENT), PlainText]],
        Field(max_length=200), AfterValidator(_note_keys),
    ] = Field(default_factory=dict)


class Assessment(_Strict):
    id: Identifier
    kind: Literal["full", "follow_up", "er"]
    date: dt.date
    # The version that scores it, kept for good: a case file names it, and one that does
    # not is scored on the current version.
    instrument_version: InstrumentVersion = Field(default_factory=current_version)
    history: History | None = None
    functioning: Functioning = Field(default_factory=Functioning)  # type: ignore[valid-type]
    relational: Relational = Field(default_factory=Relational)  # type: ignore[valid-type]
    trigger: Trigger | None = None  # type: ignore[valid-type]
    informants: list[Informant] = Field(default_factory=list, max_length=MAX_ROWS)
    documents: list[Document] = Field(default_factory=list, max_length=MAX_ROWS)
    hours: TimeSpent | None = None
    presentation_date: dt.date | None = None
    # Why it was signed although too little was rated to say where to start (the phase
    # `undetermined`, clinical model section 6): the clinician's confirmation, kept with it.
    undetermined_reason: LongText | None = None
    # The clinician's decisions on the engine's proposed plan (rootmap.core.clinician_plan).
    clinician_plan: ClinicianPlan | None = None
    notes: Notes | None = None


class CaseFile(_Strict):
    """One client and that client's assessments, oldest first."""

    format: Literal["rootmap-case/1"]
    client: Client
    interests: list[Annotated[str, StringConstraints(min_length=1, max_length=60), PlainText]] = Field(
        default_factory=list, max_length=50
    )
    events: list[Event] = Field(default_factory=list, max_length=MAX_EVENTS)
    assessments: list[Assessment] = Field(default_factory=list, max_length=200)


class Caregiver(_Strict):
    name: ShortText = ""
    role: ShortText = ""


class HouseholdChild(_Strict):
    age_months: Annotated[int, Field(ge=0, le=300, strict=True)]
    client_id: Identifier | None = None
    challenge: Challenge = Field(default_factory=Challenge)  # type: ignore[valid-type]


class Household(_Strict):
    """A caregiving household: its resources and the children in its care."""

    format: Literal["rootmap-household/1"]
    id: Identifier
    date: dt.date
    caregivers: list[Caregiver] = Field(default_factory=list, max_length=20)
    internal: Internal = Field(default_factory=Internal)  # type: ignore[valid-type]
    external: External = Field(default_factory=External)  # type: ignore[valid-type]
    children: list[HouseholdChild] = Field(default_factory=list, max_length=30)


def _assessment_problems(here: str, assessment: Assessment, age: int, instrument: Instrument) -> list[Problem]:
    """Rules for one assessment that depend on its kind and on the client's age then.

    `instrument` is the assessment's own version (`instrument_version`).
    """
    problems: list[Problem] = []
    if assessment.kind == "er":
        if assessment.trigger is None:
            triggers = ", ".join(_INSTRUMENT.triggers)
            problems.append(Problem(f"{here}.trigger", f"is required for an er assessment (one of {triggers})"))
        if assessment.history is not None:
            problems.append(Problem(
                f"{here}.history", "must be absent for an er assessment (a snapshot of current functioning only)"))
    elif assessment.trigger is not None:
        problems.append(Problem(
            f"{here}.trigger", f"{show(assessment.trigger)} is only for er assessments; expected null",
            assessment.trigger))
    if assessment.presentation_date is not None and (wrong := presentation_date_problem(
            assessment.presentation_date, assessment.date)):
        problems.append(Problem(f"{here}.presentation_date", wrong, str(assessment.presentation_date)))
    # The age rules and their words are the single-field checks' (rootmap.core.fields).
    # Only periods not reached and items not expected at this age can have a problem (the
    # rules are rootmap.core.coverage's), so only those are visited, in instrument order.
    if assessment.history is not None:
        for period in periods_not_reached(_INSTRUMENT, age):
            ratings = getattr(assessment.history, period.id)
            for kind, value in (ratings_of(ratings) if ratings is not None else {}).items():
                problem = None if value is None else period_age_problem(period, value, age)
                if problem:
                    problems.append(Problem(f"{here}.history.{period.id}.{kind}", problem, value))
    functioning = ratings_of(assessment.functioning)
    # Ages at which items are expected are the assessment's own version's.
    for item in items_not_expected(instrument, age):
        value = functioning[item.id]
        problem = None if value is None else item_age_problem(item, value, age)
        if problem:
            problems.append(Problem(f"{here}.functioning.{item.id}", problem, value))
    if assessment.clinician_plan is not None:
        problems.extend(plan_problems(f"{here}.clinician_plan", assessment.clinician_plan,
                                      load_catalogue(assessment.instrument_version), assessment_date=assessment.date))
    return problems


def _age_problems(case: CaseFile) -> list[Problem]:
    """The clinical rules that depend on the client's age and on the order of assessments."""
    problems: list[Problem] = []
    birth = case.client.birth_date
    seen_ids: set[str] = set()
    previous_date: dt.date | None = None
    has_full = False
    instruments: dict[str, Instrument] = {}  # each version looked up once per file
    for n, assessment in enumerate(case.assessments):
        here = f"assessments[{n}]"
        when = str(assessment.date)
        if assessment.id in seen_ids:
            problems.append(Problem(
                f"{here}.id", f"{show(assessment.id)} is used by an earlier assessment; ids must be unique",
                assessment.id))
        seen_ids.add(assessment.id)
        if previous_date is not None and assessment.date < previous_date:
            problems.append(Problem(
                f"{here}.date",
                f"{when} is before the previous assessment's date {previous_date}; assessments must be oldest first",
                when))
        previous_date = assessment.date
        if assessment.kind == "follow_up" and not has_full:
            problems.append(Problem(
                f"{here}.kind", "a follow_up needs an earlier full assessment to compare with", "follow_up"))
        has_full = has_full or assessment.kind == "full"
        date_wrong = date_problem(_INSTRUMENT, birth, assessment.date)
        if date_wrong:
            problems.append(Problem(f"{here}.date", date_wrong, when))
        else:
            version = assessment.instrument_version
            instrument = instruments.get(version)
            if instrument is None:
                instrument = instruments[version] = load_instrument(version)
            problems.extend(_assessment_problems(here, assessment, age_in_months(birth, assessment.date), instrument))
    for n, event in enumerate(case.events):
        # A one-off event ends in its onset month (end == onset); only an end before it is wrong.
        if event.end_months is not None and event.end_months < event.onset_months:
            problems.append(Problem(
                f"events[{n}].end_months",
                f"{event.end_months} must not be before onset_months {event.onset_months} "
                "(equal for a one-off event, null when ongoing)",
                event.end_months))
    if case.client.context is not None:
        problems.extend(context_problems(case.client.context, birth_date=birth, here="client.context"))
    return problems


def parse_case(data: Any) -> CaseFile:
    """Validate a case file (a JSON object already decoded) and return it."""
    try:
        case = CaseFile.model_validate(data)
    except ValidationError as error:
        raise CaseFileError(problems_from_validation_error(error)) from None
    problems = _age_problems(case)
    if problems:
        raise CaseFileError(problems)
    return case


def parse_household(data: Any) -> Household:
    """Validate a household file (a JSON object already decoded) and return it."""
    try:
        return Household.model_validate(data)
    except ValidationError as error:
        raise CaseFileError(problems_from_validation_error(error)) from None


def parse_document(data: Any) -> CaseFile | Household:
    """A case file or a household file, told apart by its `format`."""
    fmt = data.get("format") if isinstance(data, Mapping) else None
    if fmt == "rootmap-household/1":
        return parse_household(data)
    if fmt == "rootmap-case/1":
        return parse_case(data)
    if not isinstance(data, Mapping):
        expected = "is not an object; expected a case file or a household file"
        raise CaseFileError([Problem("$", f"{show(data)} {expected}", data)])
    raise CaseFileError([Problem("format", f"{show(fmt)} is not one of 'rootmap-case/1', 'rootmap-household/1'", fmt)])
