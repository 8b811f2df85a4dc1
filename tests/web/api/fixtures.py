"""A small world for the API tests: two organisations, a clinician with a client, a
colleague with their own client, a household holding both children, and tokens.

Markers: the colleague's client is "Wren Colleague" (W-0777); the other organisation's is
"Xanthe" (X-7731). A clinician's token must never show either.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.test import Client as HttpClient

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.api.tokens import token_create
from rootmap.web.assessments.models import Assessment
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from tests.web.security_fixtures import example, make_user

COLLEAGUE_MARKERS = ("Wren Colleague", "W-0777")
FOREIGN_MARKERS = ("Xanthe", "X-7731")
CHALLENGE = {"behavioural": 3, "emotional_regulation": 2, "medical_physical": 1, "developmental_learning": 2,
             "sleep_feeding": 1, "supervision_safety": 2}


@dataclass
class ApiWorld:
    org: Organisation
    clinician: User
    colleague: User
    supervisor: User
    outsider: User
    client: Client
    colleague_client: Client
    foreign_client: Client
    household: Household
    foreign_household: Household
    draft: Assessment
    tokens: dict[str, str]  # "clinician-read", "clinician-write", ... -> secret

    def final(self, client: Client) -> Assessment:
        return Assessment.objects.filter(client=client, status="final").order_by("-date", "-id").first()


def _household(org: Organisation, reference: str, children: list[dict[str, Any]]) -> Household:
    data = example("foster-household.json")
    household = Household.objects.create(organisation=org, reference=reference, name=f"Household {reference}",
                                         inputs={"caregivers": data["caregivers"], "internal": data["internal"],
                                                 "external": data["external"], "children": children})
    return household


def build_api_world() -> ApiWorld:
    org = Organisation.objects.create(name="Riverside Family Services")
    other = Organisation.objects.create(name="Hillside Trust")
    clinician = make_user(org, "cleo", "clinician")
    colleague = make_user(org, "colin", "clinician")
    supervisor = make_user(org, "sam", "supervisor")
    outsider = make_user(other, "otto", "admin")
    client = case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    theirs = example("toddler-kinship.json")
    theirs["client"].update(id="W-0777", display_name="Wren Colleague")
    colleague_client = case_file_import(organisation=org, user=colleague, data=theirs)
    foreign = example("adolescent-er.json")
    foreign["client"].update(id="X-7731", display_name="Xanthe")
    foreign_client = case_file_import(organisation=other, user=outsider, data=foreign)
    household = _household(org, "H-1", [
        {"client_pk": client.pk, "challenge": dict(CHALLENGE)},
        {"client_pk": colleague_client.pk, "challenge": {**CHALLENGE, "medical_physical": 4}},
    ])
    foreign_household = _household(other, "H-9", [{"client_pk": foreign_client.pk, "challenge": dict(CHALLENGE)}])
    for h, user in ((household, supervisor), (foreign_household, outsider)):
        Estimate.objects.create(household=h, date=dt.date(2025, 6, 15), inputs=example("foster-household.json"),
                                child_clients=[c.get("client_pk") for c in h.inputs["children"]][:2],
                                result={"reserve": 1.0, "reserve_band": "adequate"}, created_by=user)
    draft = Assessment.objects.create(client=client, reference="A-9", kind="er", date=dt.date(2025, 10, 1),
                                      inputs={"functioning": {}, "relational": {}, "trigger": None,
                                              "informants": [], "documents": []}, created_by=clinician)
    tokens = {}
    for name, user in (("clinician", clinician), ("colleague", colleague), ("supervisor", supervisor),
                       ("outsider", outsider)):
        for scope in ("read", "write"):
            tokens[f"{name}-{scope}"] = token_create(user=user, name=f"{name} {scope} token", scope=scope,
                                                     expires_days=30).secret
    return ApiWorld(org, clinician, colleague, supervisor, outsider, client, colleague_client, foreign_client,
                    household, foreign_household, draft, tokens)


def call(method: str, path: str, token: str | None, body: Any = None, raw: bytes | None = None) -> Any:
    """One API request as an integration would send it (JSON, Bearer token)."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    browser = HttpClient()
    if method == "GET":
        return browser.get(path, **headers)
    import json

    data = raw if raw is not None else json.dumps(body if body is not None else {})
    return browser.generic(method, path, data, content_type="application/json", **headers)


def full_assessment_only(bundle: dict[str, Any]) -> dict[str, Any]:
    """The Bundle with its first (full) assessment only: a new client's follow-ups need a
    finalised full assessment first, and imported ones are drafts until signed in the web."""
    bundle = copy.deepcopy(bundle)
    responses = sorted((e for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"),
                       key=lambda e: e["resource"]["authored"])
    later = {e["fullUrl"] for e in responses[1:]} | {f"QuestionnaireResponse/{e['resource'].get('id')}"
                                                     for e in responses[1:]}

    def kept(entry: dict[str, Any]) -> bool:
        if entry["fullUrl"] in later:
            return False
        derived = {ref.get("reference") for ref in entry["resource"].get("derivedFrom") or []}
        return not derived & later

    bundle["entry"] = [e for e in bundle["entry"] if kept(e)]
    return bundle
