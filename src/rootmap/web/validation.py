"""Input the databases would refuse, refused first, the same way on SQLite and PostgreSQL.

One place for what every form needs (docs/decisions/0010-input-limits-and-sqlite.md):

- `RequestTextGuard` (middleware) answers 400, naming the field, to a request whose query
  string or form fields are not UTF-8 (Django would quietly turn the bytes into U+FFFD
  and store that) or hold control characters other than tab and line breaks (NUL above
  all: PostgreSQL stores none, SQLite does, so the same post would fail on one database
  only). Lone surrogates arrive as bytes that are not UTF-8, so they are refused too.
- `stored_length_problems` checks text against the column it is stored in before saving:
  SQLite ignores a column's length, PostgreSQL refuses an over-long value.
- Ids beyond what either database stores are 404 (`as_pk`, rootmap.web.access); numbers
  typed into forms have bounds in the forms and services.

The case-file formats have their own limits in rootmap.core.limits and rootmap.core.case.
"""

from __future__ import annotations

import email.parser
import email.policy
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from rootmap.core.limits import text_problem
from rootmap.core.problems import Problem

_SHOWN_NAME = 80  # long enough for every real field name (notes.items.functioning.<item id>)


def stored_length_problems(model: type[models.Model], values: Mapping[str, tuple[str, Any]]) -> list[Problem]:
    """Problems for values longer than their column: {field name: (path to name, value)}."""
    problems = []
    for name, (path, value) in values.items():
        limit = model._meta.get_field(name).max_length
        if isinstance(value, str) and limit is not None and len(value) > limit:
            problems.append(Problem(path, f"is {len(value)} characters long; Rootmap stores at most {limit}",
                                    value))
    return problems


# --- The request guard ------------------------------------------------------------------

def _urlencoded_pairs(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    for pair in raw.split(b"&"):
        if pair:
            name, _sep, value = pair.partition(b"=")
            yield (urllib.parse.unquote_to_bytes(name.replace(b"+", b" ")),
                   urllib.parse.unquote_to_bytes(value.replace(b"+", b" ")))


def _multipart_pairs(content_type: str, raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(name, value) of every part that is not a file (a file may hold any bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        return
    for part in message.iter_parts():
        disposition = part.get("Content-Disposition", "")
        if part.get_filename() is not None:
            continue
        name = part.get_param("name", "", header="content-disposition") or ""
        payload = part.get_payload(decode=True) or b""
        if "form-data" in str(disposition):
            yield str(name).encode("utf-8", "surrogateescape"), payload


def _bad_pair(name: bytes, value: bytes) -> tuple[str, str] | None:
    """(field as shown, problem) when a name or value cannot be stored as typed text."""
    try:
        shown = name.decode("utf-8")
    except UnicodeDecodeError:
        return name.decode("utf-8", "replace")[:_SHOWN_NAME], "the field's name is not UTF-8 text"
    for text_bytes, what in ((name, "name"), (value, "value")):
        try:
            text = text_bytes.decode("utf-8")
        except UnicodeDecodeError as error:
            return shown[:_SHOWN_NAME], (f"the {what} is not UTF-8 text (byte {error.start} cannot be read; "
                                         "a lone surrogate is one such case)")
        problem = text_problem(text)
        if problem:
            return shown[:_SHOWN_NAME], f"the {what} {problem}"
    return None


def request_problems(request: HttpRequest) -> list[tuple[str, str]]:
    """Every field of the query string and of a form body that cannot be stored as text."""
    pairs: list[tuple[bytes, bytes]] = list(_urlencoded_pairs(request.META.get("QUERY_STRING", "")
                                                             .encode("latin-1", "replace")))
    if request.method == "POST":
        content_type = request.META.get("CONTENT_TYPE", "")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if str(
            request.META.get("CONTENT_LENGTH") or "0").isdigit() else 0
        # Bodies above Django's in-memory limit are refused by Django itself (400); a large
        # multipart upload is a case file, checked by its own reader.
        if 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            if content_type.startswith("application/x-www-form-urlencoded"):
                pairs += _urlencoded_pairs(request.body)
            elif content_type.startswith("multipart/form-data"):
                pairs += _multipart_pairs(content_type, request.body)
    problems = []
    for name, value in pairs:
        bad = _bad_pair(name, value)
        if bad and bad not in problems:
            problems.append(bad)
    return problems


class RequestTextGuard:
    """Answer 400 to text no form can store, before any view (or the CSRF check) reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problems = request_problems(request)
        if problems:
            return bad_input_response(request, problems)
        return self.get_response(request)


def bad_input_response(request: HttpRequest, problems: list[tuple[str, str]]) -> HttpResponse:
    if request.path_info.startswith("/api/"):  # the REST API answers in its own JSON shape
        from rootmap.web.api.errors import problems_response

        return problems_response(400, [Problem(name, message) for name, message in problems[:20]],
                                 detail="Refused: characters Rootmap cannot store; nothing was saved.")
    body = render_to_string("bad_input.html", {"problems": problems[:20],
                                               "fragment": request.headers.get("HX-Request") == "true"})
    return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")
