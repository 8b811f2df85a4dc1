"""Assessment reports as HTML: the clinician report and the family summary.

Both are built from a validated case file and its scored results (oldest first); neither
computes a score. All text that came from a user (names, notes, titles) is escaped and
wrapped in `<bdi>` so that right-to-left text cannot reorder what surrounds it.

>>> html = report_html(case=case, results=score_history(case), audience="family")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rootmap.core.case import Assessment, CaseFile, ratings_of
from rootmap.core.coverage import item_expected
from rootmap.core.family import (
    ISOLATE_END,
    ISOLATE_START,
    FamilyActivity,
    FamilyView,
    activity_dose,
    family_view,
    join_words,
)
from rootmap.core.family_plan import with_clinician_plan
from rootmap.core.results import AssessmentResult, Comparison, Delta, PlanPhase
from rootmap.instruments import Instrument, load_instrument
from rootmap.instruments.catalogue import Catalogue, load_catalogue
from rootmap.render import clinician_plan as _clinician_plan
from rootmap.render._format import (
    age_text,
    esc,
    humanise,
    long_date,
    num,
    shorten,
    shown,
    shown_change,
    signed_int,
)
from rootmap.render._labels import (
    PHASE_CLINICIAN,
    PHASE_LABEL,
    domain_label,
    item_label,
    period_label,
    region_label,
    undetermined_text,
)
from rootmap.render._page import chip, colgroup, document, model_line, strength_chip
from rootmap.render.brain_map import brain_map_svg
from rootmap.render.charts import domains_over_time_svg, risk_chart_svg
from rootmap.render.context import clinician_context_section, family_context_section
from rootmap.render.explain import change_note, scale_note, score_note
from rootmap.render.notes_section import clinician_notes_section, family_summary_section
from rootmap.render.signatures import Signature, signatures_section
from rootmap.render.sources import sources_section

Audience = Literal["clinician", "family"]

_HEADLINES = (
    ("developmental_risk", "Developmental risk"),
    ("functioning_index", "Functioning index"),
    ("relational_health", "Relational health"),
    ("resilience", "Resilience"),
)
_KIND = {"full": "full assessment", "follow_up": "follow-up", "er": "ER snapshot"}
# Typed text in tables is shortened: WeasyPrint's table layout grows much faster than the
# text, and 200 events with 5000-character notes (what a case file may hold) took
# minutes and a gigabyte to lay out. The record keeps the whole text.
NOTE_CHARS = 160
CELL_CHARS = 80


@dataclass(frozen=True, slots=True)
class _Context:
    case: CaseFile
    assessment: Assessment
    result: AssessmentResult
    previous: AssessmentResult | None
    history: tuple[AssessmentResult, ...]  # every result up to and including this one
    instrument: Instrument
    catalogue: Catalogue

    @property
    def name(self) -> str:
        return self.case.client.display_name.strip() or self.case.client.id


def _context(case: CaseFile, results: Sequence[AssessmentResult], assessment_id: str | None) -> _Context:
    if not results:
        raise ValueError("there is no scored assessment to report on")
    ids = [r.assessment_id for r in results]
    if assessment_id is None:
        position = len(results) - 1
    elif assessment_id in ids:
        position = ids.index(assessment_id)
    else:
        raise KeyError(f"no assessment with id {assessment_id!r}; the case has {', '.join(ids)}")
    result = results[position]
    assessment = next((a for a in case.assessments if a.id == result.assessment_id), None)
    if assessment is None:
        raise ValueError(f"result {result.assessment_id!r} is not an assessment of this case file")
    instrument = load_instrument(result.instrument_version)
    return _Context(
        case=case, assessment=assessment, result=result,
        previous=results[position - 1] if position > 0 else None,
        history=tuple(results[: position + 1]),
        instrument=instrument, catalogue=load_catalogue(result.instrument_version),
    )


def _user(text: str, limit: int | None = None) -> str:
    """User text, escaped and isolated for bidirectional display."""
    return f"<bdi>{esc(shorten(text, limit) if limit else text)}</bdi>"


def _header(ctx: _Context, audience: Audience) -> str:
    r = ctx.result
    kind = _KIND.get(r.kind, r.kind)
    report = "Clinician report" if audience == "clinician" else "Family summary"
    return (
        f'<span class="rm-who">{_user(ctx.name, 60)}</span> ({_user(ctx.case.client.id)}) · '
        f"assessment {_user(r.assessment_id)}, {esc(kind)}, {esc(long_date(r.date))} · "
        f"{report} · Rootmap"
    )


def _intervention_name(ctx: _Context, entry_id: str) -> str:
    entry = ctx.catalogue.entries_by_id.get(entry_id)
    return entry.name if entry else humanise(entry_id)


# --------------------------------------------------------------------------------------
# Clinician report


def _facts_table(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="rm-facts">{colgroup(32, 68)}{body}</table>'


def _identity(ctx: _Context) -> str:
    r, client = ctx.result, ctx.case.client
    rows = [
        ("Client", f"{_user(ctx.name)} ({_user(client.id)})"),
        ("Born", esc(long_date(client.birth_date.isoformat()))),
        ("Age at assessment", esc(f"{age_text(r.age_months)} ({r.age_months} months)")),
        ("Assessment", f"{_user(r.assessment_id)}, {esc(_KIND.get(r.kind, r.kind))}, "
                       f"{esc(long_date(r.date))}"),
    ]
    if ctx.assessment.trigger:
        rows.append(("Trigger", esc(ctx.instrument.triggers.get(ctx.assessment.trigger,
                                                                 ctx.assessment.trigger))))
    if ctx.previous is not None:
        rows.append(("Previous assessment", f"{_user(ctx.previous.assessment_id)}, "
                                            f"{esc(long_date(ctx.previous.date))}"))
    rows.append(("Instrument", esc(ctx.instrument.name)))
    if ctx.case.interests:
        rows.append(("Interests", ", ".join(_user(i) for i in ctx.case.interests)))
    return _facts_table(rows)


def _summary(ctx: _Context) -> str:
    r, inst = ctx.result, ctx.instrument
    rows: list[tuple[str, str]] = []
    if r.kind != "er":
        risk = f"{shown(f'developmental_risk@{r.assessment_id}', r.developmental_risk)} {chip('risk', r.risk_band)}"
        if r.peak_period:
            risk += f" · peak: {esc(period_label(inst, r.peak_period))}"
        rows.append(("Developmental risk (0–100, lower is better)", risk))
        rows.append(("ACE-style count", esc(f"{r.ace_count} of {len(inst.ace_categories)}"
                                            if r.ace_count is not None else "–")))
    index_band = r.functioning_band
    rows.append(("Functioning index (0–100, higher is better)",
                 f"{shown(f'functioning_index@{r.assessment_id}', r.functioning_index)} "
                 f"{chip('index', index_band) if index_band else ''}"))
    rows.append(("Relational health (0–100, higher is better)",
                 f"{shown(f'relational_health@{r.assessment_id}', r.relational_health)} "
                 f"{chip('relational', r.relational_band)}"))
    rows.append(("Resilience (0–100, higher is better)", shown(f"resilience@{r.assessment_id}", r.resilience)))
    if r.phase == "undetermined":
        rows.append(("Entry region", "none: " + esc(undetermined_text(inst, r))))
    else:
        rows.append(("Entry region", esc(region_label(inst, r.entry_region))))
    rows.append(("Phase", esc(PHASE_CLINICIAN.get(r.phase, r.phase))))
    if ctx.assessment.undetermined_reason:
        rows.append(("Signed although undetermined", _user(ctx.assessment.undetermined_reason)))
    strengths = ", ".join(esc(item_label(inst, i)) for i in r.strengths) or "none rated 5"
    needs = ", ".join(esc(item_label(inst, i)) for i in r.needs) or "none rated 0–2"
    rows.append(("Strengths (rated 5)", strengths))
    rows.append(("Needs (rated 0–2, bottom-up)", needs))
    notes = [f"<li><b>{esc(label)}</b>: {esc(scale_note(inst, key))}</li>" for key, label in _HEADLINES
             if not (key == "developmental_risk" and r.kind == "er")]
    return ("<h2>Summary</h2>" + _facts_table(rows)
            + "<p class='rm-small rm-muted'><b>How to read these numbers.</b> Every score runs from 0 to "
            "100 and is rounded to one decimal for display; the band beside it says what it means.</p>"
            f"<ul class='rm-small rm-muted rm-scale-notes'>{''.join(notes)}</ul>")



def _domain_change(comparison: Comparison | None, domain: str, after_id: str) -> str:
    if comparison is None or domain not in comparison.domains:
        return "–"
    return _delta_text(comparison.domains[domain], domain, comparison.assessment_id, after_id)


def _delta_text(delta: Delta, quantity: str, before_id: str, after_id: str) -> str:
    if delta.delta is None:
        return "–"
    css = f"rm-{delta.label}" if delta.label in ("improved", "declined") else ""
    printed = shown_change(quantity, before_id, after_id, delta.before, delta.after)
    return f'<span class="{css}">{printed} {esc(delta.label or "")}</span>'


def _functioning(ctx: _Context) -> str:
    r, inst = ctx.result, ctx.instrument
    change = r.change
    head = "<tr><th>Region</th><th>Domain</th><th class='rm-num'>Index</th><th>Band</th>"
    if change:
        head += "<th>Since previous</th><th>Since baseline</th>"
    rows = []
    for region in reversed(inst.regions):
        domain = r.domains.get(region.domain)
        if domain is None or domain.status == "not_expected":
            index, band = "–", "not expected at this age"
        elif domain.status == "insufficient":
            index, band = "–", "too few items rated"
        else:
            index = shown(f"{region.domain}@{r.assessment_id}", domain.index)
            band = chip("index", domain.band)
        row = (f"<tr><td>{esc(region.label)}</td><td>{esc(region.domain_label)}</td>"
               f"<td class='rm-num'>{index}</td><td>{band}</td>")
        if change:
            row += (f"<td>{_domain_change(change.previous, region.domain, r.assessment_id)}</td>"
                    f"<td>{_domain_change(change.baseline, region.domain, r.assessment_id)}</td>")
        rows.append(row + "</tr>")
    out = ["<h2>Current functioning</h2>"]
    out.append('<div class="rm-figure">'
               + brain_map_svg(instrument=inst, result=r) + "</div>")
    widths = (20, 20, 10, 14, 18, 18) if change else (30, 30, 15, 25)
    out.append(f"<table class='rm-keep'>{colgroup(*widths)}{head}</tr>{''.join(rows)}</table>")
    out.append(_item_table(ctx))
    return "".join(out)


def _item_table(ctx: _Context) -> str:
    r, inst = ctx.result, ctx.instrument
    # The same comparison as the change table and the map's arrows: none without a change.
    prev = r.change.previous if r.change is not None else None
    rows = []
    for region in reversed(inst.regions):
        rows.append(f"<tr class='rm-group'><th colspan='{5 if prev else 4}'>{esc(region.label)} · "
                    f"{esc(region.domain_label)}</th></tr>")
        for item in inst.functioning_items:
            if item.region != region.id:
                continue
            if not item_expected(item, r.age_months):
                rating, band = "–", "–"
                anchor = f"not expected yet (from {item.min_age_months} months)"
            else:
                value = r.ratings.get(item.id)
                if value is None:
                    rating, band, anchor = "–", chip("index", None).replace("unknown", "not rated"), ""
                else:
                    rating = str(value)
                    band = (strength_chip() if value >= inst.strength_rating
                            else chip("index", inst.item_bands[value]))
                    anchor = item.anchors.get(value, "")
            cells = (f"<td>{esc(item.label)}</td><td class='rm-num'>{rating}</td><td>{band}</td>"
                     f"<td class='rm-small'>{esc(anchor)}</td>")
            if prev:
                after = r.ratings.get(item.id)
                step = prev.items.get(item.id)
                moved = ("–" if step is None or after is None
                         else f"{after - step} → {after}" + (f" ({signed_int(step)})" if step else ""))
                cells += f"<td class='rm-num'>{esc(moved)}</td>"
            rows.append(f"<tr>{cells}</tr>")
    widths = (22, 10, 12, 42, 14) if prev else (24, 10, 12, 54)
    head = ("<thead><tr><th>Item</th><th class='rm-num'>Rating</th><th>Band</th><th>Anchor</th>"
            + (f"<th class='rm-num'>Since {_user(prev.assessment_id)}</th>" if prev else "") + "</tr></thead>")
    return ("<h3>Item ratings</h3><p class='rm-small rm-muted'>0 profound, 1 severe, 2 moderate, "
            "3 mild difficulty, 4 age-typical, 5 a strength.</p>"
            f"<table>{colgroup(*widths)}{head}{''.join(rows)}</table>")


def _history(ctx: _Context) -> str:
    r, inst = ctx.result, ctx.instrument
    if r.kind == "er":
        return ""
    out = ["<h2>Developmental history</h2>",
           '<div class="rm-figure">' + risk_chart_svg(instrument=inst, result=r) + "</div>"]
    rows = []
    for period in inst.periods:
        if r.age_months < period.start:
            continue
        ratings = r.history.get(period.id, {})
        adversity = ratings.get("adversity")
        adversity_text = "–" if adversity is None else str(adversity)
        if adversity is None and period.id in r.derived_adversity:
            adversity_text = f"{r.derived_adversity[period.id]} (derived from events)"
        relational = ratings.get("relational_health")
        rows.append(
            f"<tr><td>{esc(period.label)}</td><td class='rm-num'>{esc(adversity_text)}</td>"
            f"<td class='rm-num'>{'–' if relational is None else relational}</td>"
            f"<td class='rm-num'>{shown(f'{period.id}@{r.assessment_id}', r.period_risk.get(period.id))}</td>"
            f"<td class='rm-num'>{period.weight:.2f}</td></tr>"
        )
    out.append(f"<table class='rm-keep'>{colgroup(34, 18, 20, 14, 14)}<tr><th>Period</th>"
               "<th class='rm-num'>Adversity (0–4)</th>"
               "<th class='rm-num'>Relational health (0–4)</th><th class='rm-num'>Risk</th>"
               f"<th class='rm-num'>Timing weight</th></tr>{''.join(rows)}</table>")
    out.append("<p class='rm-small rm-muted'>Risk per period weighs adversity against relational "
               "poverty; earlier periods weigh more. The weights are clinical judgement, not fitted "
               "values. Overall developmental risk: "
               f"{shown(f'developmental_risk@{r.assessment_id}', r.developmental_risk)}; ACE-style count "
               f"{r.ace_count if r.ace_count is not None else '–'}"
               f" of {len(inst.ace_categories)} (shown beside the risk to show what timing adds).</p>")
    events = [e for e in ctx.case.events if e.onset_months <= r.age_months]
    if events:
        rows = []
        for e in events:
            span = f"{e.onset_months}–{'ongoing' if e.end_months is None else e.end_months}"
            rows.append(
                f"<tr><td>{esc(inst.event_categories.get(e.category, e.category))}</td>"
                f"<td class='rm-num'>{esc(span)}</td><td class='rm-num'>{e.severity}</td>"
                f"<td>{_user(e.note, NOTE_CHARS)}</td><td>{_user(e.source, CELL_CHARS)}</td></tr>"
            )
        out.append("<h3>Adverse events counted at this assessment</h3>"
                   f"<table>{colgroup(18, 12, 12, 40, 18)}<thead><tr><th>Category</th><th class='rm-num'>Months</th>"
                   "<th class='rm-num'>Severity</th><th>Note</th><th>Source</th></tr></thead>"
                   f"{''.join(rows)}</table>")
        if any(len(e.note) > NOTE_CHARS for e in events):
            out.append(f"<p class='rm-small rm-muted'>Notes longer than {NOTE_CHARS} characters are shortened "
                       "here (…); the full text is in the client's record and case file.</p>")
    return "".join(out)


def _relational(ctx: _Context) -> str:
    r, inst = ctx.result, ctx.instrument
    ratings = ratings_of(ctx.assessment.relational)
    rows = []
    for item in inst.relational_items:
        value = ratings.get(item.id)
        word = "not rated" if value is None else f"{value} · {inst.relational.scale.get(value, '')}"
        anchor = "" if value is None else item.anchors.get(value, "")
        rows.append(f"<tr><td>{esc(item.label)}</td><td>{esc(word)}</td>"
                    f"<td class='rm-small'>{esc(anchor)}</td></tr>")
    return ("<section class='rm-keep'><h2>Current relational health</h2>"
            f"<p>Relational health {shown(f'relational_health@{r.assessment_id}', r.relational_health)} "
            f"{chip('relational', r.relational_band)}"
            f" · resilience {shown(f'resilience@{r.assessment_id}', r.resilience)}</p>"
            f"<table class='rm-keep'>{colgroup(28, 18, 54)}"
            "<tr><th>Connection</th><th>Rating (0–4)</th><th>Anchor</th></tr>"
            f"{''.join(rows)}</table></section>")


def _plan(ctx: _Context) -> str:
    r, inst, plan = ctx.result, ctx.instrument, ctx.result.plan
    out = ["<h2>Sequenced plan</h2>"]
    out.append(f"<p>Entry region: <b>{esc(region_label(inst, r.entry_region))}</b> · phase "
               f"<b>{esc(PHASE_CLINICIAN.get(r.phase, r.phase))}</b>.</p>")
    if plan.progress:
        out.append(f'<p class="rm-note">{esc(plan.progress)}</p>')
    if plan.stabilisation:
        out.append(f'<p class="rm-note"><b>Immediate stabilisation.</b> {esc(plan.stabilisation)}</p>')
    if plan.missing_information:
        missing = ", ".join(esc(domain_label(inst, d)) for d in plan.missing_information)
        out.append(f'<p class="rm-note"><b>Missing information:</b> too few items rated to judge '
                   f"{missing}. Rate them to complete the plan.</p>")
    if r.phase == "undetermined":
        out.append(f'<p class="rm-note rm-undetermined"><b>{esc(undetermined_text(inst, r))}</b></p>')
        if ctx.assessment.undetermined_reason:
            out.append("<p>Finalised all the same, with this reason: "
                       f"{_user(ctx.assessment.undetermined_reason)}</p>")
        return "".join(out)
    if plan.abridged:
        out.append("<p class='rm-muted'>Abridged plan (ER snapshot): the first phase only, "
                   "at most three recommendations.</p>")
    if not plan.phases:
        out.append("<p>No region is compromised: maintain what works and review at the next "
                   "follow-up.</p>")
    for n, phase in enumerate(plan.phases, start=1):
        out.append(_phase(ctx, n, phase))
    if any(p.recommendations for p in plan.phases):
        out.append(f"<p class='rm-small rm-muted rm-score-note'>{esc(score_note(ctx.catalogue, inst))}</p>")
    return "".join(out)


def _phase(ctx: _Context, n: int, phase: PlanPhase) -> str:
    inst = ctx.instrument
    parts = [f'<div class="rm-phase"><div class="rm-phase-head">Phase {n}: '
             f"{esc(PHASE_LABEL.get(phase.phase, phase.phase))}</div>",
             f"<p class='rm-small rm-phase-dose'>Dose: {esc(phase.dose)}</p>"]
    if phase.recommendations:
        rows = []
        for rec in phase.recommendations:
            drivers = ", ".join(
                f"{esc(item_label(inst, i))} ({ctx.result.ratings.get(i, '–')})" for i in rec.drivers
            )
            why = drivers or "–"
            if rec.reason:
                why = (why + "<br>" if drivers else "") + esc(rec.reason)
            dose, note = activity_dose(ctx.result.instrument_version, phase.phase, rec.id)
            dose_cell = esc(dose) + (f"<br><i>{esc(note)}</i>" if note else "")
            rows.append(f"<tr data-activity='{esc(rec.id)}'><td><b>{esc(_intervention_name(ctx, rec.id))}</b></td>"
                        f"<td class='rm-num'>{num(rec.score)}</td><td class='rm-small'>{dose_cell}</td>"
                        f"<td>{why}</td></tr>")
        parts.append(f"<table>{colgroup(28, 8, 34, 30)}<tr><th>Recommendation</th><th class='rm-num'>Score</th>"
                     f"<th>How often (as the family reads it)</th><th>Driven by (rating)</th></tr>"
                     f"{''.join(rows)}</table>")
    else:
        parts.append("<p>No candidate scored above 0 in this phase.</p>")
    if phase.deferred:
        items = "".join(f"<li><b>{esc(_intervention_name(ctx, d.id))}</b>: {esc(d.reason)}</li>"
                        for d in phase.deferred)
        parts.append(f"<p class='rm-small'><b>Deferred</b></p><ul class='rm-small'>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


def _change(ctx: _Context) -> str:
    r, inst, change = ctx.result, ctx.instrument, ctx.result.change
    out: list[str] = []
    if change is None and len(ctx.history) < 2:
        return ""
    out.append("<h2>Change over time</h2>")
    if change is not None:
        prev, base = change.previous, change.baseline
        head = (f"<tr><th>Score</th><th class='rm-num'>Baseline {_user(base.assessment_id)}</th>"
                f"<th class='rm-num'>Previous {_user(prev.assessment_id)}</th>"
                f"<th class='rm-num'>Now {_user(r.assessment_id)}</th>"
                "<th>Since previous</th><th>Since baseline</th></tr>")
        rows = []
        ids = (base.assessment_id, prev.assessment_id, r.assessment_id)
        quantities = [(key, label, prev.headline.get(key), base.headline.get(key)) for key, label in _HEADLINES]
        quantities += [(region.domain, region.domain_label, prev.domains.get(region.domain),
                        base.domains.get(region.domain)) for region in inst.regions]
        for key, label, p, b in quantities:
            if p is None or b is None:
                continue
            rows.append(f"<tr><td>{esc(label)}</td><td class='rm-num'>{shown(f'{key}@{ids[0]}', b.before)}</td>"
                        f"<td class='rm-num'>{shown(f'{key}@{ids[1]}', p.before)}</td>"
                        f"<td class='rm-num'>{shown(f'{key}@{ids[2]}', p.after)}</td>"
                        f"<td>{_delta_text(p, key, ids[1], ids[2])}</td>"
                        f"<td>{_delta_text(b, key, ids[0], ids[2])}</td></tr>")
        out.append(f"<table class='rm-keep'>{colgroup(22, 12, 12, 12, 21, 21)}{head}{''.join(rows)}</table>")
        out.append(f"<p class='rm-small rm-muted'>{esc(change_note(inst))}</p>")
        moves = []
        for comparison, word in ((prev, "previous"), (base, "baseline")):
            before = region_label(inst, comparison.entry_region_before)
            after = region_label(inst, comparison.entry_region_after)
            moves.append(f"Since the {word} assessment ({_user(comparison.assessment_id)}): entry region "
                         f"{esc(before)} → {esc(after)}, {esc(comparison.phase_progress)}.")
        out.append("<p>" + "<br>".join(moves) + "</p>")
        changed = [(i, d) for i, d in prev.items.items() if d != 0]
        if changed:
            ups = [f"{esc(item_label(inst, i))} ({signed_int(d)})" for i, d in changed if d > 0]
            downs = [f"{esc(item_label(inst, i))} ({signed_int(d)})" for i, d in changed if d < 0]
            if ups:
                out.append(f"<p><b>Items up since previous:</b> {', '.join(ups)}.</p>")
            if downs:
                out.append(f"<p><b>Items down since previous:</b> {', '.join(downs)}.</p>")
    if len(ctx.history) >= 2:
        out.append('<div class="rm-figure">'
                   + domains_over_time_svg(instrument=inst, results=ctx.history) + "</div>")
    return "".join(out)


def _about(ctx: _Context) -> str:
    return ("<h2>About this report</h2><p class='rm-small'>"
            f"{model_line(ctx.result.instrument_version)} Rootmap supports bottom-up, sequenced, "
            "developmentally informed care: regulate, then relate, then reason. Indices run from 0 "
            "to 100 (higher is better, except developmental risk, where higher means more risk). "
            "Numbers are rounded to one decimal for display only.</p>")


def _clinician_body(ctx: _Context) -> str:
    return "".join([
        "<h1>Clinician report</h1>",
        _identity(ctx),
        clinician_context_section(ctx.case),
        _summary(ctx),
        _clinician_plan.clinician_section(assessment=ctx.assessment, result=ctx.result),
        clinician_notes_section(ctx.assessment, ctx.instrument),
        _plan(ctx),
        _functioning(ctx),
        _relational(ctx),
        _history(ctx),
        _change(ctx),
        sources_section(ctx.instrument, ctx.assessment, "clinician"),
        _about(ctx),
    ])


# --------------------------------------------------------------------------------------
# Family summary: short sentences, plain words, strengths first. Every sentence comes from
# rootmap.core.family (the words written once as data), as the presentation's do.


def _words(text: str) -> str:
    """A family sentence as HTML: escaped, its typed text isolated in <bdi>."""
    return esc(text).replace(ISOLATE_START, "<bdi>").replace(ISOLATE_END, "</bdi>")


def _family_view(ctx: _Context) -> FamilyView:
    view = family_view(result=ctx.result, name=shorten(ctx.name, 60),
                       relational=ratings_of(ctx.assessment.relational),
                       interests=ctx.case.interests, instrument=ctx.instrument)
    # The clinician's plan, once reviewed, is what the family is asked to do (decision 0023).
    return with_clinician_plan(view, result=ctx.result, plan=ctx.assessment.clinician_plan,
                               instrument=ctx.instrument)


def _going_well(view: FamilyView) -> str:
    return ("<h2>What is going well</h2><ul>"
            + "".join(f"<li>{_words(p)}</li>" for p in view.going_well) + "</ul>")


def _activity(activity: FamilyActivity) -> str:
    lines = [f'<div class="rm-todo" data-activity="{esc(activity.id)}">'
             f'<div class="rm-todo-name">{esc(activity.name)}</div>',
             f"<p>{esc(activity.description)}</p>",
             f"<p><b>How often:</b> {esc(activity.dose)}</p>"]
    if activity.dose_note:
        lines.append(f"<p class='rm-dose-note'>{esc(activity.dose_note)}</p>")
    lines.append(f"<p><b>Who:</b> {esc(activity.who)}.</p>")
    if activity.helps:
        lines.append(f"<p><b>It helps with:</b> {esc(join_words(list(activity.helps)))}.</p>")
    elif activity.why:
        lines.append(f"<p><b>Why:</b> {_words(activity.why)}</p>")
    if activity.goal:
        lines.append(f"<p class='rm-goal'><bdi>{esc(activity.goal)}</bdi></p>")
    return "".join(lines) + "</div>"


def _this_week(view: FamilyView) -> str:
    out = ["<h2>Where we start</h2>",
           f"<p class='rm-lead' data-phase='{esc(view.phase)}'><b>{esc(view.title)}.</b> "
           f"{_words(view.lead)}</p>"]
    if view.stabilisation:
        out.append(f"<p>{esc(view.stabilisation)}</p>")
    out.append("<h2>Things to do this week</h2>")
    if not view.activities:
        out.append(f"<p>{esc(view.week)}</p>")
        return "".join(out)
    out.append(f"<p data-dose-phase='{esc(view.activities_phase or '')}'><b>How often, in general:</b> "
               f"{esc(view.dose)} Each activity below says its own rhythm.</p>")
    out.extend(_activity(a) for a in view.activities)
    if view.later:
        out.append("<h3>Later steps</h3><ul>")
        for _phase_id, words, names in view.later:
            # Each activity on its own line: run into the sentence, names made for a
            # heading ("..., Cognitive-behavioural therapy and Breathing and mindfulness")
            # read as a list of capitals.
            activities = "".join(f"<li>{esc(name)}</li>" for name in names)
            out.append(f"<li>{esc(words)}<ul>{activities}</ul></li>")
        out.append("</ul>")
    return "".join(out)


def _family_change(view: FamilyView) -> str:
    if view.change is None:
        return ""
    items = "".join(f"<li>{_words(line)}</li>" for line in view.change.lines)
    return f"<h2>Since last time ({esc(view.change.since)})</h2><ul>{items}</ul>"


def _family_body(ctx: _Context) -> str:
    name = _user(ctx.name, 60)
    view = _family_view(ctx)
    intro = (f"<h1>A summary for {name}'s family</h1>"
             f"<p class='rm-lead'>{esc(view.intro)}</p>")
    intro += family_context_section(ctx.case)  # placement kind, school, language only
    map_part = (
        # The explanation is read as one piece beside the map: never split across pages
        # (break-inside: avoid), and kept with the map that follows it.
        "<div class='rm-map-explanation rm-keep rm-with-next'><h2>The brain map</h2>"
        f"<p>{esc(view.map_text)}</p></div>"
        '<div class="rm-figure rm-family-map">'
        + brain_map_svg(instrument=ctx.instrument, result=ctx.result, family=True)
        + "</div>"
    )
    closing = ("<h2>Good to know</h2><ul>"
               + "".join(f"<li>{esc(line)}</li>" for line in view.good_to_know) + "</ul>")
    return "".join([intro, family_summary_section(ctx.assessment), _going_well(view), _this_week(view),
                    _clinician_plan.family_section(assessment=ctx.assessment, result=ctx.result),
                    _family_change(view),
                    map_part, sources_section(ctx.instrument, ctx.assessment, "family"), closing])


# --------------------------------------------------------------------------------------
# Public API


def report_html(
    *,
    case: CaseFile,
    results: Sequence[AssessmentResult],
    assessment_id: str | None = None,
    audience: Audience = "clinician",
    signatures: Sequence[Signature] = (),
) -> str:
    """The report of one assessment (the latest by default) as a complete HTML document.

    `results` are all scored assessments of the case, oldest first (`score_history`);
    `signatures` (who signed and co-signed) are printed at its end.
    """
    if audience not in ("clinician", "family"):
        raise ValueError(f"audience must be 'clinician' or 'family', not {audience!r}")
    ctx = _context(case, results, assessment_id)
    body = _clinician_body(ctx) if audience == "clinician" else _family_body(ctx)
    body += signatures_section(signatures)
    title = (f"Rootmap {'clinician report' if audience == 'clinician' else 'family summary'}, "
             f"{shorten(ctx.name, 60)}, {ctx.result.assessment_id}")
    return document(
        title=title,
        header=_header(ctx, audience),
        footer=model_line(ctx.result.instrument_version),
        body=body,
        body_class="rm-family" if audience == "family" else "rm-clinician",
    )


def report_pdf(
    *,
    case: CaseFile,
    results: Sequence[AssessmentResult],
    assessment_id: str | None = None,
    audience: Audience = "clinician",
    signatures: Sequence[Signature] = (),
) -> bytes:
    """The same report as PDF bytes (WeasyPrint, imported only here)."""
    from rootmap.render.pdf import html_to_pdf

    return html_to_pdf(report_html(case=case, results=results, assessment_id=assessment_id,
                                   audience=audience, signatures=signatures))
