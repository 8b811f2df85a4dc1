"""What the API reads and answers, as ninja (pydantic) schemas: the OpenAPI document's parts.

The case file and the household file are core's own models (rootmap.core.case), added to
the document as they are (`file_schemas`), so the API and `rootmap schema` cannot differ.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from rootmap.web.api.errors import ErrorOut

Id = int


class BodyIn(Schema):
    """What a request's body may hold: a field not named here is a problem naming it (a
    misspelt field used to be dropped, answering 200 with nothing changed), as in core's
    case files."""

    model_config = ConfigDict(extra="forbid")


class ClinicianOut(Schema):
    id: Id
    username: str
    name: str


class AssessmentSummaryOut(Schema):
    id: Id
    reference: str
    kind: str
    date: dt.date
    status: str
    amends: Id | None
    superseded: bool


class ClientRowOut(Schema):
    id: Id
    reference: str
    display_name: str
    birth_date: dt.date
    latest_assessment: Id | None
    latest_kind: str | None
    latest_date: dt.date | None
    phase: str | None
    next_follow_up: dt.date | None
    follow_up: str
    clinicians: list[str]


class ClientPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    next_page: int | None
    overdue: int
    due_soon: int
    results: list[ClientRowOut]


class ClientOut(Schema):
    id: Id
    reference: str
    display_name: str
    birth_date: dt.date
    interests: list[str]
    events: int
    clinicians: list[ClinicianOut]
    assessments: list[AssessmentSummaryOut]


class ClientIn(BodyIn):
    reference: str = Field(max_length=1000)
    display_name: str = Field(max_length=1000)
    birth_date: dt.date
    interests: list[str] = Field(default=[], max_length=200)
    clinicians: list[str] | None = Field(default=None, max_length=200,
                                         description="usernames; only admins and supervisors may assign")


class ClientPatch(BodyIn):
    reference: str | None = Field(default=None, max_length=1000)
    display_name: str | None = Field(default=None, max_length=1000)
    birth_date: dt.date | None = None
    interests: list[str] | None = Field(default=None, max_length=200)
    clinicians: list[str] | None = Field(default=None, max_length=200)


class AssessmentIn(BodyIn):
    kind: Literal["full", "follow_up", "er"]
    date: dt.date


class AssessmentOut(Schema):
    id: Id
    client: Id
    reference: str
    kind: str
    date: dt.date
    status: str
    revision: int
    instrument_version: str
    amends: Id | None
    inputs: dict[str, Any]
    interests: list[str]


class FieldsIn(BodyIn):
    revision: int = Field(description="the revision the values were entered against (optimistic locking)")
    fields: dict[str, Any] = Field(description='field name -> value, for example {"functioning.sleep": 2}; '
                                               "null clears a rating")


class ResultOut(Schema):
    assessment: Id
    reference: str
    date: dt.date
    kind: str
    superseded_by: Id | None
    result: dict[str, Any]


class PlanOut(Schema):
    assessment: Id
    reference: str
    phase: str | None
    plan: dict[str, Any]


class HouseholdRowOut(Schema):
    id: Id
    reference: str
    name: str
    children: int
    latest_estimate: dt.date | None


class HouseholdPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    next_page: int | None
    results: list[HouseholdRowOut]


class ChildOut(Schema):
    position: int
    label: str
    seen: bool
    client: Id | None = Field(description="the client's id, only when you may see that client")
    age_months: int | None
    challenge: dict[str, Any] | None = Field(description="hidden (null) for a child you may not see, "
                                                         "unless a supervisor shared the ratings")


class Totals(Schema):
    internal: float | None
    external: float | None
    resources: float | None
    demand: float | None
    reserve: float | None
    reserve_band: str | None


class HouseholdOut(Schema):
    id: Id
    reference: str
    name: str
    caregivers: list[dict[str, Any]]
    internal: dict[str, Any]
    external: dict[str, Any]
    children: list[ChildOut]
    estimate_now: Totals | None
    estimate_problems: list[dict[str, Any]]


class EstimateChildOut(Schema):
    label: str
    age: str
    ratings_shown: bool


class EstimateOut(Schema):
    id: Id
    date: dt.date
    created_by: str
    totals: Totals
    children: list[EstimateChildOut]


class WhatIfChildIn(BodyIn):
    age_months: int
    challenge: dict[str, int | None] = {}


class WhatIfIn(BodyIn):
    add_child: WhatIfChildIn | None = None
    raise_resources: dict[str, int] = {}


class WhatIfOut(Schema):
    current: Totals
    prospective: Totals
    reserve_change: float | None


ERRORS: dict[int, Any] = {code: ErrorOut for code in (400, 401, 403, 404, 409, 422, 429)}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    return {status: ok, **ERRORS}


# The outline of what POST /fhir/Bundle reads; the full check is the FHIR R4B models'
# (rootmap.interop.fhir_import), whose refusals are 422 problems naming the path.
FHIR_BUNDLE: dict[str, Any] = {
    "type": "object",
    "title": "FhirBundle",
    "description": "A FHIR R4 Bundle as `rootmap fhir export` and GET /fhir/Patient/{id}/$everything write it: "
                   "exactly one Patient (identifier = the client's reference) and a QuestionnaireResponse "
                   "of Rootmap's Questionnaire per assessment.",
    "required": ["resourceType"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "type": {"type": "string"},
        "entry": {"type": "array", "items": {
            "type": "object",
            "properties": {"fullUrl": {"type": "string"},
                           "resource": {"type": "object", "required": ["resourceType"],
                                        "properties": {"resourceType": {"type": "string"}}}},
        }},
    },
}


def file_schemas() -> dict[str, Any]:
    """Core's case-file and household-file JSON Schemas as OpenAPI components."""
    from rootmap.core.case import CaseFile, Household

    components: dict[str, Any] = {}
    for name, model in (("CaseFile", CaseFile), ("HouseholdFile", Household)):
        schema = model.model_json_schema(ref_template="#/components/schemas/" + name + "_{model}")
        for def_name, definition in schema.pop("$defs", {}).items():
            components[f"{name}_{def_name}"] = definition
        components[name] = schema
    components["FhirBundle"] = FHIR_BUNDLE
    return components


def body_of(*names: str) -> dict[str, Any]:
    refs = [{"$ref": f"#/components/schemas/{n}"} for n in names]
    schema = refs[0] if len(refs) == 1 else {"oneOf": refs}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
