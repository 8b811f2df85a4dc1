"""The client's context in the reports (hooked into render/report.py by one line each).

The clinician report has all of it. The family summary may be read by birth parents,
carers or the young person: it carries only what a family needs to act on the plan and
nothing that could hurt or out someone: the current placement's kind (never the history,
its notes or the carers' names), school and year, languages and whether an interpreter
is needed. Sex, gender and pronouns, legal status, cultural notes and the professionals'
details stay in the clinician report (decision 0025).
"""

from __future__ import annotations

from rootmap.core import context as words
from rootmap.core.case import CaseFile
from rootmap.core.context import ClientContext, Contact
from rootmap.render._format import esc, long_date, shorten
from rootmap.render._page import colgroup

CELL_CHARS = 80
NOTE_CHARS = 600


def _user(text: str, limit: int = CELL_CHARS) -> str:
    return f"<bdi>{esc(shorten(text, limit))}</bdi>"


def _facts(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="rm-facts">{colgroup(32, 68)}{body}</table>'


def _date(value: object) -> str:
    return esc(long_date(str(value)))


def _contact(c: Contact) -> str:
    reach = " · ".join(_user(x) for x in (c.phone, c.email) if x)
    return (f"<tr><td>{_user(c.name)}</td><td>{_user(c.relationship)}</td><td>{_user(c.organisation)}</td>"
            f"<td>{reach or '–'}</td></tr>")


def _contacts_table(title: str, people: list[Contact]) -> str:
    if not people:
        return f"<p><b>{esc(title)}:</b> none recorded.</p>"
    rows = "".join(_contact(c) for c in people)
    return (f"<h3>{esc(title)}</h3><table class='rm-keep' data-contacts='{esc(title.lower())}'>"
            f"{colgroup(25, 25, 22, 28)}<tr><th>Name</th><th>Relationship or role</th><th>Organisation</th>"
            f"<th>Phone, email</th></tr>{rows}</table>")


def _school(ctx: ClientContext) -> str:
    return ", ".join(_user(x) for x in (ctx.school, ctx.school_year) if x)


def clinician_context_section(case: CaseFile) -> str:
    """The context section of the clinician report ('' when nothing is recorded)."""
    ctx = case.client.context
    if ctx is None or words.is_empty(ctx):
        return ""
    current = words.current_placement(ctx)
    rows = [
        ("Sex", esc(words.SEXES[ctx.sex])),
        ("Gender", _user(words.gender_text(ctx)) + (f" ({_user(ctx.pronouns)})" if ctx.pronouns else "")),
        ("Current placement", esc(words.PLACEMENT_TYPES[current.type]) + f", since {_date(current.start)}"
         if current else "none open"),
        ("Legal status", _user(words.legal_status_text(ctx))),
    ]
    if ctx.school or ctx.school_year:
        rows.append(("School", _school(ctx)))
    if ctx.languages:
        rows.append(("Languages", _user(ctx.languages)))
    rows.append(("Interpreter needed", esc(words.INTERPRETER[ctx.interpreter_needed])))
    out = ["<section class='rm-context'><h2>Context</h2>", _facts(rows)]
    if ctx.placements:
        lines = "".join(
            f"<tr><td>{esc(words.PLACEMENT_TYPES[p.type])}</td><td>{_date(p.start)}</td>"
            f"<td>{_date(p.end) if p.end else 'current'}</td><td>{_user(p.note)}</td></tr>"
            for p in words.placements_in_order(ctx))
        out.append(f"<h3>Placements</h3><table class='rm-keep'>{colgroup(26, 20, 20, 34)}"
                   f"<tr><th>Placement</th><th>From</th><th>To</th><th>Note</th></tr>{lines}</table>")
    if ctx.cultural_notes:
        out.append(f"<h3>Cultural and language notes</h3><p>{_user(ctx.cultural_notes, NOTE_CHARS)}</p>")
    out.append(_contacts_table("Caregivers", words.caregivers(ctx)))
    out.append(_contacts_table("Professionals", [c for c in ctx.contacts if c.kind == "professional"]))
    out.append("</section>")
    return "".join(out)


def family_context_section(case: CaseFile) -> str:
    """What the family summary says of the context ('' when none of it is recorded)."""
    ctx = case.client.context
    if ctx is None:
        return ""
    current = words.current_placement(ctx)
    rows: list[tuple[str, str]] = []
    if current:
        rows.append(("Living in", esc(words.PLACEMENT_TYPES[current.type])))
    if ctx.school or ctx.school_year:
        rows.append(("School", _school(ctx)))
    if ctx.languages:
        rows.append(("Languages", _user(ctx.languages)))
    if ctx.interpreter_needed:
        rows.append(("Interpreter", "We will arrange an interpreter for meetings."))
    if not rows:
        return ""
    return "<section class='rm-context'><h2>At home and at school</h2>" + _facts(rows) + "</section>"
