"""Writes for clients: create, update, adverse events, case-file import and export.

Every write runs in one transaction; bad input raises `ClientInputError` with the
problems (JSON path or field, and what was expected), and nothing is saved.

>>> client = case_file_import(organisation=org, user=user, data=json.loads(text))
>>> case_file_for(client)["assessments"][0]["id"]
'A-1'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rootmap.core.problems import CaseFileError, Problem
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.scoring import (
    CASE_FORMAT,
    INPUT_KEYS,
    assessment_case_dict,
    case_file_for_client,
    current_assessments,
    frozen_case,
    result_to_json,
)
from rootmap.web.clients.models import Client

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
    from rootmap.core.case import parse_case

    try:
        parse_case(case)
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None


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
) -> Client:
    """A new client. A clinician who creates one carries it (else they could not see it)."""
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
    chosen = None if clinicians is None else _check_clinicians(client.organisation_id, clinicians)
    with transaction.atomic():
        client.reference = reference
        client.display_name = display_name
        client.birth_date = birth_date
        client.interests = list(interests)
        client.save()
        if chosen is not None:
            client.clinicians.set(chosen)
    return client


def _clean_event(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {key: raw.get(key, "" if key in ("note", "source") else None) for key in EVENT_FIELDS}


def client_events_update(*, client: Client, user: User, events: Sequence[Mapping[str, Any]]) -> Client:
    """Replace the client's adverse events, validated by the scoring core.

    Finalised assessments keep the scores they were signed with (they never change); the
    events count in drafts, new assessments and amendments.
    """
    cleaned = [_clean_event(e) for e in events]
    _validate_case(_client_case(client, events=cleaned))
    with transaction.atomic():
        client.events = cleaned
        client.save(update_fields=["events", "updated_at"])
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


def case_file_import(*, organisation: Organisation, user: User, data: Any) -> Client:
    """Create a client and its finalised, scored assessments from a case file.

    Raises ClientInputError listing every problem (JSON path first); nothing is saved then.
    """
    from rootmap.core.case import parse_case
    from rootmap.core.scoring import score_history

    try:
        case = parse_case(data)
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None
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
                    instrument_version=result.instrument_version,
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
    except IntegrityError:
        raise ClientInputError([Problem("client.id", f"{case.client.id} is already a client")]) from None
    return client


__all__ = [
    "CASE_FORMAT",
    "ClientInputError",
    "case_file_for",
    "case_file_import",
    "client_create",
    "client_events_update",
    "client_update",
]
