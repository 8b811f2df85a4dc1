"""What a case or household file may hold, checked before anything else reads it.

Shared by the command line and the web import, so a file is refused the same way
wherever it comes in. The limits are far above any real case and low enough that no
report takes more than a few seconds (README, "Limits"):

- a file of at most 5 MB, UTF-8 JSON, nested at most 20 levels (a case file needs 5);
- no number longer than 100 digits, no NaN or Infinity (neither is JSON);
- text without control characters (other than tab and line breaks) or lone UTF-16
  surrogates, which no keyboard types and the databases refuse (PostgreSQL stores no NUL;
  neither database stores a surrogate);
- counts and lengths per field are in the file's model (rootmap.core.case).

>>> read_document_json(b'{"format": "rootmap-case/1"}')
{'format': 'rootmap-case/1'}
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

from rootmap.core.problems import CaseFileError, Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 20
MAX_NUMBER_DIGITS = 100

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Embeddings, overrides and isolates: each turns the direction of the text after it.
_DIRECTION = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as typed text, or None when it can."""
    control = _CONTROL.search(text)
    if control:
        return f"contains a control character (U+{ord(control.group()):04X}); expected plain text"
    if _SURROGATE.search(text):
        return "contains a lone UTF-16 surrogate (not a character); expected plain text"
    return None


def direction_problem(text: str) -> str | None:
    """Why `text` cannot be shown in a list or a report's heading: a direction control
    (embedding, override, isolate) reverses the text after it ("Bad\u202eName (foster
    carer)" showed "Bad(rerac retsof) emaN"), or None."""
    problem = text_problem(text)
    if problem:
        return problem
    direction = _DIRECTION.search(text)
    if direction:
        return (f"contains a direction control (U+{ord(direction.group()):04X}), which reverses the text "
                "shown after it; expected the text without it")
    return None


def name_problem(text: str) -> str | None:
    """Why `text` cannot be a client's name or id, or None when it can ("" is left to the
    field's own rule). Besides `text_problem`: a name that shows nothing (only spaces and
    zero-width characters) cannot be read or clicked in a list, and a direction control
    reverses what follows the name on a page ("Amira \u202e" turned "128 months old"
    into "dlo shtnom 821"). Letters of every script are names; only these are refused.

    >>> name_problem("Amira")
    >>> name_problem("\u200b")
    'has no visible character (only spaces or invisible ones); expected a name'
    """
    problem = text_problem(text)
    if problem:
        return problem
    direction = _DIRECTION.search(text)
    if direction:
        return (f"contains a direction control (U+{ord(direction.group()):04X}), which reverses the text "
                "shown after it; expected the name without it")
    if text and all(unicodedata.category(c)[0] in "ZC" for c in text):
        return "has no visible character (only spaces or invisible ones); expected a name"
    return None


def _number(text: str) -> int | float:
    # Checked before conversion: Python refuses to convert more than 4300 digits (a
    # ValueError no caller expects), and far fewer already make no sense in a case file.
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Refused(f"holds a number of {len(text)} digits; expected at most {MAX_NUMBER_DIGITS}")
    if not any(c in text for c in ".eE"):
        return int(text)
    value = float(text)
    if not math.isfinite(value):  # 1e999 overflows to infinity, which JSON cannot hold
        raise _Refused(f"holds the number {text[:20]}, too large to store")
    return value


def _constant(name: str) -> Any:
    raise _Refused(f"holds {name}, which is not a JSON number")


class _Refused(ValueError):
    pass


def too_deep(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """The JSON path of the first value nested more than `limit` levels deep, else None."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > limit:
            return path
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node))
    return None


def read_document_json(raw: bytes | str, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Decode a case or household file's JSON within the limits; raise CaseFileError otherwise."""
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise CaseFileError([Problem("$", f"the file is {size / 1024 / 1024:.1f} MB; "
                                          f"a case file may be at most {max_bytes // 1024 // 1024} MB")])
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CaseFileError([Problem("$", f"is not UTF-8 text (byte {error.start}); "
                                              "expected a JSON case file")]) from None
    try:
        data = json.loads(raw, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except _Refused as error:
        raise CaseFileError([Problem("$", str(error))]) from None
    except json.JSONDecodeError as error:
        raise CaseFileError([Problem("$", f"is not valid JSON: {error.msg} at line {error.lineno} "
                                          f"column {error.colno}")]) from None
    except RecursionError:
        raise CaseFileError([Problem("$", f"is nested too deeply; expected at most {MAX_DEPTH} levels")]) from None
    deep = too_deep(data)
    if deep is not None:
        raise CaseFileError([Problem(deep, f"is nested more than {MAX_DEPTH} levels deep; "
                                           "a case file needs 5")])
    return data
