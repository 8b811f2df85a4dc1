"""FHIR R4 for Rootmap: the instrument as a Questionnaire, a case file as a Bundle and back.

- `questionnaire(instrument)`: one Questionnaire per instrument version (canonical URL
  `https://rootmap.org/fhir/Questionnaire/rootmap-assessment`, `version` = the instrument's).
- `bundle_from_case(case)`: a Bundle with the Patient, the client's adverse events as
  Observations, one QuestionnaireResponse per assessment and its scores as Observations.
- `case_from_bundle(bundle)`: back to a case file (rootmap.interop.fhir_import). Scores are
  never read back: the engine recomputes them from the answers, so they cannot disagree.

Everything is plain JSON-ready dicts; the tests validate them with the `fhir.resources`
R4B models. The mapping is written down in docs/fhir.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from rootmap.core.ages import age_in_months
from rootmap.core.case import Assessment, CaseFile, Event, ratings_of
from rootmap.core.results import AssessmentResult
from rootmap.core.scoring import score_history
from rootmap.instruments import Instrument, current, load_instrument
from rootmap.interop import codes
from rootmap.interop.fhir_import import case_from_bundle

__all__ = ["bundle_from_case", "case_from_bundle", "questionnaire"]

JSON = dict[str, Any]
# Stable ids: the same case file always exports the same resource ids.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, codes.BASE)


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def _coding(system: str, code: str, display: str | None = None) -> JSON:
    coding: JSON = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str | None = None) -> JSON:
    return {"coding": [_coding(system, code, display)]}


# --- Questionnaire -------------------------------------------------------------------


def _options(system: str, anchors: dict[int, str]) -> list[JSON]:
    """Answer options 0..n: the code is the rating, the display the item's own anchor text."""
    return [
        {"valueCoding": {**_coding(system, str(level), text),
                         "extension": [{"url": codes.ORDINAL_EXTENSION, "valueDecimal": level}]}}
        for level, text in sorted(anchors.items())
    ]


def _help(link_id: str, text: str) -> JSON:
    return {
        "linkId": f"{link_id}.help",
        "type": "display",
        "text": text,
        "extension": [{"url": codes.ITEM_CONTROL_EXTENSION,
                       "valueCodeableConcept": _concept(codes.ITEM_CONTROL, "help", "Help-Button")}],
    }


def _from_age(months: int) -> list[JSON]:
    """enableWhen on the age item: FHIR compares an integer answer with `>=`."""
    if months <= 0:
        return []
    return [{"question": "age-months", "operator": ">=", "answerInteger": months}]


def _enable(conditions: list[JSON]) -> JSON:
    if not conditions:
        return {}
    enable: JSON = {"enableWhen": conditions}
    if len(conditions) > 1:
        enable["enableBehavior"] = "all"
    return enable


def questionnaire(instrument: Instrument | None = None) -> JSON:
    """The instrument version as a FHIR R4 Questionnaire."""
    instrument = instrument or current()
    version = instrument.version
    is_er = {"question": "kind", "operator": "=", "answerCoding": _coding(codes.KIND, "er")}
    not_er = {**is_er, "operator": "!="}
    kind_labels = {"full": "Full assessment", "follow_up": "Follow-up", "er": "Rapid (ER) snapshot"}
    items: list[JSON] = [
        {"linkId": "kind", "text": "Kind of assessment", "type": "choice", "required": True,
         "answerOption": [{"valueCoding": _coding(codes.KIND, k, label)} for k, label in kind_labels.items()]},
        {"linkId": "age-months", "text": "Age in completed months on the assessment date", "type": "integer",
         "required": True, "readOnly": True, "code": [_coding(codes.LOINC, codes.LOINC_AGE, "Age")]},
        {"linkId": "trigger", "text": "What triggered this rapid snapshot", "type": "choice", "required": True,
         "enableWhen": [is_er],
         "answerOption": [{"valueCoding": _coding(codes.TRIGGER, k, label)}
                          for k, label in instrument.triggers.items()]},
    ]
    periods = []
    for period in instrument.periods:
        link = f"history.{period.id}"
        periods.append({
            "linkId": link, "text": period.label, "type": "group", **_enable(_from_age(period.start)),
            "code": [_coding(codes.PERIOD, period.id, period.label)],
            "item": [
                {"linkId": f"{link}.{scale}", "text": scale.replace("_", " ").capitalize(), "type": "choice",
                 "answerOption": _options(codes.HISTORY_RATING[scale], instrument.history_scales[scale])}
                for scale in ("adversity", "relational_health")
            ],
        })
    items.append({"linkId": "history", "text": "Developmental history", "type": "group",
                  "enableWhen": [not_er], "item": periods})
    domains = []
    for region in instrument.regions:
        domain_items = [
            {"linkId": f"functioning.{item.id}", "text": item.label, "type": "choice",
             **_enable(_from_age(item.min_age_months)),
             "answerOption": _options(codes.FUNCTIONING_RATING, item.anchors),
             "item": [_help(f"functioning.{item.id}", item.description)]}
            for item in instrument.functioning_items if item.domain == region.domain
        ]
        domains.append({"linkId": f"functioning.{region.domain}", "text": region.domain_label, "type": "group",
                        "code": [_coding(codes.DOMAIN, region.domain, region.domain_label)], "item": domain_items})
    items.append({"linkId": "functioning", "text": "Current functioning", "type": "group", "item": domains})
    items.append({"linkId": "relational", "text": "Current relational health", "type": "group", "item": [
        {"linkId": f"relational.{item.id}", "text": item.label, "type": "choice",
         "answerOption": _options(codes.RELATIONAL_RATING, item.anchors),
         "item": [_help(f"relational.{item.id}", item.description)]}
        for item in instrument.relational_items
    ]})
    items.append({"linkId": "informants", "text": "Informants", "type": "group", "repeats": True, "item": [
        {"linkId": "informants.role", "text": "Role", "type": "string", "required": True, "maxLength": 200},
        {"linkId": "informants.name", "text": "Name", "type": "string", "maxLength": 200},
        {"linkId": "informants.description", "text": "Details", "type": "string", "maxLength": 200},
        {"linkId": "informants.hours", "text": "Hours of contact", "type": "decimal"},
    ]})
    items.append({"linkId": "documents", "text": "Documents reviewed", "type": "group", "repeats": True, "item": [
        {"linkId": "documents.title", "text": "Title", "type": "string", "required": True, "maxLength": 200},
        {"linkId": "documents.source", "text": "Source", "type": "string", "maxLength": 200},
        {"linkId": "documents.date", "text": "Date", "type": "date"},
    ]})
    items.append({"linkId": "undetermined-reason", "type": "text", "maxLength": 5000,
                  "text": "Why it was signed although too little was rated to say where to start"})
    return {
        "resourceType": "Questionnaire",
        "id": f"rootmap-assessment-{version}",
        "url": codes.QUESTIONNAIRE_URL,
        "version": version,
        "name": f"RootmapAssessmentV{version}",
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "Rootmap",
        "description": "Rootmap's developmental profile: developmental history per period, current "
                       "functioning (32 items in four domains), current relational health. Items an "
                       "age does not reach yet are enabled by the age item.",
        "item": items,
    }


# --- Bundle ---------------------------------------------------------------------------


# Patient.gender is FHIR's administrative gender (male | female | other | unknown). The
# recorded sex maps onto it directly; "not recorded" leaves it out (minimum necessary).
_ADMINISTRATIVE_GENDER = {"female": "female", "male": "male", "intersex": "other"}


def _patient(case: CaseFile, patient_id: str) -> JSON:
    client = case.client
    patient: JSON = {
        "resourceType": "Patient",
        "id": patient_id,
        "identifier": [{"system": codes.CLIENT_ID_SYSTEM, "value": client.id}],
        "birthDate": client.birth_date.isoformat(),
    }
    # Minimum necessary: a name only when the case file has one (its display name).
    if client.display_name:
        patient["name"] = [{"use": "usual", "text": client.display_name}]
    gender = _ADMINISTRATIVE_GENDER.get(client.context.sex if client.context else "not_recorded")
    if gender:  # sex as recorded, when it was (docs/fhir.md): never the gender identity
        patient["gender"] = gender
    if case.interests:  # they weigh the plan (clinical model, section 6), so they travel
        patient["extension"] = [{"url": codes.INTEREST_EXTENSION, "valueString": i} for i in case.interests]
    return patient


def _event_observation(instrument: Instrument, event: Event, oid: str, patient_ref: JSON) -> JSON:
    components: list[JSON] = [
        {"code": _concept(codes.SCORE, "event-onset-months", "Onset, months of age"),
         "valueQuantity": _months(event.onset_months)},
    ]
    if event.end_months is not None:  # absent: ongoing
        components.append({"code": _concept(codes.SCORE, "event-end-months", "End, months of age"),
                           "valueQuantity": _months(event.end_months)})
    if event.source:
        components.append({"code": _concept(codes.SCORE, "event-source", "Source"), "valueString": event.source})
    observation: JSON = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [_concept(codes.OBSERVATION_CATEGORY, "social-history", "Social History")],
        "code": _concept(codes.EVENT_CATEGORY, event.category, instrument.event_categories[event.category]),
        "subject": patient_ref,
        "valueInteger": event.severity,
        "component": components,
    }
    if event.note:
        observation["note"] = [{"text": event.note}]
    return observation


def _months(value: int) -> JSON:
    return {"value": value, "unit": "months", "system": codes.UCUM, "code": "mo"}


def _answer_coding(system: str, value: int, anchors: dict[int, str]) -> JSON:
    return {"valueCoding": _coding(system, str(value), anchors.get(value))}


def _response_items(instrument: Instrument, assessment: Assessment, age: int) -> list[JSON]:
    items: list[JSON] = [
        {"linkId": "kind", "answer": [{"valueCoding": _coding(codes.KIND, assessment.kind)}]},
        {"linkId": "age-months", "answer": [{"valueInteger": age}]},
    ]
    if assessment.trigger is not None:
        items.append({"linkId": "trigger", "answer": [{"valueCoding": _coding(
            codes.TRIGGER, assessment.trigger, instrument.triggers[assessment.trigger])}]})
    if assessment.history is not None:
        periods = []
        for period in instrument.periods:
            ratings = getattr(assessment.history, period.id)
            if ratings is None:
                continue
            answered = [
                {"linkId": f"history.{period.id}.{scale}", "answer": [_answer_coding(
                    codes.HISTORY_RATING[scale], value, instrument.history_scales[scale])]}
                for scale in ("adversity", "relational_health")
                if (value := getattr(ratings, scale)) is not None
            ]
            if answered:
                periods.append({"linkId": f"history.{period.id}", "item": answered})
        if periods:
            items.append({"linkId": "history", "item": periods})
    functioning = ratings_of(assessment.functioning)
    domains = []
    for region in instrument.regions:
        answered = [
            {"linkId": f"functioning.{item.id}",
             "answer": [_answer_coding(codes.FUNCTIONING_RATING, functioning[item.id], item.anchors)]}
            for item in instrument.functioning_items
            if item.domain == region.domain and functioning[item.id] is not None
        ]
        if answered:
            domains.append({"linkId": f"functioning.{region.domain}", "item": answered})
    if domains:
        items.append({"linkId": "functioning", "item": domains})
    relational = ratings_of(assessment.relational)
    answered = [
        {"linkId": f"relational.{item.id}",
         "answer": [_answer_coding(codes.RELATIONAL_RATING, relational[item.id], item.anchors)]}
        for item in instrument.relational_items if relational[item.id] is not None
    ]
    if answered:
        items.append({"linkId": "relational", "item": answered})
    for informant in assessment.informants:
        # FHIR has no empty string: an empty role or title is left out and read back as "".
        parts = [{"linkId": "informants.role", "answer": [{"valueString": informant.role}]}] if informant.role else []
        if informant.name:
            parts.append({"linkId": "informants.name", "answer": [{"valueString": informant.name}]})
        if informant.description:
            parts.append({"linkId": "informants.description", "answer": [{"valueString": informant.description}]})
        if informant.hours is not None:
            parts.append({"linkId": "informants.hours", "answer": [{"valueDecimal": informant.hours}]})
        items.append({"linkId": "informants", "item": parts})
    for document in assessment.documents:
        parts = [{"linkId": "documents.title", "answer": [{"valueString": document.title}]}] if document.title else []
        if document.source:
            parts.append({"linkId": "documents.source", "answer": [{"valueString": document.source}]})
        if document.date is not None:
            parts.append({"linkId": "documents.date", "answer": [{"valueDate": document.date.isoformat()}]})
        items.append({"linkId": "documents", "item": parts})
    if assessment.undetermined_reason:
        items.append({"linkId": "undetermined-reason", "answer": [{"valueString": assessment.undetermined_reason}]})
    return items


def _score(value: float | None, absent: str = "unknown") -> JSON:
    """A score as valueQuantity, or why there is none (insufficient ratings, not for this kind)."""
    if value is None:
        return {"dataAbsentReason": _concept(codes.DATA_ABSENT, absent)}
    return {"valueQuantity": {"value": value, "unit": "points (0-100)"}}


def _band(band: str | None) -> JSON:
    return {"interpretation": [_concept(codes.BAND, band)]} if band else {}


def _score_observations(instrument: Instrument, result: AssessmentResult) -> list[tuple[str, JSON]]:
    """(code, the rest of the Observation) for each score of one assessment."""
    er = result.kind == "er"
    period_labels = {p.id: p.label for p in instrument.periods}
    risk: JSON = {**_score(result.developmental_risk, "not-applicable" if er else "unknown"),
                  **_band(result.risk_band)}
    risk_parts = [
        {"code": _concept(codes.SCORE, f"period-risk.{period}", f"Risk, {period_labels[period]}"),
         "valueQuantity": {"value": value, "unit": "points (0-100)"}}
        for period, value in result.period_risk.items()
    ]
    if result.peak_period is not None:
        risk_parts.append({"code": _concept(codes.SCORE, "peak-period", "Period of highest risk"),
                           "valueCodeableConcept": _concept(codes.PERIOD, result.peak_period,
                                                            period_labels[result.peak_period])})
    if risk_parts:
        risk["component"] = risk_parts
    domain_labels = {r.domain: r.domain_label for r in instrument.regions}
    functioning: JSON = {**_score(result.functioning_index), **_band(result.functioning_band)}
    functioning["component"] = [
        {"code": _concept(codes.SCORE, f"domain-index.{domain}", domain_labels[domain]),
         **_score(d.index, "not-applicable" if d.status == "not_expected" else "unknown"), **_band(d.band)}
        for domain, d in result.domains.items()
    ]
    phase: JSON = {"valueCodeableConcept": _concept(codes.PHASE, result.phase)}
    if result.entry_region is not None:
        phase["component"] = [{"code": _concept(codes.SCORE, "entry-region", "Entry region"),
                               "valueCodeableConcept": _concept(codes.REGION, result.entry_region)}]
    ace: JSON = ({"dataAbsentReason": _concept(codes.DATA_ABSENT, "not-applicable")}
                 if result.ace_count is None else {"valueInteger": result.ace_count})
    return [
        ("developmental-risk", risk),
        ("ace-count", ace),
        ("functioning-index", functioning),
        ("relational-health", {**_score(result.relational_health), **_band(result.relational_band)}),
        ("resilience", _score(result.resilience)),
        ("phase", phase),
    ]


SCORE_DISPLAY = {
    "developmental-risk": "Developmental risk",
    "ace-count": "ACE-style count of adversity categories",
    "functioning-index": "Functioning index",
    "relational-health": "Relational health",
    "resilience": "Resilience",
    "phase": "Phase to begin with",
}


def bundle_from_case(
    case: CaseFile,
    *,
    bundle_type: Literal["collection", "searchset"] = "collection",
    timestamp: dt.datetime | None = None,
) -> JSON:
    """The case file as a FHIR Bundle: Patient, events, a QuestionnaireResponse per assessment, scores.

    `searchset` is for the API's Patient/$everything; `collection` for a file.
    """
    instrument = current()  # events and item ids are shared by every version
    client_key = case.client.id
    patient_id = _uuid("patient", client_key)
    patient_ref = {"reference": f"urn:uuid:{patient_id}"}
    resources: list[JSON] = [_patient(case, patient_id)]
    for n, event in enumerate(case.events):
        resources.append(_event_observation(instrument, event, _uuid("event", client_key, str(n)), patient_ref))
    results = score_history(case) if case.assessments else []
    for assessment, result in zip(case.assessments, results, strict=True):
        # Each assessment keeps the version that scored it: its anchors and labels are that version's.
        version = load_instrument(assessment.instrument_version)
        age = age_in_months(case.client.birth_date, assessment.date)
        response_id = _uuid("assessment", client_key, assessment.id)
        response: JSON = {
            "resourceType": "QuestionnaireResponse",
            "id": response_id,
            "identifier": {"system": codes.ASSESSMENT_ID_SYSTEM, "value": assessment.id},
            "questionnaire": codes.canonical(assessment.instrument_version),
            "status": "completed",
            "subject": patient_ref,
            "authored": assessment.date.isoformat(),
            "item": _response_items(version, assessment, age),
        }
        resources.append(response)
        for code, body in _score_observations(version, result):
            resources.append({
                "resourceType": "Observation",
                "id": _uuid("score", client_key, assessment.id, code),
                "status": "final",
                "category": [_concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")],
                "code": _concept(codes.SCORE, code, SCORE_DISPLAY[code]),
                "subject": patient_ref,
                "effectiveDateTime": assessment.date.isoformat(),
                "derivedFrom": [{"reference": f"urn:uuid:{response_id}"}],
                **body,
            })
    entries = []
    for resource in resources:
        entry: JSON = {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
        if bundle_type == "searchset":
            entry["search"] = {"mode": "match" if resource["resourceType"] == "Patient" else "include"}
        entries.append(entry)
    bundle: JSON = {"resourceType": "Bundle", "id": _uuid("bundle", client_key), "type": bundle_type}
    if timestamp is not None:
        bundle["timestamp"] = timestamp.isoformat()
    if bundle_type == "searchset":
        bundle["total"] = 1  # one Patient matched; the rest is included with it
    bundle["entry"] = entries
    return bundle
