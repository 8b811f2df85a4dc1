"""Every refusal of the API as one JSON shape: what went wrong, and each problem with the
path of the field, the value given and what was expected, in the words of the command line
(rootmap.core.problems.Problem: `path: message`).

    {"detail": "The input has 1 problem.",
     "problems": [{"path": "assessments[0].functioning.sleep", "value": 7,
                   "message": "7 is above the maximum 5",
                   "text": "assessments[0].functioning.sleep: 7 is above the maximum 5"}]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Schema
from pydantic import ValidationError as PydanticValidationError

from rootmap.core.problems import Problem, json_path, problems_from_validation_error


class ProblemOut(Schema):
    path: str
    message: str
    text: str
    value: Any = None


class ErrorOut(Schema):
    detail: str
    problems: list[ProblemOut] = []


def _json_value(value: Any) -> Any:
    if type(value) is object:  # core's "no value" marker
        return None
    try:
        return json.loads(json.dumps(value, default=str, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        return None


def problem_dict(problem: Problem) -> dict[str, Any]:
    return {"path": problem.path, "message": problem.message, "text": str(problem),
            "value": _json_value(problem.value)}


def error_body(detail: str, problems: Sequence[Problem] = ()) -> dict[str, Any]:
    return {"detail": detail, "problems": [problem_dict(p) for p in problems]}


def problems_response(status: int, problems: Sequence[Problem], detail: str | None = None) -> HttpResponse:
    count = len(problems)
    text = detail or f"The input has {count} problem{'s' if count != 1 else ''}; nothing was saved."
    return json_response(status, error_body(text, problems))


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _request_path(loc: Sequence[Any]) -> str:
    """A ninja location ("body", "payload", "birth_date") as the field's path ("birth_date")."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 1 else []
    elif parts and parts[0] in ("query", "path", "header"):
        parts = parts[1:]
    return json_path(parts)


def request_problems(errors: Sequence[dict[str, Any]]) -> list[Problem]:
    """ninja's request validation errors, in core's words (the same messages as the CLI)."""
    problems = []
    for error in errors:
        path = _request_path(error.get("loc", ()))
        try:
            rebuilt = PydanticValidationError.from_exception_data(
                "request", [{"type": error["type"], "loc": tuple(error.get("loc", ())),
                             "input": error.get("input"), "ctx": error.get("ctx") or {}}])  # type: ignore[typeddict-item]
            message = problems_from_validation_error(rebuilt)[0].message
        except (KeyError, TypeError, ValueError):  # a kind pydantic cannot rebuild: its own words
            message = str(error.get("msg", "is not valid"))
        problems.append(Problem(path, message, error.get("input")))
    return problems


def on_request_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
    return problems_response(422, request_problems(exc.errors))
