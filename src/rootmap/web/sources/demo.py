"""Sources for the demo's case files: roles from the list and the hours by activity.

The example files keep the free-text roles older case files had (they show that such
files still import); the demo writes them as the list's roles, with the words kept as
the description, and adds the time each full assessment took, the way a practice records
it: interviews per informant, record review, preparation and presentation.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from rootmap.core.sources import role_of
from rootmap.instruments import current

# Hours of a full assessment other than interviews (record review, preparation,
# presentation), and interview hours by role when the file gives none.
_ACTIVITY_HOURS = {"record_review": 2.0, "preparation": 1.0, "presentation": 1.0}
_INTERVIEW_HOURS = {"youth": 1.5, "parent": 1.5, "caregiver": 1.5, "kin": 1.0, "teacher": 0.5,
                    "caseworker": 0.5, "therapist": 0.5, "other": 0.5}


def demo_sources(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a demo case file with listed roles and hours (not a case file: unchanged)."""
    if data.get("format") != "rootmap-case/1":
        return data
    data = copy.deepcopy(data)
    instrument = current()
    for assessment in data.get("assessments") or []:
        for informant in assessment.get("informants") or []:
            role, said = role_of(instrument, str(informant.get("role") or ""))
            informant["role"] = role
            if said and not informant.get("description"):
                informant["description"] = said
            if informant.get("hours") is None:
                informant["hours"] = _INTERVIEW_HOURS[role]
        if assessment.get("kind") == "full" and "hours" not in assessment:
            assessment["hours"] = dict(_ACTIVITY_HOURS)
            presented = dt.date.fromisoformat(assessment["date"]) + dt.timedelta(days=7)
            assessment.setdefault("presentation_date", presented.isoformat())
        elif assessment.get("kind") == "follow_up" and "hours" not in assessment:
            assessment["hours"] = {"record_review": 1.0, "preparation": 0.5, "presentation": 0.5}
    return data
