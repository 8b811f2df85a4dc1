"""A client's context: sex and gender, placements, legal status, school, culture and language,
and the people around them (caregivers and professionals).

The one home of the context's words (every list below) and rules (placement dates). The
web pages, the reports and the case file all read them from here.

Placements follow each other: each has a start and (except the current one) an end; a
move on the same day is fine (one ends on the day the next starts), an end before its
start or two placements at once are refused, naming the row and the field.

>>> ctx = parse_context({"placements": [
...     {"type": "foster", "start": "2021-03-01", "end": "2023-06-30"},
...     {"type": "kinship", "start": "2023-06-30"}]})
>>> current_placement(ctx).type
'kinship'
>>> [str(p) for p in context_problems(ClientContext.model_validate({"placements": [
...     {"type": "foster", "start": "2021-03-01", "end": "2020-01-01"}]}))]
['placements[0].end: 2020-01-01 is before its start 2021-03-01; expected the same date or later']
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from rootmap.core.limits import text_problem
from rootmap.core.problems import CaseFileError, Problem, problems_from_validation_error

# --- The words (ids are the case file's; labels are what pages and reports print) -------

# Sex as recorded (e.g. at birth); gender is the young person's own, recorded separately.
SEXES: dict[str, str] = {
    "not_recorded": "Not recorded",
    "female": "Female",
    "male": "Male",
    "intersex": "Intersex (a variation of sex characteristics)",
}
# A short list for recording quickly, and the young person's own words whenever the list
# does not fit: "in their own words" keeps a free-text description.
GENDERS: dict[str, str] = {
    "not_recorded": "Not recorded",
    "girl": "Girl or young woman",
    "boy": "Boy or young man",
    "non_binary": "Non-binary",
    "questioning": "Questioning or not sure yet",
    "self_described": "In their own words",
    "prefers_not_to_say": "Prefers not to say",
}
PLACEMENT_TYPES: dict[str, str] = {
    "birth_family": "Birth family",
    "kinship": "Kinship care",
    "foster": "Foster care",
    "residential": "Residential care",
    "adoptive": "Adoptive family",
    "independent": "Independent or supported living",
}
# Jurisdiction-neutral words: "other" keeps the local name of an order.
LEGAL_STATUSES: dict[str, str] = {
    "not_recorded": "Not recorded",
    "no_order": "No order (living with parents)",
    "voluntary": "Voluntary care agreement",
    "interim_order": "Interim or emergency order",
    "care_order": "Care or custody order",
    "guardianship": "Guardianship or special guardianship",
    "adopted": "Adoption order",
    "youth_justice": "Youth justice order",
    "other": "Other",
}
CONTACT_KINDS: dict[str, str] = {
    "caregiver": "Caregiver",
    "professional": "Professional",
}
INTERPRETER: dict[bool | None, str] = {None: "Not recorded", True: "Yes", False: "No"}

MAX_PLACEMENTS = 50
MAX_CONTACTS = 30

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-/]+$")


def _plain(text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _email(text: str) -> str:
    if text and not _EMAIL.match(text):
        raise ValueError(f"{text!r} is not an email address; expected name@example.org")
    return text


def _phone(text: str) -> str:
    if text and (not _PHONE.match(text) or sum(ch.isdigit() for ch in text) < 3):
        raise ValueError(f"{text!r} is not a phone number; expected digits, spaces, + ( ) - only")
    return text


ShortText = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True), AfterValidator(_plain)]
LongText = Annotated[str, StringConstraints(max_length=5000), AfterValidator(_plain)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True),
                 AfterValidator(_plain)]
Email = Annotated[str, StringConstraints(max_length=200, strip_whitespace=True), AfterValidator(_email)]
Phone = Annotated[str, StringConstraints(max_length=40, strip_whitespace=True), AfterValidator(_phone)]

# Built from the lists above, so mypy cannot see their members (hence the ignores).
Sex = Literal[tuple(SEXES)]  # type: ignore[valid-type]
Gender = Literal[tuple(GENDERS)]  # type: ignore[valid-type]
PlacementType = Literal[tuple(PLACEMENT_TYPES)]  # type: ignore[valid-type]
LegalStatus = Literal[tuple(LEGAL_STATUSES)]  # type: ignore[valid-type]
ContactKind = Literal[tuple(CONTACT_KINDS)]  # type: ignore[valid-type]


class _Strict(BaseModel):
    # defer_build: the schema is built once, for the outermost model on its first use, not per class
    # at import (decision 0029, third pass: ~30 ms of `rootmap score`).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Placement(_Strict):
    type: PlacementType  # type: ignore[valid-type]
    start: dt.date
    end: dt.date | None = None  # none: the current placement
    note: ShortText = ""  # e.g. the carers or the agency


class Contact(_Strict):
    name: Name
    kind: ContactKind  # type: ignore[valid-type]
    relationship: ShortText = ""  # a caregiver's relationship, a professional's role
    organisation: ShortText = ""
    phone: Phone = ""
    email: Email = ""


class ClientContext(_Strict):
    sex: Sex = "not_recorded"  # type: ignore[valid-type]
    gender: Gender = "not_recorded"  # type: ignore[valid-type]
    gender_description: ShortText = ""  # their own words, with gender "self_described"
    pronouns: ShortText = ""
    placements: list[Placement] = Field(default_factory=list, max_length=MAX_PLACEMENTS)
    legal_status: LegalStatus = "not_recorded"  # type: ignore[valid-type]
    legal_status_other: ShortText = ""  # the order's local name, with legal status "other"
    school: ShortText = ""
    school_year: ShortText = ""  # "Year 5", "Grade 3": the school's own words
    languages: ShortText = ""
    interpreter_needed: bool | None = None
    cultural_notes: LongText = ""
    contacts: list[Contact] = Field(default_factory=list, max_length=MAX_CONTACTS)


def _until(placement: Placement) -> str:
    return placement.end.isoformat() if placement.end else "now"


def context_problems(context: ClientContext, *, birth_date: dt.date | None = None,
                     today: dt.date | None = None, here: str = "") -> list[Problem]:
    """The rules across fields: placement dates, and text that belongs to another choice.

    Paths are `placements[N].field` (N as stored, from 0), prefixed by `here` ("client.context").
    """
    at = f"{here}." if here else ""
    problems: list[Problem] = []
    if context.gender_description and context.gender != "self_described":
        problems.append(Problem(f"{at}gender_description", "is kept only with the gender "
                                f"'{GENDERS['self_described']}'; choose it, or clear the description"))
    if context.legal_status_other and context.legal_status != "other":
        problems.append(Problem(f"{at}legal_status_other", "is kept only with the legal status 'Other'; "
                                "choose it, or clear the text"))
    rows = context.placements
    for n, p in enumerate(rows):
        path = f"{at}placements[{n}]"
        if p.end is not None and p.end < p.start:
            problems.append(Problem(f"{path}.end", f"{p.end} is before its start {p.start}; "
                                    "expected the same date or later", p.end.isoformat()))
        if birth_date is not None and p.start < birth_date:
            problems.append(Problem(f"{path}.start", f"{p.start} is before the birth date {birth_date}",
                                    p.start.isoformat()))
        for field in ("start", "end"):
            value = getattr(p, field)
            if today is not None and value is not None and value > today:
                problems.append(Problem(f"{path}.{field}", f"{value} is in the future; expected {today} "
                                        "or earlier", value.isoformat()))
    open_rows = [n for n, p in enumerate(rows) if p.end is None]
    for n in open_rows[1:]:
        problems.append(Problem(f"{at}placements[{n}].end", f"is empty, as is placements[{open_rows[0]}]'s: only "
                                "the current placement has no end date; give the earlier one its end"))
    # Two at once: a later-starting placement begins before an earlier one ends (a move on
    # the same day is fine). Reported on the later one; reversed rows are left to their own message.
    ordered = sorted((n for n, p in enumerate(rows) if p.end is None or p.end >= p.start),
                     key=lambda n: (rows[n].start, n))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            first, later = rows[a], rows[b]
            if first.end is None or later.start < first.end:
                problems.append(Problem(
                    f"{at}placements[{b}].start",
                    f"{later.start} overlaps placements[{a}] ({PLACEMENT_TYPES[first.type].lower()}, "
                    f"{first.start} to {_until(first)}); a placement starts on or after the previous one's end",
                    later.start.isoformat()))
    return problems


def parse_context(data: Any, *, birth_date: dt.date | None = None, today: dt.date | None = None) -> ClientContext:
    """Validate a context (decoded JSON) and return it; CaseFileError names every problem."""
    try:
        context = ClientContext.model_validate(data)
    except ValidationError as error:
        raise CaseFileError(problems_from_validation_error(error)) from None
    problems = context_problems(context, birth_date=birth_date, today=today)
    if problems:
        raise CaseFileError(problems)
    return context


def context_json(context: ClientContext) -> dict[str, Any]:
    """The context as stored and exported: only what was recorded (defaults left out)."""
    return context.model_dump(mode="json", exclude_defaults=True)


def current_placement(context: ClientContext) -> Placement | None:
    """The open placement (no end date): where the child lives now."""
    return next((p for p in context.placements if p.end is None), None)


def placements_in_order(context: ClientContext) -> list[Placement]:
    """Placements oldest first (rows are stored as entered)."""
    return sorted(context.placements, key=lambda p: (p.start, p.end or dt.date.max))


def gender_text(context: ClientContext) -> str:
    if context.gender == "self_described":
        return context.gender_description or GENDERS["self_described"] + " (not given)"
    return GENDERS[context.gender]


def legal_status_text(context: ClientContext) -> str:
    if context.legal_status == "other":
        return f"Other: {context.legal_status_other}" if context.legal_status_other else "Other (not named)"
    return LEGAL_STATUSES[context.legal_status]


def placement_text(placement: Placement) -> str:
    """'Foster care, since 2023-06-30' or 'Kinship care, 2021-03-01 to 2023-06-30'."""
    label = PLACEMENT_TYPES[placement.type]
    if placement.end is None:
        return f"{label}, since {placement.start.isoformat()}"
    return f"{label}, {placement.start.isoformat()} to {placement.end.isoformat()}"


def caregivers(context: ClientContext) -> list[Contact]:
    return [c for c in context.contacts if c.kind == "caregiver"]


def is_empty(context: ClientContext) -> bool:
    return not context_json(context)
