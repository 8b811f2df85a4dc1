"""Pages for the caseload and clients. Thin: read through selectors, write through services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from rootmap.instruments import current
from rootmap.web.access import client_for, sees_whole_organisation
from rootmap.web.accounts.models import User
from rootmap.web.audit.services import audit_record
from rootmap.web.clients import selectors, services
from rootmap.web.clients.context_display import context_summary
from rootmap.web.clients.csv_services import may_import_csv
from rootmap.web.clients.events_panel import (
    event_lines,
    events_panel,
    field_messages,
    new_rows,
    problem_messages,
    row_messages,
)
from rootmap.web.clients.forms import CaseFileUploadForm, ClientForm, EventForm, event_initial
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import event_fingerprint


def _today() -> Any:
    return timezone.localdate()


@login_required
@require_GET  # any other method is 405, before the view audits anything
def home(request: HttpRequest) -> HttpResponse:
    """The caseload dashboard (a clinician's caseload; a supervisor's organisation)."""
    user: User = request.user  # type: ignore[assignment]
    whole_organisation = sees_whole_organisation(user)
    clinician = request.GET.get("clinician", "")
    # A supervisor's or admin's clinician filter: a name to look for and the few matches,
    # not a drop-down of every clinician of the organisation (decision 0031).
    clinician_filter = selectors.clinician_filter(
        organisation_id=user.organisation_id, clinician=clinician,
        query=request.GET.get("clinician_q", ""), seen=request.GET.get("clinician_seen", ""),
    ) if whole_organisation else None
    dashboard = selectors.caseload_dashboard(
        user=user,
        today=_today(),
        search=request.GET.get("q", ""),
        phase=request.GET.get("phase", ""),
        follow_up=request.GET.get("follow_up", ""),
        clinician=clinician_filter.chosen if clinician_filter else clinician,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    query = request.GET.copy()
    for cursor in ("page", "after", "before"):
        query.pop(cursor, None)
    context = {
        "nav": "caseload",
        "dashboard": dashboard,
        "whole_organisation": whole_organisation,
        "phases": selectors.PHASES,
        "follow_up_filters": selectors.FOLLOW_UP_FILTERS,
        "clinician_filter": clinician_filter,
        "query_string": query.urlencode(),
        "today": _today(),
        "may_import_csv": may_import_csv(user),
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
                clinicians=data.get("clinicians", []), request=request,
            )
        except services.ClientInputError as error:
            _problems_to_form(form, error.problems)
        else:
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
                request=request,
            )
        except services.ClientInputError as error:
            _problems_to_form(form, error.problems)
        else:
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
        # The same words for an event's timing as on the events page and in the assessment.
        "event_lines": event_lines(client),
        "can_edit_caseload": _can_assign(user),
        "has_full": any(a.kind == "full" for a in current),
        "context": context_summary(client.context),
    })


def _assessment_links(client: Client, assessments: list[Any]) -> dict[str, Any]:
    links = {
        "new": {kind: reverse("assessment-new", args=[client.pk, kind]) for kind in ("full", "follow_up", "er")},
    }
    for a in assessments:
        a.edit_url = reverse("assessment-edit", args=[a.pk])
        a.results_url = reverse("assessment-results", args=[a.pk])
    return links


def _event_labels() -> dict[str, str]:
    # Events belong to the client, not to one assessment: named as the current version does
    # (every version keeps the same category ids, rootmap.instruments.check).
    return dict(current().event_categories)


def _return_to(request: HttpRequest) -> str:
    """Where to go back after an event change: a page of this site (the assessment), else ''."""
    wanted = request.POST.get("return_to") or request.GET.get("return_to") or ""
    if (wanted.startswith("/") and len(wanted) < 500 and "\x00" not in wanted
            and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure())):
        return wanted
    return ""


def _after_change(request: HttpRequest, client: Client, return_to: str) -> HttpResponse:
    if return_to:
        return redirect(return_to.split("#", 1)[0] + "#events-panel")
    return redirect("client-events", pk=client.pk)


def _event_or_404(client: Client, position: int) -> dict[str, Any]:
    events = client.events or []
    if not 1 <= position <= len(events):
        raise Http404("No such event")
    return events[position - 1]


@login_required
@require_http_methods(["GET", "POST"])
def client_events(request: HttpRequest, pk: int) -> HttpResponse:
    """The client's adverse events; a POST adds the filled rows and keeps every other event."""
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    today = _today()
    return_to = _return_to(request)
    action_url = reverse("client-events", args=[client.pk])
    partial = bool(request.headers.get("HX-Request"))
    if request.method == "GET":
        audit_record(action="view", request=request, obj=client, detail={"page": "events"})
        panel = events_panel(client, today=today, action_url=action_url, return_to=return_to,
                             rows=request.GET.get("rows"))
        return render(request, "clients/client_events.html", {"nav": "caseload", "client": client,
                                                              "panel": panel})
    formset = new_rows(client, today, data=request.POST)
    problems: list[str] = []
    if not formset.is_valid():
        problems = row_messages(formset)
    else:
        filled = formset.filled_forms()
        try:
            services.client_events_add(client=client, user=user, events=[f.as_event() for f in filled],
                                       request=request, today=today)
        except services.ClientInputError as error:
            numbers = [formset.forms.index(f) + 1 for f in filled]
            problems = problem_messages(error.problems, rows=numbers)
        else:
            saved = (f"{len(filled)} event{'s' if len(filled) != 1 else ''} added; "
                     f"{client.display_name} now has {len(client.events)}.")
            if partial:
                panel = events_panel(client, today=today, action_url=action_url, return_to=return_to,
                                     saved=saved)
                return render(request, "clients/_events_panel.html", {"panel": panel})
            messages.success(request, saved + " They count in new assessments and amendments; "
                                              "finalised ones keep their scores.")
            return _after_change(request, client, return_to)
    panel = events_panel(client, today=today, action_url=action_url, return_to=return_to,
                         formset=formset, problems=problems)
    if partial:
        return render(request, "clients/_events_panel.html", {"panel": panel})
    return render(request, "clients/client_events.html", {"nav": "caseload", "client": client,
                                                          "panel": panel})


@login_required
@require_http_methods(["GET", "POST"])
def client_event_edit(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    """Change one event; the others are not part of the form and stay as they are."""
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    event = _event_or_404(client, position)
    today = _today()
    return_to = _return_to(request)
    form = EventForm(request.POST or None, initial=event_initial(event), prefix="event",
                     birth_date=client.birth_date, today=today)
    fingerprint = request.POST.get("fingerprint", "") if request.method == "POST" else event_fingerprint(event)
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        audit_record(action="view", request=request, obj=client, detail={"page": "event", "position": position})
    elif form.is_valid():
        try:
            services.client_event_edit(client=client, user=user, index=position - 1, fingerprint=fingerprint,
                                       event=form.as_event(), request=request, today=today)
        except services.EventChangedError as error:
            problems, status = [p.message[:1].upper() + p.message[1:] + "." for p in error.problems], 409
        except services.ClientInputError as error:
            problems = problem_messages(error.problems, noun="Event")
        else:
            messages.success(request, f"Event {position} was saved; the other events are unchanged.")
            return _after_change(request, client, return_to)
    else:
        problems = field_messages(form, f"Event {position}")
    return render(request, "clients/client_event_edit.html", {
        "nav": "caseload", "client": client, "form": form, "edit_forms": [form], "position": position,
        "fingerprint": fingerprint, "return_to": return_to, "problems": problems,
        "current": event_lines(client)[position - 1],
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def client_event_remove(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    """Remove one event, after an explicit confirmation: a POST without `confirm=yes` only asks."""
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    event = _event_or_404(client, position)
    return_to = _return_to(request)
    fingerprint = request.POST.get("fingerprint", "") if request.method == "POST" else event_fingerprint(event)
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        audit_record(action="view", request=request, obj=client,
                     detail={"page": "event-remove", "position": position})
    if request.method == "POST" and fingerprint != event_fingerprint(event):
        problems, status = [f"Event {position} was changed or removed by someone else since the page was "
                            "opened; nothing was removed. Here it is as it is now."], 409
        fingerprint = event_fingerprint(event)
    elif request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            removed = services.client_event_remove(client=client, user=user, index=position - 1,
                                                   fingerprint=fingerprint, request=request)
        except services.EventChangedError as error:
            problems, status = [p.message[:1].upper() + p.message[1:] + "." for p in error.problems], 409
        except services.ClientInputError as error:
            problems = problem_messages(error.problems)
        else:
            category = removed.get("category", "")
            messages.success(request, f"Event {position} ({_event_labels().get(category, category)}) was removed; "
                                      "the other events are unchanged. The audit log records it.")
            return _after_change(request, client, return_to)
    return render(request, "clients/client_event_remove.html", {
        "nav": "caseload", "client": client, "position": position, "fingerprint": fingerprint,
        "return_to": return_to, "problems": problems, "event": event_lines(client)[position - 1],
    }, status=status)


@login_required
@require_GET  # any other method is 405, before the view audits anything
def client_export(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    case = services.case_file_export(client=client, user=user, request=request)
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
                organisation=user.organisation, user=user, data=form.cleaned_data["case_file"],
                request=request,
            )
        except services.ClientInputError as error:
            problems = error.problems
        else:
            messages.success(request, f"{client.display_name} was imported with their assessments.")
            return redirect("client-detail", pk=client.pk)
    return render(request, "clients/client_import.html", {
        "nav": "caseload", "form": form, "problems": problems,
    })
