"""Pages for the caseload and clients. Thin: read through selectors, write through services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from rootmap.web.access import client_for, sees_whole_organisation
from rootmap.web.accounts.models import User
from rootmap.web.audit.services import audit_record
from rootmap.web.clients import selectors, services
from rootmap.web.clients.forms import CaseFileUploadForm, ClientForm, EventFormSet
from rootmap.web.clients.models import Client


def _today() -> Any:
    return timezone.localdate()


@login_required
@require_GET  # any other method is 405, before the view audits anything
def home(request: HttpRequest) -> HttpResponse:
    """The caseload dashboard (a clinician's caseload; a supervisor's organisation)."""
    user: User = request.user  # type: ignore[assignment]
    dashboard = selectors.caseload_dashboard(
        user=user,
        today=_today(),
        search=request.GET.get("q", ""),
        phase=request.GET.get("phase", ""),
        follow_up=request.GET.get("follow_up", ""),
        clinician=request.GET.get("clinician", ""),
        page_number=request.GET.get("page", 1),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "caseload",
        "dashboard": dashboard,
        "whole_organisation": sees_whole_organisation(user),
        "phases": selectors.PHASES,
        "follow_up_filters": selectors.FOLLOW_UP_FILTERS,
        "clinicians": selectors.clinicians_of(user.organisation_id)
        if sees_whole_organisation(user) else [],
        "query_string": query.urlencode(),
        "today": _today(),
    }
    template = "clients/_caseload_table.html" if request.headers.get("HX-Request") else "clients/dashboard.html"
    return render(request, template, context)


def _can_assign(user: User) -> bool:
    return sees_whole_organisation(user)


def _problems_to_form(form: Any, problems: list[Any]) -> None:
    for problem in problems:
        field = problem.path if problem.path in form.fields else None
        form.add_error(field, problem.message if field else str(problem))


@login_required
@require_http_methods(["GET", "POST"])
def client_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ClientForm(request.POST or None, organisation_id=user.organisation_id,
                      can_assign=_can_assign(user))
    if request.method == "POST" and form.is_valid() and user.organisation is not None:
        data = form.cleaned_data
        try:
            client = services.client_create(
                organisation=user.organisation, user=user,
                reference=data["reference"], display_name=data["display_name"],
                birth_date=data["birth_date"], interests=data["interests"],
                clinicians=data.get("clinicians", []),
            )
        except services.ClientInputError as error:
            _problems_to_form(form, error.problems)
        else:
            audit_record(action="create", request=request, obj=client)
            messages.success(request, f"{client.display_name} was added.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "nav": "caseload", "client": None})


@login_required
@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=client, detail={"page": "edit"})
    initial = {
        "display_name": client.display_name,
        "reference": client.reference,
        "birth_date": client.birth_date,
        "interests": ", ".join(client.interests or []),
        "clinicians": list(client.clinicians.all()),
    }
    form = ClientForm(request.POST or None, initial=initial, organisation_id=client.organisation_id,
                      can_assign=_can_assign(user))
    if client.assessments.filter(status="final").exists():
        # Ages and scores of finalised assessments are signed: the birth date stays as it is.
        form.fields["birth_date"].disabled = True
        form.fields["birth_date"].help_text = "Fixed: finalised assessments were scored at this birth date."
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.client_update(
                client=client, user=user,
                reference=data["reference"], display_name=data["display_name"],
                birth_date=data["birth_date"], interests=data["interests"],
                clinicians=data["clinicians"] if "clinicians" in form.fields else None,
            )
        except services.ClientInputError as error:
            _problems_to_form(form, error.problems)
        else:
            audit_record(action="change", request=request, obj=client, detail={"what": "details"})
            messages.success(request, "The client's details were saved.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "clients/client_form.html", {"form": form, "nav": "caseload", "client": client})


@login_required
@require_GET  # any other method is 405, before the view audits anything
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    assessments = selectors.client_assessments(client)
    final = [a for a in assessments if a.status == "final"]
    superseded = {a.amends_id for a in assessments if a.amends_id and a.status == "final"}
    current = sorted((a for a in final if a.pk not in superseded), key=lambda a: (a.date, a.pk))
    follow_up = selectors.follow_up_for([(a.kind, a.date) for a in current], _today()) if current else None
    links = _assessment_links(client, assessments)
    audit_record(action="view", request=request, obj=client)
    return render(request, "clients/client_detail.html", {
        "links": links,
        "nav": "caseload",
        "client": client,
        "assessments": assessments,
        "superseded": superseded,
        "latest": current[-1] if current else None,
        "follow_up": follow_up,
        "clinicians": list(client.clinicians.order_by("username")),
        "event_labels": _event_labels(),
        "can_edit_caseload": _can_assign(user),
        "has_full": any(a.kind == "full" for a in current),
    })


def _url(name: str, args: list[Any], fallback: str) -> str:
    """The assessment pages' URL, by name once their app defines it, else by its agreed path."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def _assessment_links(client: Client, assessments: list[Any]) -> dict[str, Any]:
    links = {
        "new": {kind: _url("assessment-new", [client.pk, kind], f"/clients/{client.pk}/assessments/new/{kind}/")
                for kind in ("full", "follow_up", "er")},
    }
    for a in assessments:
        a.edit_url = _url("assessment-edit", [a.pk], f"/assessments/{a.pk}/")
        a.results_url = _url("assessment-results", [a.pk], f"/assessments/{a.pk}/results/")
    return links


def _event_labels() -> dict[str, str]:
    from rootmap.instruments import load_instrument

    return dict(load_instrument("1").event_categories)


def _event_initial(client: Client) -> list[dict[str, Any]]:
    return [
        {key: event.get(key) for key in ("category", "onset_months", "end_months", "severity",
                                        "note", "source")}
        for event in client.events or []
    ]


@login_required
@require_http_methods(["GET", "POST"])
def client_events(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the client's adverse events timeline (validated by the scoring core)."""
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=client, detail={"page": "events"})
    formset = EventFormSet(request.POST or None, initial=_event_initial(client), prefix="events")
    problems: list[Any] = []
    if request.method == "POST" and formset.is_valid():
        events = [
            form.as_event() for form in formset.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.client_events_update(client=client, user=user, events=events)
        except services.ClientInputError as error:
            problems = error.problems
        else:
            audit_record(action="change", request=request, obj=client,
                         detail={"what": "events", "count": len(events)})
            messages.success(request, f"Adverse events saved ({len(events)}). They count in new "
                                      "assessments and amendments; finalised ones keep their scores.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "clients/client_events.html", {
        "nav": "caseload", "client": client, "formset": formset, "problems": problems,
    })


@login_required
@require_GET  # any other method is 405, before the view audits anything
def client_export(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    case = services.case_file_for(client)
    audit_record(action="export", request=request, obj=client,
                 detail={"format": "rootmap-case/1", "assessments": len(case["assessments"])})
    response = HttpResponse(json.dumps(case, indent=2, ensure_ascii=False) + "\n",
                            content_type="application/json; charset=utf-8")
    safe_reference = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in client.reference)
    response["Content-Disposition"] = f'attachment; filename="case-{safe_reference}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def client_import(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = CaseFileUploadForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid() and user.organisation is not None:
        try:
            client = services.case_file_import(
                organisation=user.organisation, user=user, data=form.cleaned_data["case_file"]
            )
        except services.ClientInputError as error:
            problems = error.problems
        else:
            audit_record(action="import", request=request, obj=client,
                         detail={"assessments": client.assessments.count()})
            messages.success(request, f"{client.display_name} was imported with their assessments.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "clients/client_import.html", {
        "nav": "caseload", "form": form, "problems": problems,
    })
