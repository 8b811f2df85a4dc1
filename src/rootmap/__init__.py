"""Rootmap: developmental assessment, brain map and sequenced plans.

The public API, for scripts and other programs:

>>> import json, rootmap
>>> case = rootmap.parse_case(json.load(open("examples/school-age-foster.json")))  # doctest: +SKIP
>>> [r.phase for r in rootmap.score_history(case)]  # doctest: +SKIP
['regulate', 'regulate', 'relate']

Names are loaded on first use, so that `import rootmap` stays cheap for the command line
and the web application.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "CaseFileError": "rootmap.core.problems",
    "Problem": "rootmap.core.problems",
    "parse_case": "rootmap.core.case",
    "parse_household": "rootmap.core.case",
    "parse_document": "rootmap.core.case",
    "score_case": "rootmap.core.scoring",
    "score_history": "rootmap.core.scoring",
    "score_household": "rootmap.core.caregiving",
    "what_if": "rootmap.core.caregiving",
    "prefill_challenge": "rootmap.core.caregiving",
    "follow_up_status": "rootmap.core.schedule",
    "load_instrument": "rootmap.instruments",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rootmap' has no attribute {name!r}")
