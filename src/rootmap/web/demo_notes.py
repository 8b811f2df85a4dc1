"""The demo's clinician notes and pending supervisor review (decision 0022).

Imported assessments are finalised, and a finalised row never changes, so the notes go
into the demo case file before it is imported; the review request is made afterwards
through the review service, as a clinician would.
"""

from __future__ import annotations

import copy
from typing import Any

NOTES_FILE = "school-age-foster.json"
DEMO_NOTES = {
    "formulation": (
        "Milo's early years were marked by neglect and several moves of placement, before any "
        "steady relationship could hold him. His body still braces for danger: sleep is light "
        "and short, and small changes set off long stretches of dysregulation.\n\n"
        "What helps:\n\n"
        "- a predictable evening routine with his foster carer\n"
        "- *rhythmic* activity (drumming, swinging) before any talking\n\n"
        "Work starts with **regulation**; relational and reasoning work follow as he settles."
    ),
    "family_summary": (
        "Milo is doing better with a calm, regular evening. Keep the bedtime routine the same "
        "every night, and try the drumming game together after school."
    ),
    "items": {
        "functioning.sleep": "Wakes two or three times a night; carer reports nightmares after contact visits.",
        "history.perinatal": "Little is known; birth records were not available.",
    },
}


def with_demo_notes(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The case file with the clinician's notes on its latest assessment (one demo client)."""
    if name != NOTES_FILE or not data.get("assessments"):
        return data
    data = copy.deepcopy(data)
    data["assessments"][-1].setdefault("notes", DEMO_NOTES)
    return data


def demo_pending_review(organisation: Any, clinician: Any) -> None:
    """That assessment submitted for supervisor review, unless a review exists already."""
    from rootmap.web.assessments.models import Assessment
    from rootmap.web.assessments.review_models import ReviewRequest
    from rootmap.web.assessments.review_services import review_submit

    assessment = (Assessment.objects.filter(client__organisation=organisation, client__reference="C-0102",
                                            status=Assessment.Status.FINAL)
                  .order_by("-date", "-id").first())
    if assessment is None or ReviewRequest.objects.filter(assessment=assessment).exists():
        return
    review_submit(assessment=assessment, user=clinician,
                  message="Please review the formulation before the family meeting.")
