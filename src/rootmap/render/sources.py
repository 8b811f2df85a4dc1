"""The report section on sources and time: who was interviewed, what was read, the hours.

The clinician report lists informants by role and name, documents by title, source and
date (with the reviewed file's SHA-256, so the page names exactly which file was read)
and the hours by activity. The family summary says only which roles were heard, how many
documents were read and the hours in all: no informant's name and no record's title, as
those are other people's details (decision 0024).
"""

from __future__ import annotations

from typing import Literal

from rootmap.core.case import Assessment
from rootmap.core.sources import about_hours, family_role_words, hours_summary
from rootmap.instruments import Instrument
from rootmap.render._format import esc, long_date, shorten
from rootmap.render._page import colgroup

CELL_CHARS = 80
_MEDIA = {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image"}


def _user(text: str, limit: int = CELL_CHARS) -> str:
    return f"<bdi>{esc(shorten(text, limit))}</bdi>"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, round(size / 1024))} KB"


def _clinician(instrument: Instrument, a: Assessment) -> str:
    times = a.hours.model_dump() if a.hours is not None else None
    summary = hours_summary(instrument, a.informants, times,
                            a.presentation_date.isoformat() if a.presentation_date else None)
    out = ["<h2>Sources and time spent</h2>", "<h3>Informants</h3>"]
    if summary.informants:
        rows = "".join(
            f"<tr><td>{esc(i.role_label)}</td><td>{_user(i.name)}"
            f"{'<br><span class=rm-small>' + _user(i.description) + '</span>' if i.description else ''}</td>"
            f"<td class='rm-num'>{_hours(i.hours)}</td></tr>"
            for i in summary.informants)
        out.append(f"<table class='rm-keep' data-section='informants'>{colgroup(30, 52, 18)}"
                   "<tr><th>Role</th><th>Informant</th><th class='rm-num'>Interview hours</th></tr>"
                   f"{rows}</table>")
    else:
        out.append("<p>No informants recorded.</p>")
    out.append("<h3>Documents reviewed</h3>")
    if a.documents:
        rows = "".join(
            f"<tr><td>{_user(d.title)}</td><td>{_user(d.source)}</td>"
            f"<td>{esc(long_date(d.date.isoformat())) if d.date else '–'}</td>"
            f"<td class='rm-small'>{_file(d)}</td></tr>"
            for d in a.documents)
        out.append(f"<table data-section='documents'>{colgroup(34, 24, 16, 26)}<thead><tr><th>Document</th>"
                   f"<th>Source</th><th>Date</th><th>File reviewed</th></tr></thead>{rows}</table>")
    else:
        out.append("<p>No documents recorded.</p>")
    out.append("<h3>Time spent</h3>")
    n = len(summary.informants)
    lines = [f"<tr><td>Interviews ({n} informant{'' if n == 1 else 's'})</td>"
             f"<td class='rm-num'>{summary.interviews:g}</td></tr>"]
    for aid, label, value in summary.activities:
        when = (f" (presented {esc(long_date(summary.presentation_date))})"
                if aid == "presentation" and summary.presentation_date else "")
        lines.append(f"<tr><td>{esc(label)}{when}</td><td class='rm-num'>{_hours(value)}</td></tr>")
    lines.append(f"<tr><td><b>Total</b></td><td class='rm-num'><b>{summary.total:g}</b></td></tr>")
    out.append(f"<table class='rm-keep' data-section='hours'>{colgroup(70, 30)}"
               f"<tr><th>Activity</th><th class='rm-num'>Hours</th></tr>{''.join(lines)}</table>")
    return "".join(out)


def _file(d: object) -> str:
    file = getattr(d, "file", None)
    if file is None:
        return "–"
    return (f"{_user(file.name, 40)}, {esc(_MEDIA.get(file.media_type, file.media_type))}, {_size(file.size)}"
            f"<br>SHA-256 <span class='rm-hash'>{esc(file.sha256)}</span>")


def _family(instrument: Instrument, a: Assessment) -> str:
    times = a.hours.model_dump() if a.hours is not None else None
    summary = hours_summary(instrument, a.informants, times)
    if not summary.informants and not a.documents and not summary.any_hours:
        return ""
    roles = family_role_words(instrument, (i.role for i in summary.informants))
    parts = []
    if roles:
        listed = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " and " + roles[-1]
        parts.append(f"We listened to {esc(listed)}.")
    if a.documents:
        count = len(a.documents)
        parts.append(f"We read {count} written record{'' if count == 1 else 's'}.")
    if summary.total:
        parts.append(f"In all, this assessment took {about_hours(summary.total)}.")
    return "<h2>Who we listened to</h2><p data-section='sources'>" + " ".join(parts) + "</p>"


def sources_section(instrument: Instrument, assessment: Assessment,
                    audience: Literal["clinician", "family"]) -> str:
    """The section as HTML for `audience` (the family's is empty when nothing is recorded)."""
    return _clinician(instrument, assessment) if audience == "clinician" else _family(instrument, assessment)
