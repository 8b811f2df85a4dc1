"""Writing and reading CSV the way spreadsheets do, safely.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (and, in some, a tab or a
carriage return) as a formula: a client's name `=HYPERLINK(...)` would run on a funder's
laptop. Every text cell that begins so is written with a leading `'`, which spreadsheets
show as text. Numbers are written as numbers (a negative reserve stays a number): they
come from the engine, never from what someone typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO

from rootmap.core.problems import Problem

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_IMPORT_BYTES = 1024 * 1024  # base64 in the confirm form stays under Django's 2.5 MB
MAX_IMPORT_ROWS = 2000


def neutralise(cell: Any) -> Any:
    """A cell a spreadsheet will show, never run. Text only; None becomes an empty cell."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, int | float | Decimal):  # a score as displayed is a Decimal ("-8.3")
        return cell
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Header then rows, every cell neutralised; returns the number of rows written."""
    writer = csv.writer(stream, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    writer.writerow([neutralise(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
        count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    stream = io.StringIO()
    write_csv(stream, header, rows)
    return stream.getvalue()


def csv_chunks(header: Sequence[str], row_chunks: Iterable[Iterable[Sequence[Any]]]) -> Iterator[str]:
    """The text `csv_text` writes, one piece per chunk of rows (the header is the first
    piece): the same writer and the same neutralising, so the pieces joined are exactly
    `csv_text(header, every row)`, while only one chunk of rows is held at a time."""
    stream = io.StringIO()
    write_csv(stream, header, [])
    yield stream.getvalue()
    writer = csv.writer(stream, lineterminator="\r\n")
    for rows in row_chunks:
        stream.seek(0)
        stream.truncate()
        for row in rows:
            writer.writerow([neutralise(cell) for cell in row])
        if stream.tell():
            yield stream.getvalue()


def read_csv(raw: bytes, *, required: Sequence[str], allowed: Sequence[str]
             ) -> tuple[list[dict[str, str]], list[Problem]]:
    """Rows as {column: text} (row numbers as a spreadsheet counts them: the header is row 1).

    Problems of the file as a whole (encoding, size, header) come back with path `file` or
    `header`; a file with such a problem yields no rows.
    """
    if len(raw) > MAX_IMPORT_BYTES:
        return [], [Problem("file", f"is {len(raw) / 1024 / 1024:.1f} MB; a CSV import may be at most "
                                    f"{MAX_IMPORT_BYTES // 1024 // 1024} MB")]
    try:
        text = raw.decode("utf-8-sig")  # Excel writes a byte-order mark; it is not part of the header
    except UnicodeDecodeError as error:
        return [], [Problem("file", f"is not UTF-8 text (byte {error.start + 1}); save it as "
                                    "'CSV UTF-8' and try again")]
    if "\x00" in text:
        return [], [Problem("file", "contains NUL characters; expected a CSV text file")]
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        return [], [Problem("file", f"cannot be read as CSV ({error})")]
    if not table or not any(cell.strip() for cell in table[0]):
        return [], [Problem("header", f"is missing; expected a first row naming the columns: {', '.join(allowed)}")]
    header = [cell.strip() for cell in table[0]]
    problems = [Problem("header", f"column {name!r} is not known; expected only {', '.join(allowed)}", name)
                for name in header if name and name not in allowed]
    problems += [Problem("header", f"column {name!r} is required but missing", name)
                 for name in required if name not in header]
    problems += [Problem("header", f"column {name!r} appears more than once", name)
                 for name in sorted({h for h in header if header.count(h) > 1 and h})]
    body = table[1:]
    if len(body) > MAX_IMPORT_ROWS:
        problems.append(Problem("file", f"has {len(body)} rows; at most {MAX_IMPORT_ROWS} can be imported at once"))
    if problems:
        return [], problems
    rows = []
    for number, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines at the end of a spreadsheet's export
        if len(cells) > len(header):
            problems.append(Problem(f"row {number}", f"has {len(cells)} cells; the header names {len(header)}"))
            continue
        row = {"_row": str(number)}
        row.update({name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)})
        rows.append(row)
    return rows, problems
