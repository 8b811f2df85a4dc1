"""/api/v1/households: households, their estimates and what-ifs, as each viewer may see them.

The same rule as the pages (decision 0011): a household is the organisation's, a child
who is a client is named only to those who may see that client, and an unseen child's
ratings are hidden unless a supervisor shared them; every view is audited with each
client child it exposed (caregiving.services.household_view_record).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rootmap.core.problems import Problem
from rootmap.web.access import household_for, households_visible_to
from rootmap.web.accounts.models import User
from rootmap.web.api.auth import read_token, write_token
from rootmap.web.api.errors import problem_dict
from rootmap.web.api.schemas import (
    EstimateOut,
    HouseholdOut,
    HouseholdPageOut,
    WhatIfIn,
    WhatIfOut,
    responses,
)
from rootmap.web.caregiving import selectors, services
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.selectors import PAGE_SIZE

router = Router(tags=["households"])

TOTALS = ("internal", "external", "resources", "demand", "reserve", "reserve_band")


class PageQuery(Schema):
    page: int = Field(1, ge=1)  # 0 or -1 would be Django's last page


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def totals(result: Any) -> dict[str, Any]:
    data = result if isinstance(result, dict) else result.to_dict()
    return {key: data.get(key) for key in TOTALS}


@router.get("/households", response=responses(HouseholdPageOut), auth=read_token,
            summary="Your organisation's households")
def household_list(request: HttpRequest, query: Query[PageQuery]) -> Any:
    latest = Estimate.objects.filter(household=OuterRef("pk")).order_by("-date", "-id")
    households = households_visible_to(_user(request)).annotate(latest_date=Subquery(latest.values("date")[:1]))
    page = Paginator(households, PAGE_SIZE).get_page(query.page)
    return {
        "count": page.paginator.count, "page": page.number, "pages": page.paginator.num_pages,
        "page_size": PAGE_SIZE, "next_page": page.next_page_number() if page.has_next() else None,
        "results": [{"id": h.pk, "reference": h.reference, "name": h.name,
                     "children": len((h.inputs or {}).get("children", [])), "latest_estimate": h.latest_date}
                    for h in page.object_list],
    }


@router.get("/households/{int:household_id}", response=responses(HouseholdOut), auth=read_token,
            summary="A household as you may see it, with its estimate now (nothing saved)")
def household_read(request: HttpRequest, household_id: int) -> Any:
    user = _user(request)
    household = household_for(user, household_id)
    inputs = services.household_inputs(household)
    today = timezone.localdate()
    seen = selectors.household_children(user=user, household=household, inputs=inputs, on=today)
    estimate_now, problems = None, []
    try:
        estimate_now = totals(services.score_file(services.household_file(household, on=today, inputs=inputs)))
    except services.HouseholdInputError as error:
        problems = [problem_dict(p) for p in selectors.redacted_problems(error.problems, seen)]
    services.household_view_record(household=household, user=user, view="api household", request=request,
                                   shown=[(c.client_pk, c.exposure) for c in seen])
    return {
        "id": household.pk, "reference": household.reference, "name": household.name,
        "caregivers": inputs["caregivers"], "internal": inputs["internal"], "external": inputs["external"],
        "children": [{"position": c.n + 1, "label": c.label, "seen": c.seen,
                      "client": c.client.pk if c.client is not None else None,
                      "age_months": c.age_months, "challenge": c.challenge} for c in seen],
        "estimate_now": estimate_now, "estimate_problems": problems,
    }


def _estimate_body(user: User, household: Household, estimate: Estimate) -> dict[str, Any]:
    children = selectors.estimate_children(user=user, household=household, estimate=estimate)
    return {"id": estimate.pk, "date": estimate.date, "created_by": estimate.created_by.username,
            "totals": totals(estimate.result or {}),
            "children": [{"label": c.label, "age": c.age, "ratings_shown": c.ratings_shown} for c in children]}


@router.get("/households/{int:household_id}/estimates", response=responses(list[EstimateOut]), auth=read_token,
            summary="The household's dated estimates, newest first")
def estimate_list(request: HttpRequest, household_id: int) -> Any:
    user = _user(request)
    household = household_for(user, household_id)
    estimates = list(household.estimates.select_related("created_by").order_by("-date", "-id")[:200])
    bodies = [_estimate_body(user, household, e) for e in estimates]
    shown: dict[int | None, str] = {}
    for estimate in estimates:
        for child in selectors.estimate_children(user=user, household=household, estimate=estimate):
            shown.setdefault(child.client_pk, child.exposure)
    services.household_view_record(household=household, user=user, view="api estimates", request=request,
                                   shown=list(shown.items()))
    return bodies


@router.post("/households/{int:household_id}/estimates", response=responses(EstimateOut, 201), auth=write_token,
             summary="Store today's estimate of the household as it stands")
def estimate_create(request: HttpRequest, household_id: int) -> Any:
    user = _user(request)
    household = household_for(user, household_id)
    try:
        estimate = services.estimate_save(household=household, user=user, on=timezone.localdate(),
                                          request=request)
    except services.HouseholdInputError as error:
        seen = selectors.household_children(user=user, household=household,
                                            inputs=services.household_inputs(household))
        raise services.HouseholdInputError(selectors.redacted_problems(error.problems, seen)) from None
    return Status(201, _estimate_body(user, household, estimate))


@router.post("/households/{int:household_id}/what-if", response=responses(WhatIfOut), auth=read_token,
             summary="The estimate with a prospective child and/or raised resources (nothing saved)")
def what_if(request: HttpRequest, household_id: int, payload: WhatIfIn) -> Any:
    user = _user(request)
    household = household_for(user, household_id)
    if payload.add_child is None and not payload.raise_resources:
        raise services.HouseholdInputError(
            [Problem("add_child", "give a prospective child's age, or a resource to raise (raise_resources)")])
    add_child = None
    if payload.add_child is not None:
        add_child = {"age_months": payload.add_child.age_months, "client_id": None,
                     "challenge": dict(payload.add_child.challenge)}
    seen = selectors.household_children(user=user, household=household,
                                        inputs=services.household_inputs(household))
    try:
        outcome = services.household_what_if(household=household, on=timezone.localdate(),
                                             add_child=add_child, raise_resources=payload.raise_resources)
    except services.HouseholdInputError as error:
        raise services.HouseholdInputError(selectors.redacted_problems(error.problems, seen)) from None
    services.household_view_record(household=household, user=user, view="api what_if", request=request,
                                   shown=[(c.client_pk, c.exposure) for c in seen],
                                   detail={"what_if": json.loads(json.dumps(payload.dict(), default=str))})
    return {"current": totals(outcome.current), "prospective": totals(outcome.prospective),
            "reserve_change": outcome.reserve_change}
