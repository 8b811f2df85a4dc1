"""The API object: its routers, its one error shape, and its OpenAPI document.

Served at /api/v1/ (rootmap.web.urls): the document at /api/v1/openapi.json and its
browsable docs (Swagger UI, from django-ninja's own static files: no CDN) at /api/v1/docs.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from rootmap.core.limits import read_document_json
from rootmap.core.problems import CaseFileError, Problem
from rootmap.web.api import auth, errors
from rootmap.web.api.endpoints_assessments import Conflict
from rootmap.web.api.endpoints_clients import InputRefused
from rootmap.web.api.schemas import file_schemas
from rootmap.web.caregiving.services import HouseholdInputError
from rootmap.web.clients.services import ClientInputError

logger = logging.getLogger("rootmap.api")

DESCRIPTION = """Rootmap's REST API. Authenticate with a personal API token
(`Authorization: Bearer rm_...`), made on the API tokens page or with `rootmap token create`.
A token sees exactly what its user sees; a record outside that is 404. Read tokens read
and score; write tokens also change records. Signing (finalising) an assessment stays in
the web application, where the password is asked again.

Every refusal is JSON: `detail`, and `problems`, each with the field's `path`, the `value`
given and a `message` saying what was expected (`text` is the command line's line). A query
parameter an endpoint does not take is refused (422) like an unknown field of a body, except
on the FHIR endpoints, which ignore it as FHIR's lenient handling does."""


class RootmapAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts: Any) -> NinjaValidationError:
        """Problems in core's words, with the value given (ninja drops the value)."""
        problems = []
        for context in error_contexts:
            problems += errors.request_problems(context.pydantic_validation_error, context.model)
        return NinjaValidationError(problems)  # type: ignore[arg-type]

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(file_schemas())
        return schema


class ObjectBodyParser(Parser):
    """The body of a typed endpoint (ClientPatch, AssessmentIn, ...) must be one JSON object.

    Ninja wraps whatever it parses for its schemas, so `[]` or `null` passed as an empty
    patch (200, nothing said). And ninja turns every parse failure into "Cannot parse request
    body"; the reason, in the command line's words, is kept on the request for _http_error.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = read_document_json(request.body)
        except RequestDataTooBig:
            setattr(request, errors.BODY_PROBLEMS, errors.body_too_big(request))
            raise
        except CaseFileError as error:
            setattr(request, errors.BODY_PROBLEMS, (400, list(error.problems)))
            raise
        if not isinstance(data, dict):
            shown = json.dumps(data)[:40]
            setattr(request, errors.BODY_PROBLEMS, (400, [Problem(
                "$", f"{shown} is not an object; expected a JSON object of the fields", data)]))
            raise ValueError("the body is not a JSON object")
        return data


api = RootmapAPI(
    parser=ObjectBodyParser(),
    title="Rootmap API", version="1", description=DESCRIPTION, urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}), docs_url="/docs", openapi_url="/openapi.json",
)


def _problems(request: HttpRequest, exc: Any) -> HttpResponse:
    return errors.problems_response(getattr(exc, "status", 422), exc.problems)


for kind in (InputRefused, ClientInputError, HouseholdInputError):
    api.add_exception_handler(kind, _problems)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return errors.on_request_invalid(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = errors.json_response(401, errors.error_body(
        "Not authenticated: send a personal API token as `Authorization: Bearer TOKEN` "
        "(unknown, expired and revoked tokens, and tokens of switched-off users, are refused)"))
    response["WWW-Authenticate"] = 'Bearer realm="rootmap"'
    return response


@api.exception_handler(auth.ScopeRefused)
def _read_only(request: HttpRequest, exc: Exception) -> HttpResponse:
    return errors.json_response(403, errors.error_body(
        "This token may only read: changing records needs a token with the write scope"))


@api.exception_handler(auth.RateLimited)
def _rate_limited(request: HttpRequest, exc: auth.RateLimited) -> HttpResponse:
    return errors.json_response(429, errors.error_body(
        f"Too many requests with this token: at most {auth.rate_per_minute()} a minute; "
        f"retry after {exc.retry_after} seconds"), headers={"Retry-After": str(exc.retry_after)})


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return errors.json_response(409, errors.error_body(str(exc)))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return errors.json_response(404, errors.error_body(str(exc) or "Not found"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    body_problems = getattr(request, errors.BODY_PROBLEMS, None)
    if body_problems is not None:  # ninja's "Cannot parse request body": say why (ObjectBodyParser)
        status, problems = body_problems
        return errors.problems_response(status, problems)
    return errors.json_response(exc.status_code, errors.error_body(str(exc)))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, read by an endpoint itself (score, import)."""
    status, problems = errors.body_too_big(request)
    return errors.problems_response(status, problems)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A failure no other handler names (a bug, a database that went away): still the API's
    JSON, never Django's HTML page; the traceback goes to the server's log."""
    logger.error("API server error on %s %s", request.method, request.path, exc_info=exc)
    return errors.json_response(500, errors.error_body(
        "The server failed on this request (its log says why). Read the record again before "
        "repeating a change; if it keeps failing, tell your administrator."))


QUERY_ALLOWED = "rootmap_query_allowed"  # request attribute: the operation's query parameters


def _query_names(operation: Any) -> tuple[str, ...]:
    """The query parameters an operation declares (as the OpenAPI document lists them)."""
    names: list[str] = []
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) != "query":
            continue
        flatten = getattr(model, "__ninja_flatten_map__", None)
        names += list(flatten) if flatten else [f.alias or name for name, f in model.model_fields.items()]
    return tuple(names)


def _names_query_parameters(run: Any) -> Any:
    """View-mode decorator (before authentication): note the operation's query parameters
    on the request for `_refuses_unknown_query`. `run` is the Operation's bound `run`."""
    allowed = _query_names(run.__self__)

    @functools.wraps(run)
    def noted(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        setattr(request, QUERY_ALLOWED, allowed)
        return run(request, *args, **kwargs)
    return noted


def _refuses_unknown_query(view_func: Any) -> Any:
    """Operation-mode decorator (after authentication and the parameters' own checks): a
    query parameter the operation does not take is a 422 naming it and the ones it takes,
    as an unknown field of a body is, never silently ignored (`?phse=regulate` answered the
    whole caseload unfiltered)."""

    @functools.wraps(view_func)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        allowed = getattr(request, QUERY_ALLOWED, None)
        if allowed is not None:
            problems = errors.unknown_query_problems(request, allowed)
            if problems:
                raise NinjaValidationError(problems)  # type: ignore[arg-type]
        return view_func(request, *args, **kwargs)
    return checked


def _register() -> None:
    from rootmap.web.api import (
        endpoints_assessments,
        endpoints_clients,
        endpoints_fhir,
        endpoints_households,
        endpoints_score,
    )

    # Not the FHIR endpoints: FHIR's default handling of a parameter a server does not know is
    # lenient (ignore it), and FHIR clients add their own (`_format=json`, `_pretty`) unasked.
    for module in (endpoints_clients, endpoints_assessments, endpoints_households, endpoints_score):
        module.router.add_decorator(_names_query_parameters, mode="view")
        module.router.add_decorator(_refuses_unknown_query, mode="operation")
    api.add_router("", endpoints_clients.router)
    api.add_router("", endpoints_assessments.router)
    api.add_router("", endpoints_households.router)
    api.add_router("", endpoints_score.router)
    api.add_router("", endpoints_fhir.router)


_register()
