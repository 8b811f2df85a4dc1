"""Writes to assessments: create, save one field (autosave), finalise, amend.

Every write checks the assessment is still a draft (a finalised assessment never changes:
a correction is an amendment that keeps the original) and, for edits, the revision the
clinician's page was built from (optimistic locking: a stale page is refused, never
silently overwritten). Values are checked against the instrument the assessment uses, with
a message that names the field and says what was expected.

>>> a = assessment_create(client=client, kind="full", date=date(2025, 2, 3), user=user)
>>> a = assessment_save_field(assessment=a, user=user, field="functioning.sleep", value="2",
...                           revision=a.revision)
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rootmap.core.ages import age_in_months
from rootmap.instruments import Instrument, load_instrument
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.scoring import (
    canonical_sha256,
    case_file_for_client,
    current_assessments,
    frozen_case,
    result_to_json,
)
from rootmap.web.audit.services import audit_record
from rootmap.web.clients.models import Client

RATING_KINDS = ("adversity", "relational_health")
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "informants": ("role", "name", "hours"),
    "documents": ("title", "source", "date"),
}
ROW_LABELS = {"informants": "informant", "documents": "document"}
MAX_ROWS = 50
MAX_TEXT = 200
MAX_HOURS = 200
MAX_INTERESTS = 50


# --- Errors: each carries a message fit to show the clinician as it is. ---------------

class AssessmentError(Exception):
    """A write was refused; `str(error)` says why in the clinician's words."""


class AssessmentLocked(AssessmentError):
    """The assessment is finalised: it never changes (amend it instead)."""


class AssessmentConflict(AssessmentError):
    """The page was built from an older revision than the one stored."""


class FieldInvalid(AssessmentError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class DraftInvalid(AssessmentError):
    """Several fields were refused at once (whole-form save); nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class PasswordRejected(AssessmentError):
    pass


class FinaliseRefused(AssessmentError):
    """The assessment is not complete or valid enough to finalise.

    `errors` maps entry-page fields to messages; `problems` holds the rest.
    """

    def __init__(self, errors: dict[str, str], problems: list[str]) -> None:
        super().__init__("; ".join([*errors.values(), *problems]))
        self.errors = errors
        self.problems = problems


class UndeterminedUnconfirmed(AssessmentError):
    """Too little is rated to say where to start, and the clinician has not confirmed
    signing it anyway with a reason (clinical model, section 6). Nothing was saved.

    `field` is the finalise-page field to show the message beside.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- Helpers ----------------------------------------------------------------------------

def instrument_of(assessment: Assessment) -> Instrument:
    return load_instrument(assessment.instrument_version)


def assessment_age_months(assessment: Assessment, on: dt.date | None = None) -> int:
    return age_in_months(assessment.client.birth_date, on or assessment.date)


def periods_reached(instrument: Instrument, age: int) -> list[Any]:
    return [p for p in instrument.periods if age >= p.start]


def items_expected(instrument: Instrument, age: int) -> list[Any]:
    return [i for i in instrument.functioning_items if age >= i.min_age_months]


def _require_draft(assessment: Assessment) -> None:
    if assessment.status != Assessment.Status.DRAFT:
        raise AssessmentLocked(
            f"Assessment {assessment.reference} is finalised and cannot change. "
            "To correct it, make an amendment (the original is kept)."
        )


def _conflict(revision: int | None, stored: int) -> AssessmentConflict:
    return AssessmentConflict(
        "Not saved: this assessment was changed elsewhere (another tab or colleague) "
        f"after this page was opened (your page has revision {revision}, the stored one is "
        f"{stored}). Your entry is still on the page; reload to see the other "
        "changes, then enter it again."
    )


def _lock(assessment: Assessment) -> Assessment:
    """Re-read the row under a lock (call inside transaction.atomic) and check it may change."""
    locked = Assessment.objects.select_for_update().select_related("client").get(pk=assessment.pk)
    _require_draft(locked)
    return locked


def _stale(locked: Assessment, revision: int | None) -> bool:
    return revision is None or int(revision) != locked.revision


def _parse_date(text: str, label: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise FieldInvalid(field, f"{label}: expected a date as YYYY-MM-DD, got {text!r}") from None


def _parse_rating(raw: Any, *, field: str, label: str, maximum: int) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    text = str(raw).strip()
    if not re.fullmatch(r"-?\d+", text):
        raise FieldInvalid(field, f"{label}: expected a whole number from 0 to {maximum}, got {text!r}")
    value = int(text)
    if value < 0:
        raise FieldInvalid(field, f"{label}: {value} is below the minimum 0")
    if value > maximum:
        raise FieldInvalid(field, f"{label}: {value} is above the maximum {maximum}")
    return value


def _date_problems(instrument: Instrument, client: Client, date: dt.date, field: str) -> None:
    today = timezone.localdate()
    if date > today:
        raise FieldInvalid(field, f"Assessment date: {date.isoformat()} is in the future; "
                                  f"expected a date up to today ({today.isoformat()})")
    if date < client.birth_date:
        raise FieldInvalid(field, f"Assessment date: {date.isoformat()} is before the client's birth "
                                  f"date {client.birth_date.isoformat()}")
    age = age_in_months(client.birth_date, date)
    limit = instrument.supported_age_months.max
    if age > limit:
        raise FieldInvalid(field, f"Assessment date: the client would be {age} months old; "
                                  f"Rootmap supports ages up to {limit} months")


def _inputs_problems_at(instrument: Instrument, inputs: Mapping[str, Any], age: int) -> list[str]:
    """Entered ratings that the instrument does not allow at `age` (for a date change)."""
    problems = []
    reached = {p.id for p in periods_reached(instrument, age)}
    for period_id, ratings in (inputs.get("history") or {}).items():
        if period_id not in reached and any(v is not None for v in (ratings or {}).values()):
            label = next(p.label for p in instrument.periods if p.id == period_id)
            problems.append(f"history for {label} (not reached at {age} months)")
    for item_id, value in (inputs.get("functioning") or {}).items():
        item = instrument.items_by_id.get(item_id)
        if value is not None and item is not None and item.min_age_months > age:
            problems.append(f"{item.label} (expected from {item.min_age_months} months)")
    return problems


def _blank_inputs(kind: str) -> dict[str, Any]:
    inputs: dict[str, Any] = {"functioning": {}, "relational": {}, "trigger": None,
                              "informants": [], "documents": []}
    if kind != Assessment.Kind.ER:
        inputs["history"] = {}
    return inputs


def _next_reference(client: Client) -> str:
    numbers = [0]
    for ref in Assessment.objects.filter(client=client).values_list("reference", flat=True):
        match = re.fullmatch(r"A-(\d+)", ref)
        if match:
            numbers.append(int(match.group(1)))
    return f"A-{max(numbers) + 1}"


# --- Create -----------------------------------------------------------------------------

def assessment_create(
    *, client: Client, kind: str, date: dt.date, user: Any, request: HttpRequest | None = None,
) -> Assessment:
    """A new draft. A follow-up needs a finalised full assessment before its date."""
    if kind not in Assessment.Kind.values:
        raise FieldInvalid("kind", f"Kind: {kind!r} is not one of {', '.join(Assessment.Kind.values)}")
    instrument = load_instrument()
    _date_problems(instrument, client, date, "date")
    if kind == Assessment.Kind.FOLLOW_UP and not any(
        a.kind == Assessment.Kind.FULL and a.date <= date for a in current_assessments(client)
    ):
        raise FieldInvalid("kind", "A follow-up assessment compares with a finalised full assessment "
                                   "made on or before its date; this client has none yet. "
                                   "Start with a full assessment.")
    with transaction.atomic():
        # Lock the client so two drafts made at once cannot take the same reference.
        Client.objects.select_for_update().filter(pk=client.pk).first()
        assessment = Assessment.objects.create(
            client=client, reference=_next_reference(client), kind=kind, date=date,
            instrument_version=instrument.version, inputs=_blank_inputs(kind), created_by=user,
        )
        audit_record(action="create", request=request, user=user, obj=assessment,
                     detail={"kind": kind, "reference": assessment.reference})
    return assessment


# --- Save one field ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Change:
    """A validated change: where it goes and the cleaned value (None clears)."""

    target: str  # "inputs", "date" or "interests"
    path: tuple[str | int, ...]
    value: Any


def _row_value(section: str, index: int, key: str, raw: Any, field: str) -> Any:
    label = f"{key.capitalize()} ({ROW_LABELS[section]} {index + 1})"
    text = "" if raw is None else str(raw).strip()
    if key == "hours":
        if text == "":
            return None
        try:
            hours = float(text)
        except ValueError:
            raise FieldInvalid(field, f"{label}: expected a number of hours such as 1.5, got {text!r}") from None
        if not math.isfinite(hours) or hours < 0:
            raise FieldInvalid(field, f"{label}: expected 0 or more hours, got {text}")
        if hours > MAX_HOURS:
            raise FieldInvalid(field, f"{label}: {text} is above the maximum {MAX_HOURS} hours")
        return hours
    if key == "date":
        if text == "":
            return None
        value = _parse_date(text, label, field)
        if value > timezone.localdate():
            raise FieldInvalid(field, f"{label}: {text} is in the future; expected a past date")
        return value.isoformat()
    if len(text) > MAX_TEXT:
        raise FieldInvalid(field, f"{label}: {len(text)} characters is above the maximum {MAX_TEXT}")
    _refuse_control_characters(text, label, field)
    return text


# Control characters other than tab and line breaks are never typed; NUL in particular is
# refused by PostgreSQL in text and JSON, so it is named here rather than failing there.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control_characters(text: str, label: str, field: str) -> None:
    if _CONTROL.search(text):
        raise FieldInvalid(field, f"{label}: contains control characters; expected plain text")


def clean_field(assessment: Assessment, field: str, raw: Any) -> _Change:
    """Check one value against the instrument; raise FieldInvalid naming the field."""
    instrument = instrument_of(assessment)
    age = assessment_age_months(assessment)
    parts = field.split(".")
    head = parts[0]

    if field == "date":
        date = _parse_date(raw, "Assessment date", field)
        _date_problems(instrument, assessment.client, date, field)
        bad = _inputs_problems_at(instrument, assessment.inputs or {},
                                  age_in_months(assessment.client.birth_date, date))
        if bad:
            raise FieldInvalid(field, f"Assessment date: at {date.isoformat()} these ratings would no "
                                      f"longer be allowed; clear them first: {'; '.join(bad)}")
        return _Change("date", (), date)

    if field == "interests":
        text = "" if raw is None else str(raw)
        interests = [t.strip().lower() for t in re.split(r"[,\n;]", text) if t.strip()]
        too_long = [t for t in interests if len(t) > 60]
        if too_long:
            raise FieldInvalid(field, f"Interests: {too_long[0][:20]!r}... is longer than 60 characters; "
                                      "separate interests with commas")
        if len(set(interests)) > MAX_INTERESTS:  # the case file's limit: its export must stay valid
            raise FieldInvalid(field, f"Interests: {len(set(interests))} given; at most {MAX_INTERESTS}")
        return _Change("interests", (), list(dict.fromkeys(interests)))

    if field == "trigger":
        if assessment.kind != Assessment.Kind.ER:
            raise FieldInvalid(field, "Trigger: only a Rapid (ER) snapshot has a trigger")
        text = "" if raw is None else str(raw).strip()
        if text == "":
            return _Change("inputs", ("trigger",), None)
        if text not in instrument.triggers:
            raise FieldInvalid(field, f"Trigger: {text!r} is not one of "
                                      f"{', '.join(instrument.triggers.values())}")
        return _Change("inputs", ("trigger",), text)

    if head == "functioning" and len(parts) == 2:
        item = instrument.items_by_id.get(parts[1])
        if item is None:
            raise FieldInvalid(field, f"{field}: no such functioning item in instrument {instrument.version}")
        value = _parse_rating(raw, field=field, label=item.label, maximum=max(instrument.functioning_scale))
        if value is not None and item.min_age_months > age:
            raise FieldInvalid(field, f"{item.label}: not expected before {item.min_age_months} months; "
                                      f"the client is {age} months old at this assessment, so leave it unrated")
        return _Change("inputs", ("functioning", item.id), value)

    if head == "relational" and len(parts) == 2:
        rel = next((i for i in instrument.relational_items if i.id == parts[1]), None)
        if rel is None:
            raise FieldInvalid(field, f"{field}: no such relational item in instrument {instrument.version}")
        value = _parse_rating(raw, field=field, label=rel.label, maximum=max(instrument.relational.scale))
        return _Change("inputs", ("relational", rel.id), value)

    if head == "history" and len(parts) == 3 and parts[2] in RATING_KINDS:
        if assessment.kind == Assessment.Kind.ER:
            raise FieldInvalid(field, "History: a Rapid (ER) snapshot has no developmental history")
        period = next((p for p in instrument.periods if p.id == parts[1]), None)
        if period is None:
            raise FieldInvalid(field, f"{field}: no such developmental period")
        label = f"{period.label}, {parts[2].replace('_', ' ')}"
        value = _parse_rating(raw, field=field, label=label, maximum=max(instrument.history_scales[parts[2]]))
        if value is not None and age < period.start:
            raise FieldInvalid(field, f"{label}: this period is not reached yet (it starts at "
                                      f"{period.start} months; the client is {age} months old)")
        return _Change("inputs", ("history", period.id, parts[2]), value)

    if head in ROW_FIELDS and len(parts) == 3 and parts[1].isdigit() and parts[2] in ROW_FIELDS[head]:
        index = int(parts[1])
        rows = (assessment.inputs or {}).get(head) or []
        if index >= len(rows):
            raise FieldInvalid(field, f"{ROW_LABELS[head].capitalize()} {index + 1}: this row no longer "
                                      "exists; reload the page")
        return _Change("inputs", (head, index, parts[2]), _row_value(head, index, parts[2], raw, field))

    raise FieldInvalid(field, f"{field!r} is not a field of this assessment")


def _current(assessment: Assessment, change: _Change) -> Any:
    if change.target == "date":
        return assessment.date
    if change.target == "interests":
        return list(assessment.client.interests or [])
    node: Any = assessment.inputs or {}
    for key in change.path:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
        if node is None:
            return None
    return node


def _changes_something(assessment: Assessment, change: _Change) -> bool:
    current = _current(assessment, change)
    if change.value in (None, "") and current in (None, ""):
        return False
    return bool(current != change.value)


def _apply(assessment: Assessment, change: _Change) -> None:
    if change.target == "date":
        assessment.date = change.value
        return
    if change.target == "interests":
        client = assessment.client
        client.interests = change.value
        client.save(update_fields=["interests", "updated_at"])
        return
    inputs = assessment.inputs
    *parents, last = change.path
    node: Any = inputs
    for key in parents:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    if change.value is None and parents and parents[0] in ("functioning", "relational"):
        # A missing key means "not rated" in the case-file format: keep the inputs small.
        node.pop(last, None)
        return
    node[last] = change.value
    if parents and parents[0] == "history":
        period = inputs["history"].get(change.path[1]) or {}
        if all(v is None for v in period.values()):
            inputs["history"].pop(change.path[1], None)


def _save(assessment: Assessment) -> None:
    assessment.revision += 1
    assessment.save(update_fields=["inputs", "date", "revision", "updated_at"])


def assessment_save_field(
    *, assessment: Assessment, user: Any, field: str, value: Any, revision: int,
    request: HttpRequest | None = None,
) -> Assessment:
    """Validate and save one field of a draft (autosave). Returns the stored assessment.

    Raises FieldInvalid (nothing saved), AssessmentConflict (stale `revision`: nothing
    saved) or AssessmentLocked (finalised).
    """
    with transaction.atomic():
        locked = _lock(assessment)
        change = clean_field(locked, field, value)
        if _stale(locked, revision):
            # A page built from an older revision may only repeat what is stored (an autosave
            # and a form post of the same value crossing); anything else would overwrite a
            # change made elsewhere.
            if _changes_something(locked, change):
                raise _conflict(revision, locked.revision)
            return locked
        if not _changes_something(locked, change):
            return locked
        _apply(locked, change)
        _save(locked)
        audit_record(action="change", request=request, user=user, obj=locked, detail={"field": field})
    return locked


def assessment_save_draft(
    *, assessment: Assessment, user: Any, values: Mapping[str, Any], revision: int,
    request: HttpRequest | None = None,
) -> Assessment:
    """Save many fields at once (the form without JavaScript): all of them or none."""
    with transaction.atomic():
        locked = _lock(assessment)
        stale = _stale(locked, revision)
        errors: dict[str, str] = {}
        changed = False
        # The date first: the other fields are checked at the date being saved.
        ordered = sorted(values.items(), key=lambda kv: kv[0] != "date")
        for field, raw in ordered:
            try:
                change = clean_field(locked, field, raw)
            except FieldInvalid as error:
                errors[field] = error.message
                continue
            if _changes_something(locked, change):
                if stale:
                    transaction.set_rollback(True)
                    raise _conflict(revision, locked.revision)
                _apply(locked, change)
                changed = True
        if errors:
            transaction.set_rollback(True)
            raise DraftInvalid(errors)
        if not changed:
            return locked
        _save(locked)
        audit_record(action="change", request=request, user=user, obj=locked,
                     detail={"fields": sorted(values)[:50]})
    return locked


def assessment_row_add(
    *, assessment: Assessment, user: Any, section: str, revision: int,
    request: HttpRequest | None = None,
) -> Assessment:
    """Add an empty informant or document row."""
    if section not in ROW_FIELDS:
        raise FieldInvalid(section, f"{section!r} has no rows to add")
    with transaction.atomic():
        locked = _lock(assessment)
        if _stale(locked, revision):
            raise _conflict(revision, locked.revision)
        rows = locked.inputs.setdefault(section, [])
        if len(rows) >= MAX_ROWS:
            raise FieldInvalid(section, f"At most {MAX_ROWS} {section} rows")
        rows.append({key: ("" if key not in ("hours", "date") else None) for key in ROW_FIELDS[section]})
        _save(locked)
        audit_record(action="change", request=request, user=user, obj=locked, detail={"field": f"{section}+"})
    return locked


def assessment_row_remove(
    *, assessment: Assessment, user: Any, section: str, index: int, revision: int,
    request: HttpRequest | None = None,
) -> Assessment:
    if section not in ROW_FIELDS:
        raise FieldInvalid(section, f"{section!r} has no rows to remove")
    with transaction.atomic():
        locked = _lock(assessment)
        if _stale(locked, revision):
            raise _conflict(revision, locked.revision)
        rows = locked.inputs.setdefault(section, [])
        if not 0 <= index < len(rows):
            raise FieldInvalid(section, f"{ROW_LABELS[section].capitalize()} {index + 1}: no such row")
        del rows[index]
        _save(locked)
        audit_record(action="change", request=request, user=user, obj=locked,
                     detail={"field": f"{section}-{index}"})
    return locked


# --- Finalise ---------------------------------------------------------------------------

_PATH = re.compile(r"^assessments\[(\d+)\]\.(.+)$")


def _field_for_problem(path: str, index: int) -> str | None:
    match = _PATH.match(path)
    if not match or int(match.group(1)) != index:
        return None
    rest = re.sub(r"\[(\d+)\]", r".\1", match.group(2))
    return rest


def _undetermined_reason(result: Any, confirmed: bool, reason: str) -> str:
    """The cleaned reason for signing an undetermined assessment; refuse without one."""
    from rootmap.render._labels import domain_label, short_domains

    instrument = load_instrument(result.instrument_version)
    short = ", ".join(domain_label(instrument, d) for d in short_domains(instrument, result))
    why = (f"Not enough has been rated yet to say where to start (too few items rated in: {short}). "
           if short else "Not enough has been rated yet to say where to start. ")
    if not confirmed:
        raise UndeterminedUnconfirmed(
            "confirm_undetermined",
            why + "Rate more items, or tick the box to confirm you are signing it as it is, "
                  "and give a reason.")
    reason = (reason or "").strip()
    if not reason:
        raise UndeterminedUnconfirmed(
            "undetermined_reason",
            "Reason: say why this assessment is signed although too little is rated to say "
            "where to start (it is kept with it and shown on its results and reports).")
    if len(reason) > 2000:
        raise UndeterminedUnconfirmed("undetermined_reason",
                                      f"Reason: {len(reason)} characters is above the maximum 2000")
    if _CONTROL.search(reason):
        raise UndeterminedUnconfirmed("undetermined_reason",
                                      "Reason: contains control characters; expected plain text")
    return reason


def _password_matches(user: Any, password: str, request: HttpRequest | None) -> bool:
    """Through django-axes' lockout whenever a person's request is at hand (every web
    page), so that guesses here count with those at sign-in. Without a request (code and
    tests calling the service) there is no address to lock and only the hash is checked."""
    if request is None:
        return bool(password) and user.check_password(password)
    from rootmap.web.accounts.passwords import password_matches

    return password_matches(request=request, user=user, password=password, step="finalise")


def assessment_finalise(
    *, assessment: Assessment, user: Any, password: str, request: HttpRequest | None = None,
    confirm_undetermined: bool = False, undetermined_reason: str = "",
) -> Assessment:
    """Sign and lock a draft: re-check the password, validate the whole case, score, store.

    What the result and reports read (the case file as scored: client details, interests,
    events, informants, documents, instrument version) is stored with it as `snapshot`,
    and the SHA-256 of the stored result goes into the finalise audit entry. An assessment
    whose phase is `undetermined` is signed only with `confirm_undetermined` and a reason.

    Raises PasswordRejected, FinaliseRefused (with the problems), UndeterminedUnconfirmed,
    AssessmentLocked.
    """
    from rootmap.core.case import CaseFileError, parse_case
    from rootmap.core.scoring import score_case

    if not _password_matches(user, password, request):
        audit_record(action="finalise_refused", request=request, user=user, obj=assessment,
                     detail={"reason": "password"})
        raise PasswordRejected("That password is not right. Finalising is your signature: "
                               "enter the password you sign in with.")
    with transaction.atomic():
        locked = _lock(assessment)
        if locked.kind == Assessment.Kind.ER and not (locked.inputs or {}).get("trigger"):
            raise FinaliseRefused({"trigger": "Trigger: a Rapid (ER) snapshot needs the change in "
                                              "circumstances that triggered it"}, [])
        case_dict = case_file_for_client(locked.client, extra_assessment=locked)
        index = next(i for i, a in enumerate(case_dict["assessments"]) if a["id"] == locked.reference)
        try:
            case = parse_case(case_dict)
        except CaseFileError as error:
            errors: dict[str, str] = {}
            problems: list[str] = []
            for problem in error.problems:
                field = _field_for_problem(problem.path, index)
                if field is not None:
                    errors.setdefault(field, str(problem))
                else:
                    problems.append(str(problem))
            raise FinaliseRefused(errors, problems) from None
        result = score_case(case, assessment_id=locked.reference)
        reason = ""
        if result.phase == "undetermined":
            reason = _undetermined_reason(result, confirm_undetermined, undetermined_reason)
        locked.undetermined_reason = reason
        locked.result = result_to_json(result)
        snapshot = frozen_case(case_dict, locked.reference)
        if reason:
            snapshot["assessments"][-1]["undetermined_reason"] = reason
        locked.snapshot = snapshot
        locked.instrument_version = result.instrument_version
        locked.status = Assessment.Status.FINAL
        locked.finalised_by = user
        locked.finalised_at = timezone.now()
        locked.revision += 1
        locked.save()
        detail = {"reference": locked.reference,
                  "amends": locked.amends.reference if locked.amends_id else None,
                  "phase": result.phase,
                  "result_sha256": canonical_sha256(locked.result),
                  "snapshot_sha256": canonical_sha256(snapshot)}
        if reason:
            detail["undetermined_reason"] = reason
        audit_record(action="finalise", request=request, user=user, obj=locked, detail=detail)
    return locked


# --- Amend ------------------------------------------------------------------------------

def assessment_amend(
    *, original: Assessment, user: Any, reason: str, request: HttpRequest | None = None,
) -> Assessment:
    """A new draft copying a finalised assessment's inputs, to correct it.

    The original is never changed; once the amendment is finalised it takes the
    original's place in results and exports.
    """
    reason = (reason or "").strip()
    if not reason:
        raise FieldInvalid("reason", "Reason: say why the assessment is amended (it is kept with both versions)")
    if len(reason) > 2000:
        raise FieldInvalid("reason", "Reason: keep it under 2000 characters")
    _refuse_control_characters(reason, "Reason", "reason")
    with transaction.atomic():
        original = Assessment.objects.select_for_update().select_related("client").get(pk=original.pk)
        if original.status != Assessment.Status.FINAL:
            raise AssessmentError(f"Assessment {original.reference} is still a draft: edit it directly")
        later = Assessment.objects.filter(amends=original).first()
        if later is not None:
            if later.status == Assessment.Status.DRAFT:
                raise AssessmentError(f"An amendment of {original.reference} is already in progress "
                                      f"({later.reference}); continue that one")
            raise AssessmentError(f"{original.reference} was already amended by {later.reference}; "
                                  f"amend {later.reference} instead")
        base = original.reference.split(".")[0]
        existing = Assessment.objects.filter(client=original.client, reference__startswith=base + ".").count()
        amendment = Assessment.objects.create(
            client=original.client, reference=f"{base}.{existing + 1}", kind=original.kind,
            date=original.date, instrument_version=original.instrument_version,
            inputs=copy.deepcopy(original.inputs), created_by=user, amends=original, amendment_reason=reason,
        )
        audit_record(action="amend", request=request, user=user, obj=amendment,
                     detail={"amends": original.reference, "reason": reason})
    return amendment
