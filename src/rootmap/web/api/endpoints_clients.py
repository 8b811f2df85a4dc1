"""/api/v1/clients: the caseload, a client's details and case file, case-file import.

Reads start from the web's selectors (caseload_dashboard, client_for); writes are the web's
services, checked first by the web's own ClientForm, so a field refused on the page is
refused here with the same words. Every read of a client's record is audited, as the
pages are, and the entry names the token (rootmap.web.audit.services).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import AfterValidator, Field

from rootmap.core.limits import read_document_json
from rootmap.core.problems import CaseFileError, Problem
from rootmap.web.access import client_for, sees_whole_organisation
from rootmap.web.accounts.models import User
from rootmap.web.api.auth import read_token, write_token
from rootmap.web.api.schemas import (
    AssessmentSummaryOut,
    ClientIn,
    ClientOut,
    ClientPageOut,
    ClientPatch,
    ClinicianOut,
    body_of,
    responses,
)
from rootmap.web.audit.services import audit_record
from rootmap.web.clients import selectors, services
from rootmap.web.clients.forms import ClientForm
from rootmap.web.clients.models import Client

router = Router(tags=["clients"])


def _clinician_filter(value: str) -> str:
    if not selectors.clinician_filter_value(value):
        raise ValueError(f"{value!r} is not a clinician's id or 'unassigned'")
    return value


class ClientFilters(Schema):
    # The dashboard's filters (selectors.PHASES, "unassessed", selectors.FOLLOW_UP_FILTERS):
    # an unknown value is a problem naming the field, not the whole caseload unfiltered.
    q: str = Field("", max_length=selectors.SEARCH_MAX)
    phase: Literal["", "regulate", "relate", "reason", "maintain", "undetermined", "unassessed"] = ""
    follow_up: Literal["", "overdue", "due_soon", "none"] = ""
    clinician: Annotated[str, AfterValidator(_clinician_filter)] = ""
    page: int = Field(1, ge=1)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("/clients", response=responses(ClientPageOut), auth=read_token,
            summary="The caseload: a clinician's clients, a supervisor's or admin's organisation")
def client_list(request: HttpRequest, filters: Query[ClientFilters]) -> Any:
    dashboard = selectors.caseload_dashboard(
        user=_user(request), today=timezone.localdate(), search=filters.q, phase=filters.phase,
        follow_up=filters.follow_up, clinician=filters.clinician, page_number=filters.page)
    page = dashboard.page
    return {
        "count": dashboard.total_visible, "page": page.number, "pages": page.paginator.num_pages,
        "page_size": selectors.PAGE_SIZE, "next_page": page.next_page_number() if page.has_next() else None,
        "overdue": dashboard.overdue_count, "due_soon": dashboard.due_soon_count,
        "results": [{
            "id": row.client.pk, "reference": row.client.reference, "display_name": row.client.display_name,
            "birth_date": row.client.birth_date, "latest_assessment": row.latest_id,
            "latest_kind": row.latest_kind, "latest_date": row.latest_date, "phase": row.phase,
            "next_follow_up": row.follow_up.next_due, "follow_up": row.follow_up.key,
            "clinicians": [c.username for c in row.clinicians],
        } for row in dashboard.rows],
    }


def client_body(client: Client) -> dict[str, Any]:
    assessments = selectors.client_assessments(client)
    superseded = {a.amends_id for a in assessments if a.amends_id and a.status == "final"}
    return {
        "id": client.pk, "reference": client.reference, "display_name": client.display_name,
        "birth_date": client.birth_date, "interests": list(client.interests or []),
        "events": len(client.events or []),
        "clinicians": [ClinicianOut(id=c.pk, username=c.username, name=str(c))
                       for c in client.clinicians.order_by("username")],
        "assessments": [AssessmentSummaryOut(id=a.pk, reference=a.reference, kind=a.kind, date=a.date,
                                             status=a.status, amends=a.amends_id, superseded=a.pk in superseded)
                        for a in assessments],
    }


@router.get("/clients/{int:client_id}", response=responses(ClientOut), auth=read_token,
            summary="A client's details and assessments")
def client_read(request: HttpRequest, client_id: int) -> Any:
    client = client_for(_user(request), client_id)
    audit_record(action="view", request=request, obj=client, detail={"page": "api client"})
    return client_body(client)


def _form_problems(form: ClientForm) -> list[Problem]:
    problems = []
    for field, errors in form.errors.get_json_data().items():
        path = field if field != "__all__" else "$"
        for error in errors:
            problems.append(Problem(path, str(error["message"]), form.data.get(field)))
    return problems


def _clinician_ids(user: User, usernames: list[str] | None) -> tuple[list[Any], list[Problem]]:
    """Usernames as the form's choices (ids), or a problem naming an unknown one."""
    if usernames is None:
        return [], []
    if not sees_whole_organisation(user):
        return [], [Problem("clinicians", "only an administrator or supervisor assigns clinicians", usernames)]
    known = dict(selectors.clinicians_of(user.organisation_id).values_list("username", "pk"))
    missing = [name for name in usernames if name not in known]
    if missing:
        return [], [Problem("clinicians", f"{missing[0]!r} is not an active clinician of your organisation",
                            missing[0])]
    return [known[name] for name in usernames], []


def _checked_form(user: User, values: dict[str, Any], clinician_ids: list[Any],
                  assign: bool) -> ClientForm:
    data: dict[str, Any] = {
        "reference": values["reference"], "display_name": values["display_name"],
        "birth_date": values["birth_date"].isoformat() if isinstance(values["birth_date"], dt.date)
        else values["birth_date"],
        "interests": ", ".join(values.get("interests") or []),
    }
    if assign:
        data["clinicians"] = [str(pk) for pk in clinician_ids]
    from django.http import QueryDict

    post = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            post.setlist(key, value)
        else:
            post[key] = value
    return ClientForm(post, organisation_id=user.organisation_id, can_assign=assign)


class InputRefused(Exception):
    def __init__(self, problems: list[Problem], status: int = 422) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.status = status


@router.post("/clients", response=responses(ClientOut, 201), auth=write_token,
             summary="Add a client (a clinician who adds one carries them)")
def client_create(request: HttpRequest, payload: ClientIn) -> Any:
    user = _user(request)
    ids, problems = _clinician_ids(user, payload.clinicians)
    if problems:
        raise InputRefused(problems)
    assign = payload.clinicians is not None
    form = _checked_form(user, payload.dict(), ids, assign)
    if not form.is_valid() or user.organisation is None:
        raise InputRefused(_form_problems(form) or [Problem("$", "your account has no organisation")])
    data = form.cleaned_data
    client = services.client_create(
        organisation=user.organisation, user=user, reference=data["reference"],
        display_name=data["display_name"], birth_date=data["birth_date"], interests=data["interests"],
        clinicians=data.get("clinicians", []), request=request)
    return Status(201, client_body(client))


@router.patch("/clients/{int:client_id}", response=responses(ClientOut), auth=write_token,
              summary="Change a client's details (only the fields given)")
def client_update(request: HttpRequest, client_id: int, payload: ClientPatch) -> Any:
    user = _user(request)
    client = client_for(user, client_id)
    given = payload.dict(exclude_unset=True)
    ids, problems = _clinician_ids(user, given.get("clinicians"))
    if problems:
        raise InputRefused(problems)
    current = {"reference": client.reference, "display_name": client.display_name,
               "birth_date": client.birth_date, "interests": list(client.interests or [])}
    values = {**current, **{k: v for k, v in given.items() if k in current and v is not None}}
    form = _checked_form(user, values, ids, "clinicians" in given and given["clinicians"] is not None)
    if not form.is_valid():
        raise InputRefused(_form_problems(form))
    data = form.cleaned_data
    services.client_update(
        client=client, user=user, reference=data["reference"], display_name=data["display_name"],
        birth_date=data["birth_date"], interests=data["interests"],
        clinicians=data["clinicians"] if "clinicians" in form.fields else None, request=request)
    return client_body(client_for(user, client_id))


@router.get("/clients/{int:client_id}/case-file", response=responses(dict[str, Any]), auth=read_token,
            summary="The client's case file (format rootmap-case/1): finalised assessments, as signed")
def client_case_file(request: HttpRequest, client_id: int) -> Any:
    user = _user(request)
    client = client_for(user, client_id)
    return services.case_file_export(client=client, user=user, request=request)


def document_body(request: HttpRequest) -> Any:
    """The request body as a case or household file, within the command line's limits."""
    try:
        return read_document_json(request.body)
    except CaseFileError as error:
        raise InputRefused(error.problems, status=400) from None


@router.post("/clients/import", response=responses(ClientOut, 201), auth=write_token,
             openapi_extra=body_of("CaseFile"),
             summary="Import a case file as a new client with its finalised, scored assessments")
def client_import(request: HttpRequest) -> Any:
    user = _user(request)
    data = document_body(request)
    if user.organisation is None:
        raise InputRefused([Problem("$", "your account has no organisation")])
    client = services.case_file_import(organisation=user.organisation, user=user, data=data, request=request)
    return Status(201, client_body(client))


@router.post("/clients/{int:client_id}/case-file", response=responses(ClientOut), auth=write_token,
             openapi_extra=body_of("CaseFile"),
             summary="Add a case file's new assessments to this client (finalised and scored; ids it has are kept)")
def client_add_assessments(request: HttpRequest, client_id: int) -> Any:
    user = _user(request)
    client = client_for(user, client_id)
    data = document_body(request)
    services.case_file_add_assessments(client=client, user=user, data=data, request=request)
    return client_body(client_for(user, client_id))
