"""Writes and reads for caregiving households and the caregiver challenge estimator.

A household's `inputs` is the household as it stands (being edited); an `Estimate` is a
dated copy in the household-file format with the estimator's result stored beside it.
The estimator itself is `rootmap.core.caregiving`: nothing here computes a score.

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

from rootmap.core.ages import age_in_months
from rootmap.core.problems import CaseFileError, Problem
from rootmap.core.results import HouseholdResult
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.models import Client

HOUSEHOLD_FORMAT = "rootmap-household/1"


class HouseholdInputError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def _instrument() -> Any:
    from rootmap.instruments import load_instrument

    return load_instrument("1")


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
        {"client_id": c.get("client_id"), "name": c.get("name", ""), "age_months": c.get("age_months"),
         "challenge": {**empty_challenge(), **(c.get("challenge") or {})},
         "prefilled_from": c.get("prefilled_from")}
        for c in stored.get("children", [])
    ]
    return inputs


def clients_by_reference(organisation_id: int, inputs: Mapping[str, Any]) -> dict[str, Client]:
    """The clients among a household's children (one query)."""
    references = [c["client_id"] for c in inputs.get("children", []) if c.get("client_id")]
    if not references:
        return {}
    found = Client.objects.filter(organisation_id=organisation_id, reference__in=references)
    return {c.reference: c for c in found}


def household_file(
    household: Household,
    *,
    on: dt.date,
    inputs: Mapping[str, Any] | None = None,
    clients: Mapping[str, Client] | None = None,
) -> dict[str, Any]:
    """The household in the household-file format on a date (a client child's age from its birth date)."""
    inputs = household_inputs(household) if inputs is None else inputs
    if clients is None:
        clients = clients_by_reference(household.organisation_id, inputs)
    children = []
    for child in inputs.get("children", []):
        client = clients.get(child.get("client_id") or "")
        age = age_in_months(client.birth_date, on) if client is not None else child.get("age_months")
        children.append({"age_months": age, "client_id": child.get("client_id") or None,
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
    from rootmap.core.caregiving import score_household
    from rootmap.core.case import parse_household

    try:
        return score_household(parse_household(data))
    except CaseFileError as error:
        raise HouseholdInputError(error.problems) from None


def household_score(household: Household, *, on: dt.date,
                    inputs: Mapping[str, Any] | None = None) -> HouseholdResult:
    """The estimate now, without saving (raises HouseholdInputError on bad inputs)."""
    return score_file(household_file(household, on=on, inputs=inputs))


def household_create(*, organisation: Organisation, user: User, name: str, reference: str) -> Household:
    if Household.objects.filter(organisation=organisation, reference=reference).exists():
        raise HouseholdInputError([Problem("reference", f"{reference} is already used by another household")])
    try:
        with transaction.atomic():
            return Household.objects.create(organisation=organisation, name=name, reference=reference,
                                            inputs=empty_inputs())
    except IntegrityError:
        raise HouseholdInputError(
            [Problem("reference", f"{reference} is already used by another household")]
        ) from None


def household_update(*, household: Household, user: User, inputs: Mapping[str, Any], on: dt.date) -> Household:
    """Save the household's inputs after the estimator has validated them."""
    household_score(household, on=on, inputs=inputs)  # validation: raises, saving nothing
    with transaction.atomic():
        household.inputs = {
            "caregivers": [dict(c) for c in inputs.get("caregivers", [])],
            "internal": dict(inputs.get("internal", {})),
            "external": dict(inputs.get("external", {})),
            "children": [dict(c) for c in inputs.get("children", [])],
        }
        household.save(update_fields=["inputs", "updated_at"])
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
    from rootmap.core.caregiving import prefill_challenge
    from rootmap.web.assessments.scoring import result_from_json

    latest = latest_final_assessment(client)
    if latest is None:
        return empty_challenge(), None
    return {**empty_challenge(), **prefill_challenge(result_from_json(latest.result))}, latest


def household_child_add_client(*, household: Household, user: User, client: Client) -> dict[str, Any]:
    """Add a client as a child in care, challenge pre-filled from their latest assessment."""
    if client.organisation_id != household.organisation_id:
        raise HouseholdInputError([Problem("client", "is not a client of this organisation")])
    inputs = household_inputs(household)
    if any(c.get("client_id") == client.reference for c in inputs["children"]):
        raise HouseholdInputError([Problem("client", f"{client.display_name} is already in this household")])
    challenge, source = prefilled_challenge(client)
    child = {"client_id": client.reference, "name": client.display_name, "age_months": None,
             "challenge": challenge,
             "prefilled_from": source.reference if source is not None else None}
    inputs["children"].append(child)
    with transaction.atomic():
        household.inputs = inputs
        household.save(update_fields=["inputs", "updated_at"])
    return child


def household_child_add_other(*, household: Household, user: User, age_months: int, name: str = "") -> dict[str, Any]:
    """Add a child who is not a client, by age (challenge to be rated)."""
    if not 0 <= age_months <= 300:
        raise HouseholdInputError([Problem("age_months", f"{age_months} is outside 0 to 300 months")])
    inputs = household_inputs(household)
    child = {"client_id": None, "name": name, "age_months": age_months, "challenge": empty_challenge()}
    inputs["children"].append(child)
    with transaction.atomic():
        household.inputs = inputs
        household.save(update_fields=["inputs", "updated_at"])
    return child


def estimate_save(*, household: Household, user: User, on: dt.date) -> Estimate:
    """Store a dated estimate: the household file and the estimator's result beside it."""
    data = household_file(household, on=on)
    result = score_file(data)
    with transaction.atomic():
        return Estimate.objects.create(household=household, date=on, inputs=data,
                                       result=result.to_dict(), instrument_version=result.instrument_version,
                                       created_by=user)


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
    from rootmap.core.caregiving import score_household, what_if
    from rootmap.core.case import parse_household

    try:
        base = parse_household(household_file(household, on=on))
        prospective = what_if(base, add_children=[add_child] if add_child else (),
                              raise_resources=dict(raise_resources or {}))
    except CaseFileError as error:
        raise HouseholdInputError(error.problems) from None
    return WhatIf(current=score_household(base), prospective=prospective)
