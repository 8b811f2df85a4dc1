"""A FHIR Bundle (Patient + QuestionnaireResponses) back to a Rootmap case file.

The Bundle is first checked against the FHIR R4B models (fhir.resources), then read:
the Patient gives the client, Observations coded in Rootmap's event-category system give
the adverse events, and each QuestionnaireResponse of Rootmap's Questionnaire gives one
assessment. Score Observations are not read: the engine recomputes every score from the
answers. Every problem names its place in the Bundle (`entry[3].resource.item[2]...`), the
value and what was expected; the case file is validated by rootmap.core.case as any other.
Importing into the web creates drafts (the clinician signs them there).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from rootmap.core.case import CaseFile, parse_case
from rootmap.core.problems import CaseFileError, Problem, json_path, show
from rootmap.instruments import current_version
from rootmap.interop import codes

__all__ = ["case_from_bundle"]

JSON = dict[str, Any]
_RATING_SYSTEMS = {codes.FUNCTIONING_RATING, codes.RELATIONAL_RATING, *codes.HISTORY_RATING.values()}


def _resource_type_problems(bundle: Mapping[str, Any]) -> list[Problem]:
    """Entries whose resourceType names no FHIR R4 resource (the models fail on those, not refuse)."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    entries = bundle.get("entry")
    if not isinstance(entries, list):
        return []  # absent, or a shape the models refuse with their own message
    problems = []
    for n, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping):
            continue
        kind = resource.get("resourceType")
        try:
            known = isinstance(kind, str) and issubclass(get_fhir_model_class(kind), Resource)
        except ValueError:
            known = False
        if not known:
            problems.append(Problem(f"entry[{n}].resource.resourceType",
                                    f"{show(kind)} is not a FHIR R4 resource type", kind))
    return problems


def _fhir_checked(bundle: Mapping[str, Any]) -> tuple[JSON, list[Problem]]:
    """The FHIR R4B models' verdict on the Bundle: the Bundle as they read it, or one Problem per error.

    What is read afterwards is the models' own JSON, so every value has its FHIR type (a
    date is text, ...) whatever the sender wrote.
    """
    from fhir.resources.R4B.bundle import Bundle  # imported here: only the import path pays for it

    problems = _resource_type_problems(bundle)
    if problems:
        return {}, problems
    try:
        checked = Bundle.model_validate(bundle)
    except (KeyError, TypeError, AttributeError, RecursionError) as error:
        # The models failing rather than refusing (a shape they do not expect): still one line.
        return {}, [Problem("$", f"is not a FHIR R4 Bundle the models can read ({error.__class__.__name__}); "
                                 "expected a Bundle as `rootmap fhir export` writes it")]
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            loc = [part for part in detail["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
            message = detail["msg"].removeprefix("Value error, ")
            value = detail.get("input")
            if value is None and "required" in message:
                text = "is required but missing (FHIR R4)"
            else:
                shown = f"{show(value)} " if not isinstance(value, Mapping) else ""
                text = f"{shown}is not valid FHIR R4: {message}"
            problems.append(Problem(json_path(loc), text, value))
        return {}, problems
    return json.loads(checked.model_dump_json()), []


class _Reader:
    """Collects the case file and, for each of its paths, the Bundle path it came from."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.origin: dict[str, str] = {}

    def problem(self, path: str, message: str, value: Any = None) -> None:
        self.problems.append(Problem(path, message, value))


def _code_in(concept: Any, system: str) -> str | None:
    if not isinstance(concept, Mapping):
        return None
    for coding in concept.get("coding") or []:
        if coding.get("system") == system and coding.get("code") is not None:
            return str(coding["code"])
    return None


def _client(reader: _Reader, patient: JSON, here: str) -> JSON:
    identifiers = patient.get("identifier") or []
    ours = [i for i in identifiers if i.get("system") == codes.CLIENT_ID_SYSTEM and i.get("value")]
    chosen = (ours or [i for i in identifiers if i.get("value")] or [None])[0]
    client: JSON = {}
    if chosen is not None:
        client["id"] = chosen["value"]
        reader.origin["client.id"] = f"{here}.identifier[{identifiers.index(chosen)}].value"
    elif patient.get("id"):
        client["id"] = patient["id"]
        reader.origin["client.id"] = f"{here}.id"
    else:
        reader.problem(f"{here}.identifier", "is missing; expected the client's id as an identifier")
    if patient.get("birthDate"):
        client["birth_date"] = patient["birthDate"]
        reader.origin["client.birth_date"] = f"{here}.birthDate"
    else:
        reader.problem(f"{here}.birthDate", "is missing; every age and score needs the birth date")
    names = patient.get("name") or []
    if names:
        name = names[0]
        client["display_name"] = name.get("text") or " ".join([*(name.get("given") or []), name.get("family") or ""]
                                                                ).strip()
        reader.origin["client.display_name"] = f"{here}.name[0]"
    return client


def _interests(reader: _Reader, patient: JSON, here: str) -> list[str]:
    interests: list[Any] = []
    for n, extension in enumerate(patient.get("extension") or []):
        if extension.get("url") == codes.INTEREST_EXTENSION:
            reader.origin[f"interests[{len(interests)}]"] = f"{here}.extension[{n}].valueString"
            interests.append(extension.get("valueString"))
    return interests


def _event(reader: _Reader, observation: JSON, here: str, index: int) -> JSON:
    category = _code_in(observation.get("code"), codes.EVENT_CATEGORY)
    event: JSON = {"category": category, "severity": observation.get("valueInteger")}
    reader.origin[f"events[{index}].category"] = f"{here}.code"
    reader.origin[f"events[{index}].severity"] = f"{here}.valueInteger"
    reader.origin[f"events[{index}]"] = here
    for n, component in enumerate(observation.get("component") or []):
        code = _code_in(component.get("code"), codes.SCORE)
        field = {"event-onset-months": "onset_months", "event-end-months": "end_months"}.get(code or "")
        if field:
            event[field] = _whole((component.get("valueQuantity") or {}).get("value"))
            reader.origin[f"events[{index}].{field}"] = f"{here}.component[{n}].valueQuantity.value"
        elif code == "event-source":
            event["source"] = component.get("valueString") or ""
            reader.origin[f"events[{index}].source"] = f"{here}.component[{n}].valueString"
    if "onset_months" not in event:
        reader.problem(f"{here}.component", "has no event-onset-months component; expected the onset in months")
    notes = observation.get("note") or []
    if notes:
        event["note"] = "\n".join(n.get("text", "") for n in notes)
        reader.origin[f"events[{index}].note"] = f"{here}.note"
    return event


def _whole(value: Any) -> Any:
    """FHIR decimals arrive as floats; 24.0 months is 24, 24.5 stays 24.5 (and is refused later)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rating(reader: _Reader, answer: JSON, here: str) -> Any:
    if "valueInteger" in answer:
        return answer["valueInteger"]
    coding = answer.get("valueCoding")
    if isinstance(coding, Mapping):
        code = coding.get("code")
        if coding.get("system") not in _RATING_SYSTEMS:
            reader.problem(f"{here}.valueCoding.system", f"{show(coding.get('system'))} is not a Rootmap rating "
                           "scale; expected the system of the Questionnaire's answer options",
                           coding.get("system"))
            return None
        if isinstance(code, str) and re.fullmatch(r"\d", code):
            return int(code)
        reader.problem(f"{here}.valueCoding.code", f"{show(code)} is not a rating; expected a whole number", code)
        return None
    reader.problem(here, "has no valueCoding; expected a rating from the Questionnaire's answer options")
    return None


def _flatten(items: list[JSON], here: str) -> list[tuple[JSON, str]]:
    """Every item at any depth with its path (groups hold their items; questions may too)."""
    found: list[tuple[JSON, str]] = []
    for n, item in enumerate(items):
        path = f"{here}[{n}]"
        found.append((item, path))
        found.extend(_flatten(item.get("item") or [], f"{path}.item"))
        for a, answer in enumerate(item.get("answer") or []):
            found.extend(_flatten(answer.get("item") or [], f"{path}.answer[{a}].item"))
    return found


def _first_answer(reader: _Reader, item: JSON, path: str) -> tuple[JSON | None, str]:
    answers = item.get("answer") or []
    if len(answers) > 1:
        reader.problem(f"{path}.answer", f"has {len(answers)} answers; expected one")
    return (answers[0] if answers else None), f"{path}.answer[0]"


def _row(reader: _Reader, group: JSON, here: str, origin: str, fields: dict[str, str]) -> JSON:
    row: JSON = {}
    for n, part in enumerate(group.get("item") or []):
        key = fields.get(part.get("linkId", ""))
        if key is None:
            continue
        answer, at = _first_answer(reader, part, f"{here}.item[{n}]")
        if answer is not None:
            value = next((v for k, v in answer.items() if k.startswith("value")), None)
            row[key] = value
            reader.origin[f"{origin}.{key}"] = at
    return row


def _assessment(reader: _Reader, response: JSON, here: str, index: int) -> JSON:
    prefix = f"assessments[{index}]"
    reader.origin[prefix] = here
    identifier = response.get("identifier") or {}
    assessment: JSON = {"id": identifier.get("value") or response.get("id") or f"A-{index + 1}",
                        "date": (response.get("authored") or "")[:10] or None}
    reader.origin[f"{prefix}.id"] = f"{here}.identifier.value"
    reader.origin[f"{prefix}.date"] = f"{here}.authored"
    if not response.get("authored"):
        reader.problem(f"{here}.authored", "is missing; expected the assessment date")
    canonical = str(response.get("questionnaire") or "")
    version = canonical.partition("|")[2] or current_version()  # no version: the current one
    assessment["instrument_version"] = version
    reader.origin[f"{prefix}.instrument_version"] = f"{here}.questionnaire"
    functioning: JSON = {}
    relational: JSON = {}
    history: JSON = {}
    informants: list[JSON] = []
    documents: list[JSON] = []
    for item, path in _flatten(response.get("item") or [], f"{here}.item"):
        link = str(item.get("linkId", ""))
        section, _, rest = link.partition(".")
        if link == "informants":
            informants.append({"role": "", **_row(reader, item, path, f"{prefix}.informants[{len(informants)}]",
                                                  {"informants.role": "role", "informants.name": "name",
                                                   "informants.description": "description",
                                                   "informants.hours": "hours"})})
            continue
        if link == "documents":
            documents.append({"title": "", **_row(reader, item, path, f"{prefix}.documents[{len(documents)}]",
                                                  {"documents.title": "title", "documents.source": "source",
                                                   "documents.date": "date"})})
            continue
        if section in {"informants", "documents"} or not item.get("answer"):
            continue  # a group, or a row's part read with its row
        answer, at = _first_answer(reader, item, path)
        assert answer is not None
        if link == "kind":
            assessment["kind"] = _code_in({"coding": [answer.get("valueCoding") or {}]}, codes.KIND)
            reader.origin[f"{prefix}.kind"] = at
        elif link == "trigger":
            assessment["trigger"] = _code_in({"coding": [answer.get("valueCoding") or {}]}, codes.TRIGGER)
            reader.origin[f"{prefix}.trigger"] = at
        elif link == "undetermined-reason":
            assessment["undetermined_reason"] = answer.get("valueString")
            reader.origin[f"{prefix}.undetermined_reason"] = at
        elif section == "functioning" and rest:
            functioning[rest] = _rating(reader, answer, at)
            reader.origin[f"{prefix}.functioning.{rest}"] = at
        elif section == "relational" and rest:
            relational[rest] = _rating(reader, answer, at)
            reader.origin[f"{prefix}.relational.{rest}"] = at
        elif section == "history" and rest.count(".") == 1:
            period, scale = rest.split(".")
            history.setdefault(period, {})[scale] = _rating(reader, answer, at)
            reader.origin[f"{prefix}.history.{period}.{scale}"] = at
            reader.origin.setdefault(f"{prefix}.history.{period}", f"{path}")
        elif link != "age-months":  # the age is recomputed from the birth date and the date
            reader.problem(f"{path}.linkId", f"{show(link)} is not an item of Rootmap's Questionnaire", link)
    if "kind" not in assessment:
        reader.problem(f"{here}.item", "has no answered 'kind' item; expected full, follow_up or er")
    if history:
        assessment["history"] = history
    assessment["functioning"] = functioning
    assessment["relational"] = relational
    assessment["informants"] = informants
    assessment["documents"] = documents
    return assessment


_LAST_STEP = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def _located(problem: Problem, origin: Mapping[str, str]) -> Problem:
    """A case-file problem named by where its value was in the Bundle (the nearest known place)."""
    candidate = problem.path
    while candidate:
        if candidate in origin:
            return Problem(origin[candidate], f"{problem.message} (case file {problem.path})", problem.value)
        shorter = _LAST_STEP.sub("", candidate)
        candidate = "" if shorter == candidate else shorter
    return problem


def case_from_bundle(bundle: Any) -> CaseFile:
    """A case file from a FHIR Bundle; raises CaseFileError naming every problem's place in it."""
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, Mapping) else bundle
        raise CaseFileError([Problem("resourceType", f"{show(found)} is not a FHIR Bundle; expected "
                                                     "\"resourceType\": \"Bundle\"", found)])
    bundle, problems = _fhir_checked(bundle)
    if problems:
        raise CaseFileError(problems)
    reader = _Reader()
    entries = [(e.get("resource") or {}, f"entry[{n}].resource") for n, e in enumerate(bundle.get("entry") or [])]
    patients = [(r, p) for r, p in entries if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise CaseFileError([Problem("entry", f"holds {len(patients)} Patient resources; expected exactly one")])
    patient, patient_path = patients[0]
    patient_refs = {f"Patient/{patient.get('id')}"} | {
        str(e.get("fullUrl")) for e in bundle.get("entry") or [] if e.get("resource") is patient}
    case: JSON = {"format": "rootmap-case/1", "client": _client(reader, patient, patient_path),
                  "interests": _interests(reader, patient, patient_path), "events": [], "assessments": []}
    responses = []
    for resource, path in entries:
        kind = resource.get("resourceType")
        subject = (resource.get("subject") or {}).get("reference")
        if kind not in {"QuestionnaireResponse", "Observation"}:
            continue
        if subject not in patient_refs:
            reader.problem(f"{path}.subject", f"{show(subject)} is not the Bundle's Patient; expected "
                                              f"one of {', '.join(sorted(patient_refs))}", subject)
            continue
        if kind == "Observation" and _code_in(resource.get("code"), codes.EVENT_CATEGORY):
            case["events"].append(_event(reader, resource, path, len(case["events"])))
        elif kind == "QuestionnaireResponse":
            canonical = str(resource.get("questionnaire") or "")
            if canonical.partition("|")[0] != codes.QUESTIONNAIRE_URL:
                reader.problem(f"{path}.questionnaire", f"{show(canonical)} is not Rootmap's Questionnaire; "
                                                        f"expected {codes.canonical('1')}", canonical)
                continue
            responses.append((resource, path))
    # Oldest first, as the case file keeps them (a server need not send them in order).
    responses.sort(key=lambda pair: str(pair[0].get("authored") or ""))
    for n, (response, path) in enumerate(responses):
        case["assessments"].append(_assessment(reader, response, path, n))
    if reader.problems:
        raise CaseFileError(reader.problems)
    try:
        return parse_case(case)
    except CaseFileError as error:
        raise CaseFileError([_located(p, reader.origin) for p in error.problems]) from None
