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
from ninja.schema import DjangoGetter

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
    if isinstance(value, DjangoGetter):  # ninja's wrapper of the object sent (a missing field's value)
        value = value._obj
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
    text = json.dumps(body, ensure_ascii=False)
    try:
        content = text.encode("utf-8")
    except UnicodeEncodeError:
        # A value shown back holds a lone surrogate ("\ud800" is valid JSON, not UTF-8 text):
        # written as an escape, the refusal is still JSON instead of a server error.
        content = json.dumps(body).encode("ascii")
    response = HttpResponse(content, status=status, content_type="application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def request_problems(error: Any, model: Any) -> list[Problem]:
    """One pydantic error of a request's parameters (ninja's model of the body, query or path)
    in core's words, the same as the command line's, each path naming the field as the
    client sent it: "birth_date", not ninja's "payload.birth_date"."""
    flatten = getattr(model, "__ninja_flatten_map_reverse__", {})
    problems = []
    for problem, detail in zip(problems_from_validation_error(error), error.errors(include_url=False),
                               strict=True):
        loc = list(flatten.get(detail["loc"], detail["loc"]))
        if len(loc) > 1 or getattr(model, "__ninja_param_source__", "") == "body":
            loc = loc[1:]  # the parameter's own name (payload, filters): not part of what was sent
        problems.append(Problem(json_path(loc), problem.message, problem.value))
    return problems


def on_request_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
    """exc.errors holds Problems (RootmapAPI.validation_error_from_error_contexts).

    A read (GET ?phase=bogus, ?q= longer than any name) saves nothing whatever happens:
    its refusal says the list was not read, not that "nothing was saved"."""
    problems = list(exc.errors)
    if request.method in ("GET", "HEAD"):
        count = len(problems)
        return problems_response(422, problems, f"The request has {count} problem{'s' if count != 1 else ''}; "
                                                "nothing was read.")
    return problems_response(422, problems)


def unknown_query_problems(request: HttpRequest, allowed: Sequence[str]) -> list[Problem]:
    """One problem per query parameter the endpoint does not take, naming those it takes."""
    takes = (f"this endpoint takes {', '.join(allowed)}" if allowed
             else "this endpoint takes no query parameters")
    problems = []
    for name in request.GET:
        if name not in allowed:
            values = request.GET.getlist(name)
            shown = name if len(name) <= 60 else name[:60] + "..."
            problems.append(Problem(json_path([shown]), f"{shown!r} is not a query parameter; {takes}",
                                    values[0] if len(values) == 1 else values))
    return problems


BODY_PROBLEMS = "rootmap_body_problems"  # request attribute: why ninja could not parse the body


def body_too_big(request: HttpRequest) -> tuple[int, list[Problem]]:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return 413, [Problem("$", f"the request body is {request.META.get('CONTENT_LENGTH', '?')} bytes; "
                              f"the server accepts at most {limit} bytes")]
