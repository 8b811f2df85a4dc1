"""Name and reference search that ignores case and accents, the same on SQLite and PostgreSQL.

Django's `icontains` is `LIKE` on SQLite, which folds ASCII letters only: "élodie" did not
find "Élodie Ørsted" there, while PostgreSQL's `UPPER` did. Every search box (the caseload
dashboard's `q`, the household page's `client_q`, the clinician filter's `clinician_q`)
now compares the *folded* text of the column with the folded text typed, in the database
(decision 0034):

1. Unicode NFKD (a precomposed "É" becomes "E" and a combining acute accent; "ﬁ" becomes "fi"),
2. the combining marks of the ranges in `COMBINING_RANGES` removed ("É" -> "E"),
3. each character lowered by its simple (one character) Unicode mapping,
4. the letters that carry their stroke or ligature in themselves, so NFKD leaves them whole,
   written as a clinician without the key types them: "ø" -> "o", "ł" -> "l", "đ"/"ð" -> "d",
   "ħ" -> "h", "ŧ" -> "t", "ı" -> "i", "æ" -> "ae", "œ" -> "oe", "ß" -> "ss", and final
   "ς" -> "σ" (`LETTERS` and `PAIRS`, the same in both databases).

SQLite has no such function: `register_sqlite` adds `rootmap_fold` (this module's `fold`,
deterministic) to every connection (rootmap.web.integrity.sqlite3). PostgreSQL writes the
same steps in SQL (`normalize(..., NFKD)`, `regexp_replace` of the same ranges, `lower`,
`translate`, `replace`), so both databases fold both sides with the same rule and a page lists the same
clients on either. PostgreSQL's `lower` follows the database's LC_CTYPE: a UTF-8 locale
(C.UTF-8, en_US.UTF-8...) lowers every letter; a database created with LC_CTYPE "C" lowers
ASCII only (docs/decisions/0034).

The comparison is a substring `LIKE` on an expression, as `icontains` was: no index serves a
substring search, and the pages keep their bounded shape (the walk of the name index stops
at a page or 20 matches; decision 0027, "Left out").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db.models import CharField, Func, Q, Value
from django.db.models.lookups import Contains

# Combining Diacritical Marks, their Extended and Supplement blocks, for Symbols, and Half
# Marks: the accents NFKD splits off Latin, Greek and Cyrillic letters. The same ranges in
# both databases (an explicit list, not Python's idea of "combining", which PostgreSQL lacks).
COMBINING_RANGES = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
                    (0xFE20, 0xFE2F))
_MARKS = "[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in COMBINING_RANGES) + "]"
_MARKS_RE = re.compile(_MARKS)
SQLITE_FUNCTION = "rootmap_fold"
# After lowering: one letter for another (SQL translate), then one letter for two (replace).
LETTERS = ("øłđðħŧı", "olddhti")
PAIRS = (("æ", "ae"), ("œ", "oe"), ("ß", "ss"), ("ς", "σ"))
_LETTERS = str.maketrans(*LETTERS)


def _lower(character: str) -> str:
    lowered = character.lower()
    return lowered if len(lowered) == 1 else character  # the simple mapping, as lower() in SQL


def fold(text: str | None) -> str | None:
    """The text as searches compare it: no accents, lower case (see the module's notes)."""
    if text is None:
        return None
    if text.isascii():  # nothing to decompose, strip or spell out: the same as the steps below
        return text.lower()
    stripped = _MARKS_RE.sub("", unicodedata.normalize("NFKD", text))
    folded = "".join(_lower(c) for c in stripped).translate(_LETTERS)
    for letter, letters in PAIRS:
        folded = folded.replace(letter, letters)
    return folded


def register_sqlite(connection: Any) -> None:
    """Add `rootmap_fold(text)` to a new sqlite3 connection (deterministic, so usable anywhere)."""
    connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)


class Folded(Func):
    """`fold(expression)` in SQL: the Python function on SQLite, its SQL twin on PostgreSQL."""

    function = SQLITE_FUNCTION
    output_field = CharField()
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        sql, params = compiler.compile(self.source_expressions[0])
        folded = "TRANSLATE(LOWER(REGEXP_REPLACE(NORMALIZE((" + sql + ")::text, NFKD), %s, '', 'g')), %s, %s)"
        extra: list[str] = [_MARKS, *LETTERS]
        for letter, letters in PAIRS:
            folded = f"REPLACE({folded}, %s, %s)"
            extra += [letter, letters]
        # Text of ASCII only (as many bytes as characters in UTF-8: most names and every
        # reference) folds to its LOWER, which the steps above give it too; testing that
        # first keeps a search over 50,000 names near what UPPER cost (decision 0034), where
        # normalising and the regular expression on every name took six times as long.
        text = "(" + sql + ")::text"
        return (f"CASE WHEN OCTET_LENGTH({text}) = CHAR_LENGTH({text}) THEN LOWER({text}) ELSE {folded} END",
                (*params, *params, *params, *params, *extra))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def, override]
        if connection.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"rootmap.web.search has no fold for {connection.vendor}")
        return super().as_sql(compiler, connection, **extra_context)


def holds(field: str, text: str) -> Q:
    """Rows whose `field` holds `text` ignoring case and accents (for `.filter()`)."""
    return Q(Contains(Folded(field), Folded(Value(text, output_field=CharField()))))


def any_holds(fields: tuple[str, ...], text: str) -> Q:
    """Rows where any of `fields` holds `text` ignoring case and accents."""
    found = Q()
    for name in fields:
        found |= holds(name, text)
    return found
