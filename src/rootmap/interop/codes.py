"""The URLs and code systems Rootmap's FHIR resources use (docs/fhir.md lists them).

Rootmap's scores are its own, openly documented model, not an instrument registered in
LOINC, so they are coded in Rootmap's own code systems. LOINC is used only where a code
means exactly what we send: the client's age (30525-0 "Age").
"""

from __future__ import annotations

BASE = "https://rootmap.org/fhir"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/rootmap-assessment"
CLIENT_ID_SYSTEM = f"{BASE}/NamingSystem/client-id"
ASSESSMENT_ID_SYSTEM = f"{BASE}/NamingSystem/assessment-id"
INTEREST_EXTENSION = f"{BASE}/StructureDefinition/interest"
UNDETERMINED_REASON_EXTENSION = f"{BASE}/StructureDefinition/undetermined-reason"


def code_system(name: str) -> str:
    return f"{BASE}/CodeSystem/{name}"


SCORE = code_system("score")                  # developmental-risk, functioning-index, ...
KIND = code_system("assessment-kind")         # full, follow_up, er
TRIGGER = code_system("er-trigger")
EVENT_CATEGORY = code_system("event-category")
PERIOD = code_system("period")
DOMAIN = code_system("domain")
REGION = code_system("region")
PHASE = code_system("phase")
BAND = code_system("band")
# One code system per rating scale: the same digit means different things on each.
FUNCTIONING_RATING = code_system("functioning-rating")
RELATIONAL_RATING = code_system("relational-rating")
HISTORY_RATING = {
    "adversity": code_system("history-adversity"),
    "relational_health": code_system("history-relational-health"),
}

LOINC = "http://loinc.org"
LOINC_AGE = "30525-0"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
ITEM_CONTROL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ORDINAL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def canonical(version: str) -> str:
    """The Questionnaire's canonical reference with its version, as QuestionnaireResponse.questionnaire."""
    return f"{QUESTIONNAIRE_URL}|{version}"
