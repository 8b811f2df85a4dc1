"""A clinician's token cannot reach a colleague's or another organisation's records through
ANY operation of the API: the test walks every path and method of the OpenAPI document.

Each path parameter is filled with records the clinician may not see (the colleague's
client and assessments, the other organisation's client, assessments and household):
every method answers 404, exactly as for an id that does not exist, and writes nothing.
Operations without a record in the path (lists, create, import, score) are called too,
and no answer names either marker; a FHIR Bundle naming a colleague's or another
organisation's client attaches nothing to it. A path parameter this test does not know fails it, so
a new endpoint cannot slip past.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import override_settings

from rootmap.web.api.api import api
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from tests.web.api.fixtures import (
    COLLEAGUE_MARKERS,
    FOREIGN_MARKERS,
    ApiWorld,
    build_api_world,
    call,
    full_assessment_only,
)
from tests.web.security_fixtures import example

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"\{([a-z_]+)\}")


def _unseen_ids(world: ApiWorld) -> dict[str, list[int]]:
    """For each path parameter, ids of records the clinician may not see."""
    theirs = list(Assessment.objects.filter(client=world.colleague_client).values_list("pk", flat=True))
    foreign = list(Assessment.objects.filter(client=world.foreign_client).values_list("pk", flat=True))
    return {
        "client_id": [world.colleague_client.pk, world.foreign_client.pk],
        "assessment_id": theirs + foreign,
        "household_id": [world.foreign_household.pk],
    }


def _body_for(path: str, method: str) -> Any:
    """A body the operation would accept for a record the token may see (so 404 means scope)."""
    if path.endswith("/what-if"):
        return {"raise_resources": {"respite_childcare": 3}}
    if path.endswith("/assessments/{assessment_id}") and method == "patch":
        return {"revision": 1, "fields": {"functioning.sleep": 2}}
    if path.endswith("/assessments") and method == "post":
        return {"kind": "er", "date": "2025-11-01"}
    if method == "patch":
        return {"display_name": "Renamed"}
    return {}


def _operations() -> list[tuple[str, str]]:
    document = api.get_openapi_schema()
    return [(path, method) for path, item in document["paths"].items() for method in item
            if method in ("get", "post", "patch", "put", "delete")]


def _text(response: Any) -> str:
    return response.content.decode("utf-8", "replace")


@override_settings(ROOTMAP_API_RATE_PER_MINUTE=100_000)
def test_no_operation_reaches_a_record_outside_the_tokens_scope() -> None:
    cache.clear()
    world = build_api_world()
    unseen = _unseen_ids(world)
    secret = world.tokens["clinician-write"]  # write scope: the widest a clinician's token has
    failures: list[str] = []
    scoped = 0
    for path, method in _operations():
        names = PARAMETER.findall(path)
        unknown = [n for n in names if n not in unseen]
        assert not unknown, f"{method.upper()} {path}: this test does not know {unknown}; add their ids"
        if not names:
            continue
        for name in names:
            for record_id in unseen[name]:
                url = PARAMETER.sub(lambda m, n=name, i=record_id: str(i) if m.group(1) == n else "0", path)
                before = AuditEntry.objects.count()
                response = call(method.upper(), url, secret, _body_for(path, method))
                scoped += 1
                if response.status_code != 404:
                    failures.append(f"{method.upper()} {url}: {response.status_code}, not 404")
                if AuditEntry.objects.count() != before:
                    failures.append(f"{method.upper()} {url}: wrote an audit entry")
                for marker in COLLEAGUE_MARKERS + FOREIGN_MARKERS:
                    if marker in _text(response):
                        failures.append(f"{method.upper()} {url}: shows {marker!r}")
    assert scoped >= 8, "the document lost its record operations"
    assert not failures, "\n".join(failures)


def _own_bundle(world: ApiWorld, reference: str) -> Any:
    """The clinician's own client's full assessment as a FHIR Bundle, its Patient renamed to `reference`."""
    bundle = full_assessment_only(json.loads(_text(call(
        "GET", f"/api/v1/fhir/Patient/{world.client.pk}/$everything", world.tokens["clinician-read"]))))
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"][0]["value"] = reference
    return bundle


@override_settings(ROOTMAP_API_RATE_PER_MINUTE=100_000)
def test_a_fhir_bundle_cannot_attach_drafts_to_a_colleagues_or_another_organisations_client() -> None:
    """The Patient's client is looked for only among the token's user's clients: a Bundle
    naming a colleague's client (by its reference) is refused, as the web
    refuses a second client with a reference in use, and one naming another organisation's
    client makes a new client of the clinician's own; neither record gains anything."""
    cache.clear()
    world = build_api_world()
    secret = world.tokens["clinician-write"]
    records = (world.colleague_client, world.foreign_client)
    before = {c.pk: Assessment.objects.filter(client=c).count() for c in records}
    colleague = call("POST", "/api/v1/fhir/Bundle", secret,
                     _own_bundle(world, "W-0777"))
    assert colleague.status_code == 422, _text(colleague)
    assert json.loads(_text(colleague))["problems"][0]["path"] == "reference"
    assert "Wren Colleague" not in _text(colleague)
    foreign = call("POST", "/api/v1/fhir/Bundle", secret,
                   _own_bundle(world, "X-7731"))
    assert foreign.status_code == 201, _text(foreign)
    made = json.loads(_text(foreign))
    assert made["client"] not in before and made["created_client"] is True
    assert "Xanthe" not in _text(foreign)
    assert {c.pk: Assessment.objects.filter(client=c).count() for c in records} == before


@override_settings(ROOTMAP_API_RATE_PER_MINUTE=100_000)
def test_operations_without_a_record_in_the_path_show_neither_marker() -> None:
    cache.clear()
    world = build_api_world()
    bodies = {"/api/v1/score": example("school-age-foster.json"),
              "/api/v1/clients/import": {**example("toddler-kinship.json"),
                                         "client": {"id": "C-NEW", "birth_date": "2023-03-01"}},
              "/api/v1/clients": {"reference": "C-1", "display_name": "New", "birth_date": "2019-01-01"},
              "/api/v1/fhir/Bundle": _own_bundle(world, "C-FHIR-1")}
    for path, method in _operations():
        if PARAMETER.search(path):
            continue
        for token in ("clinician-read", "clinician-write"):
            response = call(method.upper(), path, world.tokens[token], bodies.get(path, {}))
            assert response.status_code < 500, f"{method} {path}: {response.status_code}"
            for marker in COLLEAGUE_MARKERS + FOREIGN_MARKERS:
                assert marker not in _text(response), f"{method.upper()} {path} ({token}) shows {marker!r}"


@override_settings(ROOTMAP_API_RATE_PER_MINUTE=100_000)
def test_the_same_records_are_reachable_by_whoever_may_see_them() -> None:
    """The walk above is not vacuous: the colleague's own token reads the colleague's client."""
    cache.clear()
    world = build_api_world()
    response = call("GET", f"/api/v1/clients/{world.colleague_client.pk}", world.tokens["colleague-read"])
    assert response.status_code == 200 and "Wren Colleague" in _text(response)
    outsider = call("GET", f"/api/v1/households/{world.foreign_household.pk}", world.tokens["outsider-read"])
    assert outsider.status_code == 200
    assert json.loads(_text(outsider))["reference"] == "H-9"
