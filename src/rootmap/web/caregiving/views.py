"""Pages for caregiving households and the caregiver challenge estimator.

Thin: inputs are read by `caregiving.forms`, written, scored and audited by
`caregiving.services`; what each viewer may see of the children is
`caregiving.selectors` (the caseload rule, decision 0011). The what-if and preview
endpoints answer htmx requests with a fragment and save nothing.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rootmap.instruments import current
from rootmap.render import palette as pal
from rootmap.web.access import as_pk, client_for, household_for, households_visible_to
from rootmap.web.accounts.models import User
from rootmap.web.caregiving import selectors, services
from rootmap.web.caregiving.forms import (
    AGE_PROBLEM,
    AddOtherChildForm,
    HouseholdForm,
    inputs_from_post,
    what_if_from_post,
)
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.selectors import PAGE_SIZE
from rootmap.web.keyset import keyset_page

# A reserve band's badge is its step of the one semantic palette (render/palette.py).
RESERVE_BADGE = {band: f"band-{n}" for n, band in enumerate(pal.RESERVE_BANDS, start=1)}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET  # any other method is 405, before the view audits anything
def household_list(request: HttpRequest) -> HttpResponse:
    latest = Estimate.objects.filter(household=OuterRef("pk")).order_by("-date", "-id")
    households = households_visible_to(_user(request)).annotate(
        latest_date=Subquery(latest.values("date")[:1]),
        latest_result=Subquery(latest.values("result")[:1]),
    )
    # Keyset pages by name (index household_org_name_idx): page N costs what page 1 costs.
    page = keyset_page(households, order=("name", "id"), size=PAGE_SIZE,
                       after=request.GET.get("after"), before=request.GET.get("before"))
    rows = []
    for h in page.object_list:
        result = h.latest_result
        if isinstance(result, str):  # some databases hand a subquery's JSON back as text
            result = json.loads(result)
        rows.append({"household": h, "children": len((h.inputs or {}).get("children", [])),
                     "caregivers": (h.inputs or {}).get("caregivers", []),
                     "latest_date": h.latest_date, "result": result,
                     "badge": RESERVE_BADGE.get((result or {}).get("reserve_band") or "", "")})
    return render(request, "caregiving/household_list.html", {"nav": "households", "rows": rows, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and user.organisation is not None:
        try:
            household = services.household_create(organisation=user.organisation, user=user,
                                                   request=request, **form.cleaned_data)
        except services.HouseholdInputError as error:
            for p in error.problems:
                form.add_error(p.path if p.path in form.fields else None, p.message)
        else:
            messages.success(request, f"{household.name} was added. Now add the caregivers and children.")
            return redirect("household-detail", pk=household.pk)
    return render(request, "caregiving/household_form.html", {"nav": "households", "form": form})


def _instrument() -> Any:
    return current()  # live inputs: the current version (stored estimates keep their own)


def _estimate_context(household: Household, inputs: dict[str, Any], clients: dict[int, Any],
                      children: list[selectors.HouseholdChild]) -> dict[str, Any]:
    """The live estimate of the inputs as they stand (nothing saved), or its problems.

    Every child counts, seen or not; a problem with an unseen child is named without
    its values.
    """
    try:
        result = services.score_file(services.household_file(household, on=timezone.localdate(),
                                                          inputs=inputs, clients=clients))
    except services.HouseholdInputError as error:
        return {"result": None, "estimate_problems": selectors.redacted_problems(error.problems, children)}
    # Each child's challenge, beside the demand it adds to, for the children whose ratings
    # this viewer may see (an unseen child's challenge still counts in the demand).
    challenges = [(c.label, result.children[c.n].challenge) for c in children
                  if c.challenge is not None and c.n < len(result.children)]
    return {"result": result, "badge": RESERVE_BADGE.get(result.reserve_band or "", ""),
            "challenges": challenges, "estimate_problems": []}


def _locked_children(user: User, household: Household) -> set[int]:
    """Places of the stored children this user may not see: their rows are kept as stored."""
    stored = services.household_inputs(household)
    return {c.n for c in selectors.household_children(user=user, household=household, inputs=stored,
                                                      on=timezone.localdate()) if not c.editable}


def _detail_context(request: HttpRequest, household: Household, *, inputs: dict[str, Any] | None = None,
                    problems: list[Any] | None = None) -> dict[str, Any]:
    user = _user(request)
    inputs = services.household_inputs(household) if inputs is None else inputs
    clients = services.clients_of(household.organisation_id, inputs)
    today = timezone.localdate()
    instrument = _instrument()
    seen = selectors.household_children(user=user, household=household, inputs=inputs, on=today)
    children = [{"n": c.n, "view": c, "child": inputs["children"][c.n],
                 "challenge": [(item, (c.challenge or {}).get(item.id)) for item in instrument.challenge_items]}
                for c in seen]
    in_household = [c.client_pk for c in seen if c.client_pk is not None]
    client_query = request.GET.get("client_q", "")
    candidates = selectors.client_matches(user=user, query=client_query, exclude=in_household)
    estimates = list(household.estimates.select_related("created_by").order_by("-date", "-id"))
    for e in estimates:
        e.badge = RESERVE_BADGE.get((e.result or {}).get("reserve_band") or "", "")
    context = {
        "nav": "households",
        "household": household,
        "inputs": inputs,
        "caregiver_rows": [*inputs["caregivers"], {"name": "", "role": ""}],
        "internal": [(item, inputs["internal"].get(item.id)) for item in instrument.internal_items],
        "external": [(item, inputs["external"].get(item.id)) for item in instrument.external_items],
        "resource_items": [*instrument.internal_items, *instrument.external_items],
        "challenge_items": instrument.challenge_items,
        "scale": instrument.caregiver.scale,
        "scale_descending": sorted(instrument.caregiver.scale.items(), reverse=True),
        "challenge_scale": instrument.caregiver.challenge_scale,
        "children": children,
        "child_views": seen,
        "may_share": selectors.may_share(user),
        "candidates": candidates,
        "client_query": client_query,
        "candidates_limit": selectors.CLIENT_MATCHES,
        "add_other_form": AddOtherChildForm(),
        "estimates": estimates,
        "problems": selectors.redacted_problems(problems or [], seen),
        "today": today,
        "report_available": bool(estimates),
    }
    context.update(_estimate_context(household, inputs, clients, seen))
    return context


@login_required
@require_GET  # any other method is 405, before the view audits anything
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = household_for(user, pk)
    context = _detail_context(request, household)
    services.household_view_record(household=household, user=user, view="page", request=request,
                                   shown=[(c.client_pk, c.exposure) for c in context["child_views"]])
    return render(request, "caregiving/household_detail.html", context)


@login_required
@require_GET
def household_client_search(request: HttpRequest, pk: int) -> HttpResponse:
    """The picker's options for what was typed (htmx): at most CLIENT_MATCHES clients the
    user may see, not already in the household. Without JavaScript the page itself takes
    `?client_q=` and lists the same matches. Recorded as a view of the household with the
    number of matches it listed (never the typed text)."""
    user = _user(request)
    household = household_for(user, pk)
    stored = services.household_inputs(household)
    in_household = [int(c["client_pk"]) for c in stored.get("children", []) if c.get("client_pk") is not None]
    candidates = selectors.client_matches(user=user, query=request.GET.get("client_q", ""),
                                          exclude=in_household)
    # Like the caseload list, names only: one entry about the household, not one per match.
    services.household_view_record(household=household, user=user, shown=[], view="child search",
                                   request=request, detail={"matches": len(candidates)})
    return render(request, "caregiving/_client_options.html",
                  {"candidates": candidates, "candidates_limit": selectors.CLIENT_MATCHES})


@login_required
@require_POST
def household_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the household as typed; with `estimate`, also store a dated estimate."""
    user = _user(request)
    household = household_for(user, pk)
    inputs = inputs_from_post(request.POST, services.household_inputs(household),
                              locked=_locked_children(user, household))
    today = timezone.localdate()
    try:
        services.household_update(household=household, user=user, inputs=inputs, on=today, request=request)
    except services.HouseholdInputError as error:
        context = _detail_context(request, household, inputs=inputs, problems=error.problems)
        return render(request, "caregiving/household_detail.html", context)
    if "estimate" in request.POST:
        try:
            services.estimate_save(household=household, user=user, on=today, request=request)
        except services.HouseholdInputError as error:
            context = _detail_context(request, household, problems=error.problems)
            messages.info(request, "The household was saved, but no estimate could be made yet.")
            return render(request, "caregiving/household_detail.html", context)
        messages.success(request, "The household was saved and today's estimate stored.")
    else:
        messages.success(request, "The household was saved.")
    return redirect("household-detail", pk=household.pk)


@login_required
@require_POST
def household_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The estimate of the form as typed (htmx), saving nothing."""
    user = _user(request)
    household = household_for(user, pk)
    inputs = inputs_from_post(request.POST, services.household_inputs(household),
                              locked=_locked_children(user, household))
    clients = services.clients_of(household.organisation_id, inputs)
    seen = selectors.household_children(user=user, household=household, inputs=inputs)
    return render(request, "caregiving/_estimate_panel.html",
                  {"household": household, **_estimate_context(household, inputs, clients, seen)})


def _save_typed(request: HttpRequest, household: Household) -> HttpResponse | None:
    """Adding a child submits the whole page: keep what was typed before adding.

    Returns the page with its problems when what was typed cannot be saved.
    """
    if "caregiver-count" not in request.POST:
        return None
    user = _user(request)
    inputs = inputs_from_post(request.POST, services.household_inputs(household),
                              locked=_locked_children(user, household))
    if inputs == services.household_inputs(household):
        return None
    try:
        services.household_update(household=household, user=user, inputs=inputs,
                                  on=timezone.localdate(), request=request)
    except services.HouseholdInputError as error:
        context = _detail_context(request, household, inputs=inputs, problems=error.problems)
        return render(request, "caregiving/household_detail.html", context)
    return None


@login_required
@require_POST
def household_add_client(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = household_for(user, pk)
    client_id = request.POST.get("client", "")
    if "find" in request.POST:
        # The picker's "Find" without JavaScript: keep what was typed, then list the matches.
        unsaved = _save_typed(request, household)
        if unsaved is not None:
            return unsaved
        target = reverse("household-detail", args=[household.pk])
        return redirect(f"{target}?{urlencode({'client_q': request.POST.get('client_q', '')[:120]})}#add-client")
    # Looked up before anything is saved: a client outside the user's view is a 404 with
    # nothing stored.
    client = client_for(user, client_id) if client_id else None
    unsaved = _save_typed(request, household)
    if unsaved is not None:
        return unsaved
    if client is None:
        messages.error(request, "Choose a client to add.")
        return redirect("household-detail", pk=household.pk)
    try:
        child = services.household_child_add_client(household=household, user=user, client=client,
                                                    request=request)
    except services.HouseholdInputError as error:
        messages.error(request, "; ".join(p.message for p in error.problems))
    else:
        if child.get("prefilled_from"):
            messages.success(request, f"{client.display_name} was added; the challenge is pre-filled from "
                                      f"assessment {child['prefilled_from']}. Please confirm or change it.")
        else:
            messages.success(request, f"{client.display_name} was added; rate the challenge below.")
    return redirect("household-detail", pk=household.pk)


@login_required
@require_POST
def household_add_other(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    household = household_for(user, pk)
    unsaved = _save_typed(request, household)
    if unsaved is not None:
        return unsaved
    form = AddOtherChildForm({"name": request.POST.get("other-name", ""),
                              "years": request.POST.get("other-years", ""),
                              "months": request.POST.get("other-months", "")})
    if not form.is_valid():
        if "name" in form.errors:
            messages.error(request, f"Name or description: {form.errors['name'][0]}")
        if set(form.errors) - {"name"}:
            messages.error(request, AGE_PROBLEM)
        return redirect("household-detail", pk=household.pk)
    services.household_child_add_other(household=household, user=user, age_months=form.age_months(),
                                       name=form.cleaned_data.get("name", ""), request=request)
    messages.success(request, "The child was added; rate the challenge below.")
    return redirect("household-detail", pk=household.pk)


@login_required
@require_POST
def household_what_if(request: HttpRequest, pk: int) -> HttpResponse:
    """The reserve with a prospective child or raised resources (htmx). Saves nothing.

    Shows totals only (every child counts, none is named); audited with each client child
    it counted, as the page is.
    """
    user = _user(request)
    household = household_for(user, pk)
    child, raised, age_problems = what_if_from_post(request.POST)
    context: dict[str, Any] = {"household": household}
    if age_problems:
        context["what_if_problems"] = age_problems
    elif child is None and not raised:
        context["what_if_problems"] = ["Give a prospective child's age, or choose a resource to raise."]
    else:
        try:
            outcome = services.household_what_if(household=household, on=timezone.localdate(),
                                                 add_child=child, raise_resources=raised)
        except services.HouseholdInputError as error:
            inputs = services.household_inputs(household)
            seen = selectors.household_children(user=user, household=household, inputs=inputs)
            context["what_if_problems"] = [_what_if_problem(p, len(inputs["children"]))
                                           for p in selectors.redacted_problems(error.problems, seen)]
        else:
            seen = selectors.household_children(user=user, household=household,
                                                inputs=services.household_inputs(household))
            services.household_view_record(household=household, user=user, view="what_if", request=request,
                                           shown=[(c.client_pk, c.exposure) for c in seen])
            labels = {item.id: item.label for item in [*_instrument().internal_items, *_instrument().external_items]}
            context.update({
                "outcome": outcome,
                "child": child,
                "raised": [(labels.get(k, k), v) for k, v in raised.items()],
                "badge_now": RESERVE_BADGE.get(outcome.current.reserve_band or "", ""),
                "badge_then": RESERVE_BADGE.get(outcome.prospective.reserve_band or "", ""),
            })
    return render(request, "caregiving/_what_if_result.html", context)


def _what_if_problem(problem: Any, existing_children: int) -> str:
    """Problems about the prospective child are named as such, not by their index."""
    prefix = f"children[{existing_children}]."
    if problem.path.startswith(prefix):
        return f"Prospective child, {problem.path[len(prefix):]}: {problem.message}"
    if problem.path.startswith(("internal.", "external.")):
        return f"Resource {problem.path.split('.', 1)[1]}: {problem.message}"
    return str(problem)


@login_required
@require_GET
def household_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The old address of the PDF: the report is made as a job now (docs/decisions/0019)."""
    household = household_for(_user(request), pk)
    target = reverse("job-household-report", args=[household.pk])
    wanted = request.GET.get("estimate")
    return redirect(f"{target}?{urlencode({'estimate': wanted})}" if wanted else target)


@login_required
@require_POST
def household_share(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor or admin shares (or stops sharing) a client child's challenge ratings.

    Anyone else gets 404, as for any action that is not theirs (decision 0006).
    """
    user = _user(request)
    household = household_for(user, pk)
    if not selectors.may_share(user):
        raise Http404("No such action")
    shared = "share" in request.POST
    client_pk = as_pk(request.POST.get("share") if shared else request.POST.get("unshare"))
    unsaved = _save_typed(request, household)
    if unsaved is not None:
        return unsaved
    if client_pk is None:
        messages.error(request, "Choose a child whose challenge ratings to share.")
        return redirect("household-detail", pk=household.pk)
    try:
        services.household_child_share(household=household, user=user, client_pk=client_pk,
                                       shared=shared, request=request)
    except services.HouseholdInputError as error:
        messages.error(request, "; ".join(p.message for p in error.problems))
    else:
        messages.success(request, "The child's challenge ratings are now shown to colleagues who do not "
                                  "have the child on their caseload (never their name or reference)."
                         if shared else "The child's challenge ratings are hidden again from colleagues "
                                        "who do not have the child on their caseload.")
    return redirect("household-detail", pk=household.pk)
