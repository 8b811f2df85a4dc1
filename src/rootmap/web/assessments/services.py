"""Writes to assessments: create, save one field (autosave), finalise, amend.

Every write locks the row it changes, checks the assessment is still a draft (a finalised
assessment never changes: a correction is an amendment that keeps the original) and, for
edits, the revision the clinician's page was built from (optimistic locking: a stale page
is refused, never silently overwritten), and records its audit entry inside the same
transaction. Field checks are in validation.py; reads in selectors.py.

>>> a = assessment_create(client=client, kind="full", date=date(2025, 2, 3), user=user)
>>> a = assessment_save_field(assessment=a, user=user, field="functioning.sleep", value="2",
...                           revision=a.revision)
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rootmap.core.ages import age_in_months
from rootmap.core.carried import carried_start, still_carried, unconfirmed_problems
from rootmap.core.case import CaseFileError
from rootmap.instruments import available_versions, current_version, is_available, load_instrument
from rootmap.instruments.catalogue import load_catalogue
from rootmap.web.accounts.passwords import password_matches
from rootmap.web.assessments.errors import (
    AssessmentConflict,
    AssessmentError,
    AssessmentLocked,
    DraftInvalid,
    FieldInvalid,
    FinaliseRefused,
    PasswordRejected,
)
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.notes import apply_note
from rootmap.web.assessments.plan_validation import stale_decisions_message
from rootmap.web.assessments.selectors import case_file_for_client, current_assessments
from rootmap.web.assessments.signing import score_for_signing
from rootmap.web.assessments.stored_results import canonical_sha256
from rootmap.web.assessments.validation import (
    CARRIED,
    MAX_ROWS,
    ROW_FIELDS,
    ROW_LABELS,
    FieldChange,
    amendment_reason,
    check_assessment_date,
    checked_undetermined_reason,
    clean_field,
    field_for_problem,
    rating_label,
)
from rootmap.web.audit.services import audit_record
from rootmap.web.clients.follow_up import store_next_follow_up
from rootmap.web.clients.latest_phase import store_latest_phase
from rootmap.web.clients.models import Client

# --- Helpers ----------------------------------------------------------------------------

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


def lock_draft(assessment: Assessment) -> Assessment:
    """`_lock` for the assessment's other write modules (the plan page's)."""
    return _lock(assessment)


def _stale(locked: Assessment, revision: int | None) -> bool:
    return revision is None or int(revision) != locked.revision


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
    instrument_version: str | None = None, start_from_previous: bool = False,
) -> Assessment:
    """A new draft on `instrument_version` (the current version by default), which it keeps
    for good. A follow-up needs a finalised full assessment before its date.

    `start_from_previous` (follow-ups): the previous assessment's functioning and relational
    ratings are copied in, each marked carried until confirmed (rootmap.core.carried).
    """
    if kind not in Assessment.Kind.values:
        raise FieldInvalid("kind", f"Kind: {kind!r} is not one of {', '.join(Assessment.Kind.values)}")
    version = current_version() if instrument_version is None else instrument_version
    if not is_available(version):
        raise FieldInvalid("instrument_version", f"Instrument version: {version!r} is not available; "
                                                 f"expected one of {', '.join(available_versions())}")
    instrument = load_instrument(version)
    check_assessment_date(instrument, client, date, "date")
    before = [a for a in current_assessments(client) if a.date <= date]
    if kind == Assessment.Kind.FOLLOW_UP and not any(a.kind == Assessment.Kind.FULL for a in before):
        raise FieldInvalid("kind", "A follow-up assessment compares with a finalised full assessment "
                                   "made on or before its date; this client has none yet. "
                                   "Start with a full assessment.")
    inputs = _blank_inputs(kind)
    carried_from = None
    if start_from_previous and kind == Assessment.Kind.FOLLOW_UP:
        previous = before[-1]
        start = carried_start(instrument, age_in_months(client.birth_date, date), previous.inputs or {})
        inputs.update(start.inputs_values())
        inputs[CARRIED] = list(start.carried)
        carried_from = previous.reference
    with transaction.atomic():
        # Lock the client so two drafts made at once cannot take the same reference.
        Client.objects.select_for_update().filter(pk=client.pk).first()
        assessment = Assessment.objects.create(
            client=client, reference=_next_reference(client), kind=kind, date=date,
            instrument_version=instrument.version, inputs=inputs, created_by=user,
        )
        detail: dict[str, Any] = {"kind": kind, "reference": assessment.reference}
        if carried_from:
            detail.update(carried_from=carried_from, carried=len(inputs[CARRIED]))
        audit_record(action="create", request=request, user=user, obj=assessment, detail=detail)
    return assessment


# --- Save one field ---------------------------------------------------------------------

def _current(assessment: Assessment, change: FieldChange) -> Any:
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


def _path(change: FieldChange) -> str:
    return ".".join(str(p) for p in change.path)


def _is_carried(assessment: Assessment, change: FieldChange) -> bool:
    return change.target == "inputs" and _path(change) in ((assessment.inputs or {}).get(CARRIED) or [])


def _unmark(assessment: Assessment, paths: set[str]) -> None:
    """Take the carried mark off `paths` (confirmed, changed or cleared)."""
    inputs = assessment.inputs
    marks = [p for p in inputs.get(CARRIED) or [] if p not in paths]
    if marks:
        inputs[CARRIED] = marks
    else:
        inputs.pop(CARRIED, None)


def _changes_something(assessment: Assessment, change: FieldChange) -> bool:
    current = _current(assessment, change)
    if change.value in (None, "") and current in (None, ""):
        return False
    return bool(current != change.value)


def _apply(assessment: Assessment, change: FieldChange) -> None:
    if change.target == "date":
        assessment.date = change.value
        return
    if change.target == "interests":
        client = assessment.client
        client.interests = change.value
        client.save(update_fields=["interests", "updated_at"])
        return
    inputs = assessment.inputs
    if change.path[:1] == ("notes",):
        apply_note(inputs, change.path, change.value)
        return
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
        # Saving a carried rating, even with the same value, is the clinician confirming it
        # (the number key pressed again, or Confirm): the mark goes, and that is a change.
        confirming = _is_carried(locked, change)
        if _stale(locked, revision):
            # A page built from an older revision may only repeat what is stored (an autosave
            # and a form post of the same value crossing); anything else would overwrite a
            # change made elsewhere.
            if confirming or _changes_something(locked, change):
                raise _conflict(revision, locked.revision)
            return locked
        if not confirming and not _changes_something(locked, change):
            return locked
        detail: dict[str, Any] = {"field": field}
        if confirming:
            detail["carried"] = "confirmed" if _current(locked, change) == change.value else "changed"
            _unmark(locked, {field})
        _apply(locked, change)
        _save(locked)
        audit_record(action="change", request=request, user=user, obj=locked, detail=detail)
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
                # A changed carried rating is the clinician's own now; an unchanged one
                # (every field is posted) stays carried: posting the form confirms nothing.
                if _is_carried(locked, change):
                    _unmark(locked, {field})
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


def assessment_confirm_carried(
    *, assessment: Assessment, user: Any, fields: list[str], revision: int,
    request: HttpRequest | None = None,
) -> Assessment:
    """Confirm carried ratings as they stand (one, or a section's: the page without
    JavaScript, and "Confirm all in this section"). Fields not carried are ignored."""
    with transaction.atomic():
        locked = _lock(assessment)
        marked = set(still_carried((locked.inputs or {}).get(CARRIED) or [], locked.inputs or {}))
        chosen = sorted(marked & set(fields))
        if not chosen:
            return locked
        if _stale(locked, revision):
            raise _conflict(revision, locked.revision)
        _unmark(locked, set(chosen))
        _save(locked)
        audit_record(action="change", request=request, user=user, obj=locked,
                     detail={"fields": chosen[:50], "carried": "confirmed"})
    return locked


# --- Finalise ---------------------------------------------------------------------------

def _password_matches(user: Any, password: str, request: HttpRequest | None) -> bool:
    """Through django-axes' lockout whenever a person's request is at hand (every web
    page), so that guesses here count with those at sign-in. Without a request (code and
    tests calling the service) there is no address to lock and only the hash is checked."""
    if request is None:
        return bool(password) and user.check_password(password)
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
        # No rating is signed that the clinician did not see: carried values are confirmed first.
        unseen = unconfirmed_problems((locked.inputs or {}).get(CARRIED) or [], "", locked.inputs or {})
        if unseen:
            raise FinaliseRefused({p.path: f"{rating_label(locked, p.path)}: {p.message}" for p in unseen}, [])
        try:
            signed = score_for_signing(case_dict, locked.reference)
        except CaseFileError as error:
            errors: dict[str, str] = {}
            problems: list[str] = []
            for problem in error.problems:
                field = field_for_problem(problem.path, index)
                if field is not None:
                    errors.setdefault(field, str(problem))
                else:
                    problems.append(str(problem))
            raise FinaliseRefused(errors, problems) from None
        result = signed.result
        if stale := stale_decisions_message(result, signed.case.assessments[index].clinician_plan,
                                            load_catalogue(locked.instrument_version)):
            raise FinaliseRefused({}, [stale])  # a signed "accepted" means accepted from what was proposed
        reason = ""
        if result.phase == "undetermined":
            reason = checked_undetermined_reason(result, confirm_undetermined, undetermined_reason)
        locked.undetermined_reason = reason
        locked.result = signed.result_json
        snapshot = signed.snapshot
        if reason:
            snapshot["assessments"][-1]["undetermined_reason"] = reason
        locked.snapshot = snapshot
        # The instrument version is the draft's own, chosen when it was made; scoring used it
        # (the case file names it), and finalising never replaces it.
        locked.status = Assessment.Status.FINAL
        locked.finalised_by = user
        locked.finalised_at = timezone.now()
        locked.revision += 1
        locked.save()
        # A finalised assessment (or an amendment replacing its original) moves the schedule
        # and may change the client's latest phase (the dashboard's phase filter).
        store_next_follow_up(locked.client_id)
        store_latest_phase(locked.client_id)
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
    reason = amendment_reason(reason)
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
