"""What signing an assessment stores: its score and the case file it was scored with.

One function for the finalise service and for the scale seed (rootmap.web.scale), so that
a seeded result is exactly what finalising the same inputs would store. The formulas stay
in rootmap.core; this only runs them and cuts the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rootmap.core.case import CaseFile, parse_case
from rootmap.core.results import AssessmentResult, result_to_json
from rootmap.core.scoring import score_case
from rootmap.web.assessments.case_files import frozen_case


@dataclass(frozen=True)
class Signed:
    result: AssessmentResult
    result_json: dict[str, Any]  # what Assessment.result stores
    snapshot: dict[str, Any]  # what Assessment.snapshot stores (the case file cut after it)
    case: CaseFile  # the validated case file it was scored from


def score_for_signing(case_dict: dict[str, Any], reference: str) -> Signed:
    """Score assessment `reference` of `case_dict`. Raises rootmap.core.case.CaseFileError."""
    case = parse_case(case_dict)
    result = score_case(case, assessment_id=reference)
    return Signed(result, result_to_json(result), frozen_case(case_dict, reference), case)
