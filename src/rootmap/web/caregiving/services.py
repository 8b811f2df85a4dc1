"""Writes and reads for caregiving households and the caregiver challenge estimator.

A household's `inputs` is the household as it stands (being edited); an `Estimate` is a
dated copy in the household-file format with the estimator's result stored beside it.
The estimator itself is `rootmap.core.caregiving`: nothing here computes a score.

Every write locks the household row (`select_for_update`), re-reads it, writes and
appends its audit entry in one transaction: a failed write leaves neither the change nor
an entry, and two people adding children at once cannot lose each other's. A child who
is a client is linked by the client's primary key (`client_pk`), never by its reference.

>>> household_child_add_client(household=h, user=u, client=milo)   # challenge pre-filled
>>> estimate = estimate_save(household=h, user=u, on=date.today())
>>> current, prospective = household_what_if(household=h, on=date.today(),
...                                          add_child={"age_months": 30, "challenge": {...}})
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from rootmap.core.ages import age_in_months
from rootmap.core.caregiving import prefill_challenge, score_household, what_if
from rootmap.core.case import parse_household
from rootmap.core.limits import direction_problem
from rootmap.core.problems import CaseFileError, Problem
from rootmap.core.results import HouseholdResult, result_from_json
from rootmap.instruments import current, load_instrument
from rootmap.render import household_report_pdf, suggested_what_ifs
from rootmap.render.household import ReportChild as RenderedChild
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.services import audit_record, audit_record_each
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.caregiving.selectors import estimate_children, may_share
from rootmap.web.clients.models import Client

HOUSEHOLD_FORMAT = "rootmap-household/1"


class HouseholdInputError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _instrument() -> Any:
    # A household's live inputs are scored on the current version; each stored estimate
    # keeps the version it was made with (Estimate.instrument_version).
    return current()


def empty_inputs() -> dict[str, Any]:
    instrument = _instrument()
    return {
        "caregivers": [],
        "internal": {item.id: None for item in instrument.internal_items},
        "external": {item.id: None for item in instrument.external_items},
        "children": [],
    }


def empty_challenge() -> dict[str, int | None]:
    return {item.id: None for item in _instrument().challenge_items}


def household_inputs(household: Household) -> dict[str, Any]:
    """The household's inputs with every expected key present (older rows may lack some)."""
    inputs = empty_inputs()
    stored = household.inputs or {}
    inputs["caregivers"] = list(stored.get("caregivers", []))
    inputs["internal"].update(stored.get("internal", {}))
    inputs["external"].update(stored.get("external", {}))
    inputs["children"] = [
        {"client_pk": c.get("client_pk"), "name": c.get("name", ""), "age_months": c.get("age_months"),
         "challenge": {**empty_challenge(), **(c.get("challenge") or {})},
         "prefilled_from": c.get("prefilled_from"),
         "challenge_shared": bool(c.get("challenge_shared"))}
        for c in stored.get("children", [])
    ]
    return inputs


def clients_of(organisation_id: int, inputs: Mapping[str, Any]) -> dict[int, Client]:
    """The clients among a household's children, by primary key (one query)."""
    pks = [int(c["client_pk"]) for c in inputs.get("children", []) if c.get("client_pk") is not None]
    if not pks:
        return {}
    return {c.pk: c for c in Client.objects.filter(organisation_id=organisation_id, pk__in=pks)}


def child_client_pks(inputs: Mapping[str, Any]) -> list[int | None]:
    """Each child's client primary key, in order (None for a child who is not a client)."""
    return [c.get("client_pk") for c in inputs.get("children", [])]


def _locked(household: Household) -> Household:
    """Re-read the household under a row lock (call inside transaction.atomic)."""
    return Household.objects.select_for_update().get(pk=household.pk)


def household_file(
    household: Household,
    *,
    on: dt.date,
    inputs: Mapping[str, Any] | None = None,
    clients: Mapping[int, Client] | None = None,
) -> dict[str, Any]:
    """The household in the household-file format on a date.

    A client child's age follows its birth date and its `client_id` is the client's
    reference on that date (the file format's id); the link itself is `client_pk`.
    """
    inputs = household_inputs(household) if inputs is None else inputs
    if clients is None:
        clients = clients_of(household.organisation_id, inputs)
    children = []
    for child in inputs.get("children", []):
        pk = child.get("client_pk")
        client = clients.get(int(pk)) if pk is not None else None
        age = age_in_months(client.birth_date, on) if client is not None else child.get("age_months")
        children.append({"age_months": age, "client_id": client.reference if client is not None else None,
                         "challenge": dict(child.get("challenge") or {})})
    return {
        "format": HOUSEHOLD_FORMAT,
        "id": household.reference,
        "date": on.isoformat(),
        "caregivers": [{"name": c.get("name", ""), "role": c.get("role", "")}
                       for c in inputs.get("caregivers", [])],
        "internal": dict(inputs.get("internal", {})),
        "external": dict(inputs.get("external", {})),
        "children": children,
    }


def score_file(data: Mapping[str, Any]) -> HouseholdResult:
    try:
        return score_household(parse_household(data))
    except CaseFileError as error:
        raise HouseholdInputError(error.problems) from None


def household_score(household: Household, *, on: dt.date,
                    inputs: Mapping[str, Any] | None = None) -> HouseholdResult:
    """The estimate now, without saving (raises HouseholdInputError on bad inputs)."""
    return score_file(household_file(household, on=on, inputs=inputs))


def household_create(*, organisation: Organisation, user: User, name: str, reference: str,
                     request: HttpRequest | None = None) -> Household:
    try:
        with transaction.atomic():
            # The unique constraint settles two creations at once; the check names the field first.
            if Household.objects.filter(organisation=organisation, reference=reference).exists():
                raise HouseholdInputError(
                    [Problem("reference", f"{reference} is already used by another household")])
            household = Household.objects.create(organisation=organisation, name=name, reference=reference,
                                                 inputs=empty_inputs())
            audit_record(action="create", request=request, user=user, obj=household)
            return household
    except IntegrityError:
        raise HouseholdInputError(
            [Problem("reference", f"{reference} is already used by another household")]
        ) from None


def _store(household: Household, inputs: Mapping[str, Any]) -> None:
    household.inputs = {
        "caregivers": [dict(c) for c in inputs.get("caregivers", [])],
        "internal": dict(inputs.get("internal", {})),
        "external": dict(inputs.get("external", {})),
        "children": [dict(c) for c in inputs.get("children", [])],
    }
    household.save(update_fields=["inputs", "updated_at"])


def _shown_names(inputs: Mapping[str, Any]) -> list[Problem]:
    """The names the household list, its page and the CSV show, refused with a direction
    control (it reverses the text after it: "Bad\u202eName (foster carer)" read "Bad(rerac
    retsof) emaN"). Checked on saving, not in the household file's model: an estimate
    stored before this check must still parse for its report."""
    problems = []
    for n, caregiver in enumerate(inputs.get("caregivers", [])):
        for key in ("name", "role"):
            if problem := direction_problem(caregiver.get(key) or ""):
                problems.append(Problem(f"caregivers[{n}].{key}", problem, caregiver.get(key)))
    for n, child in enumerate(inputs.get("children", [])):
        if child.get("client_pk") is None and (problem := direction_problem(child.get("name") or "")):
            problems.append(Problem(f"children[{n}].name", problem, child.get("name")))
    return problems


def household_update(*, household: Household, user: User, inputs: Mapping[str, Any], on: dt.date,
                     request: HttpRequest | None = None) -> Household:
    """Save the household's inputs after the estimator has validated them, with its audit entry.

    Validated under the lock, against the household as stored then: raises
    HouseholdInputError, saving nothing and writing no entry.
    """
    names = _shown_names(inputs)
    if names:
        raise HouseholdInputError(names)
    with transaction.atomic():
        locked = _locked(household)
        household_score(locked, on=on, inputs=inputs)
        before = {c["client_pk"]: c for c in household_inputs(locked)["children"] if c["client_pk"] is not None}
        _store(locked, inputs)
        after = {c["client_pk"]: c for c in household_inputs(locked)["children"] if c["client_pk"] is not None}
        # One entry per write; the client children whose rows changed are named in it, so
        # an admin can follow a child's ratings in a household.
        changed = sorted(pk for pk in after if pk in before and after[pk] != before[pk])
        removed = sorted(pk for pk in before if pk not in after)
        audit_record(action="change", request=request, user=user, obj=locked,
                     detail={"clients_changed": changed, "clients_removed": removed})
    household.inputs, household.updated_at = locked.inputs, locked.updated_at
    return household


def latest_final_assessment(client: Client) -> Assessment | None:
    return (
        Assessment.objects.filter(client=client, status=Assessment.Status.FINAL, result__isnull=False)
        .exclude(amendments__status=Assessment.Status.FINAL)
        .order_by("-date", "-id")
        .first()
    )


def prefilled_challenge(client: Client) -> tuple[dict[str, int | None], Assessment | None]:
    """Challenge items suggested by the client's latest finalised assessment, and that assessment."""
    latest = latest_final_assessment(client)
    if latest is None:
        return empty_challenge(), None
    return {**empty_challenge(), **prefill_challenge(result_from_json(latest.result))}, latest


def household_child_add_client(*, household: Household, user: User, client: Client,
                               request: HttpRequest | None = None) -> dict[str, Any]:
    """Add a client as a child in care, challenge pre-filled from their latest assessment."""
    if client.organisation_id != household.organisation_id:
        raise HouseholdInputError([Problem("client", "is not a client of this organisation")])
    with transaction.atomic():
        locked = _locked(household)
        inputs = household_inputs(locked)
        if any(c.get("client_pk") == client.pk for c in inputs["children"]):
            raise HouseholdInputError([Problem("client", f"{client.display_name} is already in this household")])
        # Read in the same transaction: the entry names the assessment the ratings came from.
        challenge, source = prefilled_challenge(client)
        # Its name and age follow the client record; only the link and the ratings are stored.
        child = {"client_pk": client.pk, "name": "", "age_months": None, "challenge": challenge,
                 "prefilled_from": source.reference if source is not None else None,
                 "challenge_shared": False}
        inputs["children"].append(child)
        _store(locked, inputs)
        audit_record(action="change", request=request, user=user, obj=locked, client_id=client.pk,
                     detail={"added_child": "client", "prefilled_from": child["prefilled_from"]})
    household.inputs, household.updated_at = locked.inputs, locked.updated_at
    return child


def household_child_add_other(*, household: Household, user: User, age_months: int, name: str = "",
                              request: HttpRequest | None = None) -> dict[str, Any]:
    """Add a child who is not a client, by age (challenge to be rated)."""
    if not 0 <= age_months <= 300:
        raise HouseholdInputError([Problem("age_months", f"{age_months} is outside 0 to 300 months")])
    child = {"client_pk": None, "name": name, "age_months": age_months, "challenge": empty_challenge(),
             "prefilled_from": None, "challenge_shared": False}
    with transaction.atomic():
        locked = _locked(household)
        inputs = household_inputs(locked)
        inputs["children"].append(child)
        _store(locked, inputs)
        audit_record(action="change", request=request, user=user, obj=locked, detail={"added_child": "other"})
    household.inputs, household.updated_at = locked.inputs, locked.updated_at
    return child


def household_child_share(*, household: Household, user: User, client_pk: int, shared: bool,
                          request: HttpRequest | None = None) -> dict[str, Any]:
    """Share (or stop sharing) a client child's challenge ratings with the whole organisation.

    A supervisor's or admin's decision (decision 0011): colleagues who may not see the
    child then see its six ratings beside "A child, age N", never its name or reference.
    """
    if not may_share(user) or user.organisation_id != household.organisation_id:
        raise HouseholdInputError([Problem("share", "only a supervisor or an admin may share a child's ratings")])
    with transaction.atomic():
        locked = _locked(household)
        inputs = household_inputs(locked)
        child = next((c for c in inputs["children"] if c.get("client_pk") == client_pk), None)
        if child is None:
            raise HouseholdInputError([Problem("share", "that client is not a child of this household")])
        if child["challenge_shared"] == shared:
            return child
        child["challenge_shared"] = shared
        _store(locked, inputs)
        audit_record(action="change", request=request, user=user, obj=locked, client_id=client_pk,
                     detail={"challenge_shared": shared})
    household.inputs, household.updated_at = locked.inputs, locked.updated_at
    return child


def estimate_save(*, household: Household, user: User, on: dt.date,
                  request: HttpRequest | None = None) -> Estimate:
    """Store a dated estimate: the household file, who each child is, and the estimator's result."""
    with transaction.atomic():
        locked = _locked(household)
        inputs = household_inputs(locked)
        data = household_file(locked, on=on, inputs=inputs)
        result = score_file(data)
        estimate = Estimate.objects.create(household=locked, date=on, inputs=data,
                                           child_clients=child_client_pks(inputs),
                                           result=result.to_dict(), instrument_version=result.instrument_version,
                                           created_by=user)
        audit_record(action="create", request=request, user=user, obj=estimate,
                     detail={"household": locked.pk, "reserve": estimate.result.get("reserve")})
    return estimate


def household_view_record(
    *,
    household: Household,
    user: User,
    shown: Sequence[tuple[int | None, str]],
    view: str,
    action: str = "view",
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Audit one household view: an entry for each client child it showed, each with its client.

    `shown` is (client pk, how shown) per child. A client's audit trail so lists every
    household view that exposed them, named or not; a view without client children is
    one entry about the household.
    """
    clients = [(pk, how) for pk, how in shown if pk is not None]
    others = sum(1 for pk, _how in shown if pk is None)
    base = {"view": view, **(detail or {}), "children": len(shown), "other_children": others}
    entries = [(pk, {**base, "shown": how}) for pk, how in clients] or [(None, base)]
    with transaction.atomic():  # the view's entries, all or none
        audit_record_each(action=action, request=request, user=user, obj=household, entries=entries)


def household_report_download(*, household: Household, estimate: Estimate, user: User,
                              request: HttpRequest | None = None) -> bytes:
    """The PDF report of a stored estimate as `user` may see it, audited with each child it shows.

    Rendered first (no transaction held while WeasyPrint works), then audited: a report
    whose audit entries cannot be written is not handed out.
    """
    children = estimate_children(user=user, household=household, estimate=estimate)
    parsed = parse_household(estimate.inputs)
    instrument = load_instrument(estimate.instrument_version)  # the estimate's own version
    pdf = household_report_pdf(
        household=parsed, result=score_household(parsed, instrument),
        what_ifs=suggested_what_ifs(parsed, instrument),
        children=[RenderedChild(label=c.label, age=c.age, ratings_shown=c.ratings_shown) for c in children],
    )
    household_view_record(household=household, user=user, action="download", view="report",
                          shown=[(c.client_pk, c.exposure) for c in children], request=request,
                          detail={"estimate": estimate.pk, "format": "pdf"})
    return pdf


@dataclass(frozen=True)
class WhatIf:
    current: HouseholdResult
    prospective: HouseholdResult

    @property
    def reserve_change(self) -> float | None:
        if self.current.reserve is None or self.prospective.reserve is None:
            return None
        return self.prospective.reserve - self.current.reserve


def household_what_if(
    *,
    household: Household,
    on: dt.date,
    add_child: Mapping[str, Any] | None = None,
    raise_resources: Mapping[str, int] | None = None,
) -> WhatIf:
    """The estimate with a prospective child and/or raised resources. Saves nothing."""
    try:
        base = parse_household(household_file(household, on=on))
        prospective = what_if(base, add_children=[add_child] if add_child else (),
                              raise_resources=dict(raise_resources or {}))
    except CaseFileError as error:
        raise HouseholdInputError(error.problems) from None
    return WhatIf(current=score_household(base), prospective=prospective)
