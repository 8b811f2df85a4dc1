"""Input problems: one line each, naming the JSON path, the value and what was expected."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_MISSING = object()

# The one wording of these problems, wherever the value came from (a case file, a CSV
# cell, a form field); each follows the value shown (or the field's name) in a sentence.
REQUIRED = "is required but missing"
NOT_A_DATE = "is not a valid date (expected YYYY-MM-DD)"


def too_long(max_length: object) -> str:
    return f"is longer than the maximum of {max_length} characters"


@dataclass(frozen=True, slots=True)
class Problem:
    path: str                 # e.g. "assessments[0].functioning.sleep"
    message: str              # e.g. "7 is above the maximum 5"
    value: Any = _MISSING     # the offending value, when there is one

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CaseFileError(ValueError):
    """A case or household file that cannot be used, with every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def json_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    # A key may hold a lone surrogate (from a JSON escape), which cannot be printed as UTF-8.
    return path.encode("utf-8", "backslashreplace").decode("utf-8") or "$"


def show(value: Any, limit: int = 60) -> str:
    """A value as it would appear in JSON, shortened for one line."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    except RecursionError:  # nested deeper than the encoder goes; only its kind can be shown
        text = f"a {type(value).__name__} nested too deeply to show"
    # A lone surrogate (from a JSON "\\ud800" escape) cannot be printed or sent as UTF-8.
    text = text.replace("\n", " ").encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    value = show(error.get("input"))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return REQUIRED
    if kind == "extra_forbidden":
        return f"is not a known field (its value is {value}); `rootmap schema` lists the fields allowed"
    if kind in {"less_than_equal", "less_than"}:
        return f"{value} is above the maximum {ctx.get('le', ctx.get('lt'))}"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"{value} is below the minimum {ctx.get('ge', ctx.get('gt'))}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{value} is not a whole number"
    if kind in {"float_type", "float_parsing", "finite_number"}:
        return f"{value} is not a number"
    if kind in {"string_type"}:
        return f"{value} is not text"
    if kind == "string_too_long":
        return too_long(ctx.get("max_length"))
    if kind == "too_long":
        return f"has {ctx.get('actual_length')} entries; at most {ctx.get('max_length')} are allowed"
    if kind == "string_unicode":
        return "contains a lone UTF-16 surrogate (not a character); expected plain text"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"{value} is not one of {ctx.get('expected')}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{value} {NOT_A_DATE}"
    if kind in {"list_type", "tuple_type"}:
        return f"{value} is not a list"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"{value} is not an object"
    if kind in {"bool_type", "bool_parsing"}:
        return f"{value} is not true or false"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{value}: {error['msg']}"


def problems_from_validation_error(error: ValidationError) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        problems.append(
            Problem(json_path(detail["loc"]), _message(detail), detail.get("input", _MISSING))
        )
    return problems
