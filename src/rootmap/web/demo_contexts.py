"""The demo clients' context (sex, gender, placements, legal status, school, contacts).

Kept beside the demo case files rather than in them: the files are the project's examples
too (examples/), read by tests of the scoring, the reports and FHIR that predate the
context. `rootmap demo` adds these to each file's client before importing it, so every
signed assessment's snapshot holds them, as it would for a client recorded by hand.
Every name, number and address is invented.
"""

from __future__ import annotations

from typing import Any

DEMO_CONTEXTS: dict[str, dict[str, Any]] = {
    "C-0101": {  # Poppy, a toddler with her grandmother
        "sex": "female",
        "placements": [
            {"type": "birth_family", "start": "2023-03-14", "end": "2024-11-20"},
            {"type": "kinship", "start": "2024-11-20", "note": "maternal grandmother"},
        ],
        "legal_status": "interim_order",
        "school": "Little Acorns nursery", "school_year": "Pre-school, 2 mornings a week",
        "languages": "English",
        "interpreter_needed": False,
        "contacts": [
            {"name": "June Hale", "kind": "caregiver", "relationship": "maternal grandmother (kinship carer)",
             "phone": "01632 960 118"},
            {"name": "Priya Natarajan", "kind": "professional", "relationship": "social worker",
             "organisation": "Riverside Children's Services", "email": "priya.natarajan@example.org"},
        ],
    },
    "C-0102": {  # Milo, school age, in foster care
        "sex": "male",
        "gender": "boy",
        "pronouns": "he/him",
        "placements": [
            {"type": "birth_family", "start": "2015-11-08", "end": "2019-04-02"},
            {"type": "foster", "start": "2019-04-02", "end": "2022-08-15", "note": "emergency then short-term carers"},
            {"type": "foster", "start": "2022-08-15", "note": "long-term foster family"},
        ],
        "legal_status": "care_order",
        "school": "Brookside Primary School", "school_year": "Year 5",
        "languages": "English; some Polish (mother's family)",
        "interpreter_needed": False,
        "cultural_notes": "Milo's mother's family is Polish; he likes hearing about Polish Christmas customs "
                          "and keeps a photo album from his grandmother.",
        "contacts": [
            {"name": "Dana Okafor", "kind": "caregiver", "relationship": "foster mother",
             "phone": "01632 960 402", "email": "dana.okafor@example.org"},
            {"name": "Sam Okafor", "kind": "caregiver", "relationship": "foster father"},
            {"name": "Ms R. Patel", "kind": "professional", "relationship": "class teacher",
             "organisation": "Brookside Primary School"},
            {"name": "Tom Birch", "kind": "professional", "relationship": "caseworker",
             "organisation": "Riverside Children's Services", "phone": "01632 960 777"},
        ],
    },
    "C-0103": {  # Tessa, an adolescent in residential care
        "sex": "female",
        "gender": "self_described",
        "gender_description": "non-binary, still working it out",
        "pronouns": "they/them",
        "placements": [
            {"type": "birth_family", "start": "2010-08-03", "end": "2021-02-10"},
            {"type": "foster", "start": "2021-02-10", "end": "2025-08-30"},
            {"type": "residential", "start": "2025-08-30", "note": "Oak House"},
        ],
        "legal_status": "voluntary",
        "school": "Hillcrest Academy", "school_year": "Year 11",
        "languages": "English, Portuguese at home",
        "interpreter_needed": True,
        "cultural_notes": "Mother speaks Portuguese; meetings with her need an interpreter.",
        "contacts": [
            {"name": "Ana Ferreira", "kind": "caregiver", "relationship": "mother", "phone": "01632 960 555"},
            {"name": "Lee Morgan", "kind": "caregiver", "relationship": "key worker, Oak House",
             "organisation": "Oak House"},
            {"name": "Dr K. Ibrahim", "kind": "professional", "relationship": "psychiatrist",
             "organisation": "Youth Mental Health Service"},
        ],
    },
}


def with_demo_context(data: dict[str, Any]) -> dict[str, Any]:
    """The case file with its client's demo context added (unchanged when there is none)."""
    context = DEMO_CONTEXTS.get(data.get("client", {}).get("id", ""))
    if context is None or "context" in data["client"]:
        return data
    return {**data, "client": {**data["client"], "context": context}}
