"""Writes for clients: create, update, adverse events, case-file import and export.

Every write runs in one transaction with its audit entry: the entry commits with the
change or neither does. Bad input raises `ClientInputError` with the problems (JSON path
or field, and what was expected), and nothing is saved. Event writes lock the client row
(SELECT ... FOR UPDATE) and change only the events they name, so two saves at once
cannot lose each other's events.

>>> client = case_file_import(organisation=org, user=user, data=json.loads(text))
>>> case_file_for(client)["assessments"][0]["id"]
'A-1'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from rootmap.core.ages import age_in_months
from rootmap.core.case import parse_case
from rootmap.core.context import context_json
from rootmap.core.events import months_at_date, timing_problems
from rootmap.core.fields import age_conflicts, date_problem
from rootmap.core.problems import CaseFileError, Problem
from rootmap.core.results import result_to_json
from rootmap.core.scoring import score_history
from rootmap.instruments import load_instrument
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.case_files import CASE_FORMAT, INPUT_KEYS, assessment_case_dict, frozen_case
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import case_file_for_client, current_assessments
from rootmap.web.audit.services import audit_record
from rootmap.web.clients.follow_up import store_next_follow_up
from rootmap.web.clients.latest_phase import store_latest_phase
from rootmap.web.clients.models import Client
from rootmap.web.validation import stored_length_problems

EVENT_FIELDS = ("category", "onset_months", "end_months", "severity", "note", "source")


class ClientInputError(ValueError):
    """Input that cannot be saved, with one problem per line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _check_clinicians(organisation_id: int, clinicians: Iterable[User]) -> list[User]:
    chosen = list(clinicians)
    for user in chosen:
        if user.organisation_id != organisation_id:
            raise ClientInputError(
                [Problem("clinicians", f"{user.username} works for another organisation")]
            )
        if user.role != User.Role.CLINICIAN:
            raise ClientInputError(
                [Problem("clinicians", f"{user.username} is not a clinician; only clinicians carry a caseload")]
            )
    return chosen


def _client_case(client: Client, *, events: list[dict[str, Any]] | None = None,
                 birth_date: dt.date | None = None) -> dict[str, Any]:
    """The client's case file, optionally with changed events or birth date, for validation."""
    case = case_file_for_client(client)
    if events is not None:
        case["events"] = events
    if birth_date is not None:
        case["client"]["birth_date"] = birth_date.isoformat()
    return case


def _validate_case(case: Mapping[str, Any]) -> None:
    try:
        parse_case(case)
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None


def _draft_problems(client: Client, birth_date: dt.date) -> list[Problem]:
    """Drafts a new birth date would leave dated before birth or holding ratings their age
    no longer allows (hidden on the entry page, refused when signing): named, to be
    cleared first, as a changed assessment date is (assessments.validation.clean_field)."""
    problems = []
    for draft in client.assessments.filter(status=Assessment.Status.DRAFT).order_by("date", "id"):
        instrument = load_instrument(draft.instrument_version)
        inputs = draft.inputs or {}
        said = date_problem(instrument, birth_date, draft.date)
        bad = (said,) if said else age_conflicts(instrument, age_in_months(birth_date, draft.date),
                                                 inputs.get("functioning") or {}, inputs.get("history"))
        if bad:
            problems.append(Problem("birth_date", f"with {birth_date.isoformat()}, draft {draft.reference} of "
                                                  f"{draft.date.isoformat()} would hold what its age no longer "
                                                  f"allows; clear it first: {'; '.join(bad)}"))
    return problems


def _reference_taken(organisation_id: int, reference: str, exclude_pk: int | None = None) -> bool:
    taken = Client.objects.filter(organisation_id=organisation_id, reference=reference)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    return taken.exists()


def client_create(
    *,
    organisation: Organisation,
    user: User,
    reference: str,
    display_name: str,
    birth_date: dt.date,
    interests: Sequence[str] = (),
    clinicians: Iterable[User] = (),
    request: HttpRequest | None = None,
    command_line: Any = None,
) -> Client:
    """A new client. A clinician who creates one carries it (else they could not see it).

    From the command line (`command_line`, audit.services.CommandLineActor) the audit
    entry's actor is the operating-system user and host, with `user` named in its detail.
    """
    chosen = _check_clinicians(organisation.pk, clinicians)
    if user.role == User.Role.CLINICIAN and user not in chosen:
        chosen.append(user)
    if _reference_taken(organisation.pk, reference):
        raise ClientInputError([Problem("reference", f"{reference} is already used by another client")])
    try:
        with transaction.atomic():
            client = Client.objects.create(
                organisation=organisation,
                reference=reference,
                display_name=display_name,
                birth_date=birth_date,
                interests=list(interests),
            )
            client.clinicians.set(chosen)
            if command_line is not None:
                audit_record(action="create", obj=client, organisation_id=organisation.pk,
                             command_line=command_line, detail={"for_user": user.username})
            else:
                audit_record(action="create", request=request, user=user, obj=client)
    except IntegrityError:  # a concurrent create took the reference first
        raise ClientInputError(
            [Problem("reference", f"{reference} is already used by another client")]
        ) from None
    return client


def client_update(
    *,
    client: Client,
    user: User,
    reference: str,
    display_name: str,
    birth_date: dt.date,
    interests: Sequence[str] = (),
    clinicians: Iterable[User] | None = None,
    request: HttpRequest | None = None,
) -> Client:
    """Change a client's details; `clinicians=None` leaves the caseload assignment as it is.

    The birth date sets every age, and a finalised assessment is a signed record whose
    ages and scores never change: once one exists, the birth date is fixed.
    """
    if _reference_taken(client.organisation_id, reference, exclude_pk=client.pk):
        raise ClientInputError([Problem("reference", f"{reference} is already used by another client")])
    if birth_date != client.birth_date:
        if current_assessments(client):
            raise ClientInputError([Problem(
                "birth_date",
                "cannot change once an assessment is finalised: its ages and scores are a signed "
                "record. Ask an administrator if the birth date was recorded wrongly.",
            )])
        _validate_case(_client_case(client, birth_date=birth_date))
        drafts = _draft_problems(client, birth_date)
        if drafts:
            raise ClientInputError(drafts)
    chosen = None if clinicians is None else _check_clinicians(client.organisation_id, clinicians)
    with transaction.atomic():
        client.reference = reference
        client.display_name = display_name
        client.birth_date = birth_date
        client.interests = list(interests)
        client.save()
        if chosen is not None:
            client.clinicians.set(chosen)
        audit_record(action="change", request=request, user=user, obj=client, detail={"what": "details"})
    return client


def _clean_event(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {key: raw.get(key, "" if key in ("note", "source") else None) for key in EVENT_FIELDS}


def event_fingerprint(event: Mapping[str, Any]) -> str:
    """A short digest of an event's content: the version a page showed, checked before a change.

    Events are stored exactly in the case-file format (no id of their own), so an edit or a
    removal names the event by its position and this digest; if someone changed or removed
    it meanwhile, the digest no longer matches and nothing is changed.
    """
    canonical = json.dumps(_clean_event(event), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _locked_client(client: Client) -> Client:
    """The client row, locked until the transaction ends, with the events as stored now."""
    return Client.objects.select_for_update().get(pk=client.pk)


def _timing_problems(birth_date: dt.date, events: Sequence[Mapping[str, Any]], *, first_row: int,
                     today: dt.date) -> list[Problem]:
    """The core's timing rules against the client's age today, naming `events[N].field`."""
    current_age = months_at_date(birth_date=birth_date, on=today)
    problems = []
    for n, event in enumerate(events, start=first_row):
        onset, end = event.get("onset_months"), event.get("end_months")
        if not isinstance(onset, int) or not (end is None or isinstance(end, int)):
            continue  # the case-file validation names wrong types
        for problem in timing_problems(onset=onset, end=end, current_age=current_age):
            problems.append(Problem(f"events[{n}].{problem.field}", problem.message,
                                    onset if problem.field == "onset_months" else end))
    return problems


def _save_events(locked: Client, events: list[dict[str, Any]]) -> None:
    """Validate the whole case with the new events (the scoring core's rules), then store them."""
    _validate_case(_client_case(locked, events=events))
    locked.events = events
    locked.save(update_fields=["events", "updated_at"])


class EventChangedError(ClientInputError):
    """The event a page showed is no longer there as it was shown: nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__([Problem("events", message)])


def _event_at(locked: Client, index: int, fingerprint: str) -> dict[str, Any]:
    events = list(locked.events or [])
    if not 0 <= index < len(events):
        raise EventChangedError(f"event {index + 1} no longer exists: it was removed since the page was opened")
    if event_fingerprint(events[index]) != fingerprint:
        raise EventChangedError(f"event {index + 1} was changed by someone else since the page was opened")
    return events[index]


def _event_summary(event: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of an event: its kind and timing, not the note's words."""
    return {key: event.get(key) for key in ("category", "onset_months", "end_months", "severity")}


def client_events_add(
    *,
    client: Client,
    user: User,
    events: Sequence[Mapping[str, Any]],
    request: HttpRequest | None = None,
    today: dt.date | None = None,
) -> Client:
    """Add events after the client's existing ones; the existing ones stay exactly as they are.

    Problems name `events[N]` by the position in `events` (the rows as entered), not in
    the client's whole list.
    """
    new = [_clean_event(e) for e in events]
    if not new:
        raise ClientInputError([Problem("events", "nothing to add: fill in at least one event")])
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked_client(client)
        existing = list(locked.events or [])
        problems = _timing_problems(locked.birth_date, new, first_row=0, today=today)
        if problems:
            raise ClientInputError(problems)
        try:
            _save_events(locked, existing + new)
        except ClientInputError as error:
            raise ClientInputError(_shift_paths(error.problems, -len(existing))) from None
        audit_record(action="change", request=request, user=user, obj=locked,
                     detail={"what": "events", "added": len(new), "count": len(locked.events)})
    client.events = locked.events
    return client


def client_event_edit(
    *,
    client: Client,
    user: User,
    index: int,
    fingerprint: str,
    event: Mapping[str, Any],
    request: HttpRequest | None = None,
    today: dt.date | None = None,
) -> Client:
    """Change the event at `index` (as last seen: `fingerprint`); every other event stays."""
    changed = _clean_event(event)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = _locked_client(client)
        before = _event_at(locked, index, fingerprint)
        problems = _timing_problems(locked.birth_date, [changed], first_row=index, today=today)
        if problems:
            raise ClientInputError(problems)
        events = list(locked.events)
        events[index] = changed
        _save_events(locked, events)
        audit_record(action="change", request=request, user=user, obj=locked, detail={
            "what": "event", "position": index + 1,
            "before": _event_summary(before), "after": _event_summary(changed),
        })
    client.events = locked.events
    return client


def client_event_remove(
    *,
    client: Client,
    user: User,
    index: int,
    fingerprint: str,
    request: HttpRequest | None = None,
) -> dict[str, Any]:
    """Remove the event at `index` (as last seen: `fingerprint`) and return it; the others stay."""
    with transaction.atomic():
        locked = _locked_client(client)
        removed = _event_at(locked, index, fingerprint)
        events = list(locked.events)
        del events[index]
        _save_events(locked, events)
        audit_record(action="delete", request=request, user=user, obj=locked, detail={
            "what": "event", "position": index + 1, "event": _event_summary(removed),
            "count": len(events),
        })
    client.events = locked.events
    return removed


def _shift_paths(problems: Sequence[Problem], by: int) -> list[Problem]:
    """Renumber `events[N]` paths by `by`, so they name the rows as entered."""
    def shift(path: str) -> str:
        return re.sub(r"^events\[(\d+)\]", lambda m: f"events[{int(m.group(1)) + by}]", path)

    return [Problem(shift(p.path), p.message, p.value) for p in problems]


def client_events_update(*, client: Client, user: User, events: Sequence[Mapping[str, Any]],
                         request: HttpRequest | None = None) -> Client:
    """Replace the whole list of events (a deliberate replacement, e.g. by a script).

    The pages never use it: they add, edit or remove one event at a time, so that a save
    cannot drop events the page did not show. Finalised assessments keep the scores they
    were signed with (they never change); the events count in drafts, new assessments and
    amendments.
    """
    cleaned = [_clean_event(e) for e in events]
    with transaction.atomic():
        locked = _locked_client(client)
        _save_events(locked, cleaned)
        audit_record(action="change", request=request, user=user, obj=locked,
                     detail={"what": "events", "replaced": True, "count": len(cleaned)})
    client.events = locked.events
    return client


def case_file_for(client: Client, *, include_drafts: bool = False) -> dict[str, Any]:
    """The client's case file (case-file.md): finalised assessments, amended originals left out.

    With `include_drafts`, drafts are there too, in date order (a draft amendment in
    place of what it amends).
    """
    if not include_drafts:
        return case_file_for_client(client)
    chosen = {a.pk: a for a in current_assessments(client)}
    drafts = Assessment.objects.filter(client=client, status=Assessment.Status.DRAFT)
    for draft in drafts.order_by("date", "id"):
        chosen.pop(draft.amends_id, None)
        chosen[draft.pk] = draft
    ordered = sorted(chosen.values(), key=lambda a: (a.date, a.pk))
    case = case_file_for_client(client, assessments=[])
    case["assessments"] = [assessment_case_dict(a) for a in ordered]
    return case


def case_file_export(*, client: Client, user: User, request: HttpRequest | None = None) -> dict[str, Any]:
    """The client's case file for download, recorded in the audit log (no entry, no file)."""
    with transaction.atomic():
        case = case_file_for(client)
        audit_record(action="export", request=request, user=user, obj=client,
                     detail={"format": CASE_FORMAT, "assessments": len(case["assessments"])})
    return case


def case_file_import(*, organisation: Organisation, user: User, data: Any,
                     request: HttpRequest | None = None, command_line: Any = None,
                     detail: Mapping[str, Any] | None = None) -> Client:
    """Create a client and its finalised, scored assessments from a case file.

    `user` carries the client; from the command line the audit entry's actor is the
    operating-system user and host (`command_line`, audit.services.CommandLineActor),
    with `user` named in its detail.
    Raises ClientInputError listing every problem (JSON path first); nothing is saved then.
    """
    try:
        case = parse_case(data)
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None
    too_long = [
        *stored_length_problems(Client, {"reference": ("client.id", case.client.id),
                                         "display_name": ("client.display_name", case.client.display_name)}),
        *(p for n, a in enumerate(case.assessments)
          for p in stored_length_problems(Assessment, {"reference": (f"assessments[{n}].id", a.id)})),
    ]
    if too_long:  # SQLite would store them, PostgreSQL would refuse them: refused on both
        raise ClientInputError(too_long)
    if _reference_taken(organisation.pk, case.client.id):
        raise ClientInputError([Problem(
            "client.id",
            f"{case.client.id} is already a client of {organisation.name}; "
            "give the file another client id to import it as a new client",
            case.client.id,
        )])
    try:
        results = {r.assessment_id: r for r in score_history(case)}
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None

    now = timezone.now()
    try:
        with transaction.atomic():
            client = Client.objects.create(
                organisation=organisation,
                reference=case.client.id,
                display_name=case.client.display_name or case.client.id,
                birth_date=case.client.birth_date,
                interests=list(data.get("interests", [])),
                events=[_clean_event(e) for e in data.get("events", [])],
                context=context_json(case.client.context) if case.client.context else {},
            )
            if user.role == User.Role.CLINICIAN:
                client.clinicians.add(user)
            signed: list[dict[str, Any]] = []  # the file's assessments so far, as each is signed
            for raw, parsed in zip(data.get("assessments", []), case.assessments, strict=True):
                result = results[parsed.id]
                row = Assessment(
                    client=client,
                    reference=parsed.id,
                    kind=parsed.kind,
                    date=parsed.date,
                    status=Assessment.Status.FINAL,
                    instrument_version=parsed.instrument_version,  # the file's, checked available
                    # The file's own text, validated: an export gives back what came in.
                    inputs={k: raw[k] for k in INPUT_KEYS if k in raw},
                    result=result_to_json(result),
                    undetermined_reason=parsed.undetermined_reason or "",
                    created_by=user,
                    finalised_by=user,
                    finalised_at=now,
                )
                # Frozen like any signed assessment: later edits of the client never reach it.
                signed.append(assessment_case_dict(row))
                row.snapshot = frozen_case(
                    {**case_file_for_client(client, assessments=[]), "assessments": signed}, parsed.id)
                row.save()
            store_next_follow_up(client)
            store_latest_phase(client)
            entry_detail = {"assessments": len(case.assessments), **(detail or {})}
            if command_line is not None:
                audit_record(action="import", obj=client, organisation_id=organisation.pk,
                             command_line=command_line, detail={**entry_detail, "for_user": user.username})
            else:
                audit_record(action="import", request=request, user=user, obj=client, detail=entry_detail)
    except IntegrityError:
        raise ClientInputError([Problem("client.id", f"{case.client.id} is already a client")]) from None
    return client


def case_file_add_assessments(*, client: Client, user: User, data: Any,
                              request: HttpRequest | None = None) -> list[Assessment]:
    """Add a case file's new assessments to an existing client, finalised and scored.

    The file names the client (same `client.id` and birth date). Assessments whose id the
    client already has are left as they are (a file exported earlier and extended can be
    sent again); the new ones must be dated on or after the client's latest finalised
    assessment, since signed assessments never change and a new one dated before them
    would change what they were compared with. The client's events and interests are the
    record's (change them on the client's pages); the file's are checked but not taken.
    Raises ClientInputError naming every problem (JSON path first); nothing is saved then.
    """
    try:
        case = parse_case(data)
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None
    problems = []
    if case.client.id != client.reference:
        problems.append(Problem("client.id", f"{case.client.id} is not this client ({client.reference}); "
                                             "import it as a new client instead", case.client.id))
    if case.client.birth_date != client.birth_date:
        problems.append(Problem("client.birth_date", f"{case.client.birth_date.isoformat()} is not this client's "
                                                     f"birth date ({client.birth_date.isoformat()})",
                                case.client.birth_date.isoformat()))
    if problems:
        raise ClientInputError(problems)
    with transaction.atomic():
        locked = _locked_client(client)  # two imports at once cannot both add the same ids
        stored = current_assessments(locked)
        taken = set(Assessment.objects.filter(client=locked).values_list("reference", flat=True))
        latest = max((a.date for a in stored), default=None)
        new = [(n, raw, parsed) for n, (raw, parsed) in enumerate(zip(data.get("assessments", []), case.assessments,
                                                                      strict=True)) if parsed.id not in taken]
        if not new:
            raise ClientInputError([Problem("assessments", "holds no assessment this client does not have "
                                                           "already; nothing to add", len(case.assessments))])
        problems = [
            *(Problem(f"assessments[{n}].date", f"{parsed.date.isoformat()} is before this client's latest finalised "
                                                f"assessment ({latest.isoformat()}); expected a later date",
                      parsed.date.isoformat())
              for n, _raw, parsed in new if latest is not None and parsed.date < latest),
            *(p for n, _raw, parsed in new
              for p in stored_length_problems(Assessment, {"reference": (f"assessments[{n}].id", parsed.id)})),
        ]
        if problems:
            raise ClientInputError(problems)
        combined = case_file_for_client(locked)
        combined["assessments"] += [raw for _n, raw, _parsed in new]
        try:
            results = {r.assessment_id: r for r in score_history(parse_case(combined))}
        except CaseFileError as error:
            raise ClientInputError(error.problems) from None
        now = timezone.now()
        signed = [assessment_case_dict(a) for a in stored]
        added = []
        for _n, raw, parsed in new:
            result = results[parsed.id]
            row = Assessment(
                client=locked, reference=parsed.id, kind=parsed.kind, date=parsed.date,
                status=Assessment.Status.FINAL, instrument_version=result.instrument_version,
                inputs={k: raw[k] for k in INPUT_KEYS if k in raw}, result=result_to_json(result),
                undetermined_reason=parsed.undetermined_reason or "",
                created_by=user, finalised_by=user, finalised_at=now,
            )
            signed.append(assessment_case_dict(row))
            row.snapshot = frozen_case({**case_file_for_client(locked, assessments=[]), "assessments": signed},
                                       parsed.id)
            row.save()
            added.append(row)
        store_next_follow_up(locked)
        store_latest_phase(locked)
        audit_record(action="import", request=request, user=user, obj=locked,
                     detail={"added_assessments": [a.reference for a in added]})
    return added


__all__ = [
    "CASE_FORMAT",
    "ClientInputError",
    "EventChangedError",
    "case_file_add_assessments",
    "case_file_export",
    "case_file_for",
    "case_file_import",
    "client_create",
    "client_event_edit",
    "client_event_remove",
    "client_events_add",
    "client_events_update",
    "client_update",
    "event_fingerprint",
]
