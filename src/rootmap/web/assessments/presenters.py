"""Selectors and view models for the assessment pages: plain data for the templates.

Reads only (the writes are in services.py). Each builder takes what a view already
loaded, so the number of queries per page stays fixed however much data a client has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from rootmap.core.ages import age_in_months
from rootmap.core.results import AssessmentResult
from rootmap.instruments import Instrument, load_instrument
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.scoring import (
    case_file_for_client,
    current_assessments,
    result_from_json,
    signed_case,
)
from rootmap.web.assessments.services import ROW_FIELDS, items_expected, periods_reached

try:  # plain words for families, shared with the PDF reports
    from rootmap.render._labels import DOSE_FAMILY, FAMILY_ITEM, PHASE_FAMILY, PHASE_LABEL, undetermined_text
except ImportError:  # pragma: no cover - the renderer ships with Rootmap
    FAMILY_ITEM, PHASE_FAMILY, DOSE_FAMILY = {}, {}, {}
    PHASE_LABEL = {"regulate": "Regulate", "relate": "Relate", "reason": "Reason", "maintain": "Maintain",
                   "undetermined": "Undetermined"}

    def undetermined_text(instrument: Any, result: Any, *, family: bool = False) -> str:
        return "Not enough has been rated yet to say where to start."

try:
    from rootmap.render.brain_map import FAMILY_REGION
except ImportError:  # pragma: no cover
    FAMILY_REGION = {}


def html_id(name: str) -> str:
    return name.replace(".", "-").replace("_", "-")


def first_url(names: tuple[str, ...], *args: Any) -> str | None:
    """The first of several URL names that exists (pages owned by other parts of the app)."""
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


def _str(value: Any) -> str:
    return "" if value is None else str(value)


# --- Entry page ---------------------------------------------------------------------------

@dataclass
class Choice:
    value: str
    word: str
    anchor: str
    checked: bool


@dataclass
class RatingField:
    name: str
    label: str
    description: str
    value: str
    choices: list[Choice]
    error: str = ""
    previous: str = ""      # follow-up: last time's rating, as a hint
    carried: str = ""       # follow-up history: the value carried from earlier assessments

    @property
    def id(self) -> str:
        return html_id(self.name)


@dataclass
class Row:
    index: int
    fields: list[dict[str, str]]


@dataclass
class EntryPage:
    instrument: Instrument
    age: int
    periods: list[dict[str, Any]] = field(default_factory=list)
    periods_not_reached: list[Any] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    not_expected: list[Any] = field(default_factory=list)
    relational: list[RatingField] = field(default_factory=list)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    triggers: list[Choice] = field(default_factory=list)
    carried_from: list[str] = field(default_factory=list)


def _choices(scale: dict[int, str], anchors: dict[int, str] | None, value: str) -> list[Choice]:
    return [Choice(str(level), word, (anchors or {}).get(level, ""), value == str(level))
            for level, word in sorted(scale.items())]


def carried_history(earlier: list[Assessment]) -> dict[str, dict[str, tuple[int, str]]]:
    """Per period and rating: the latest non-null value among earlier assessments, and where from."""
    carried: dict[str, dict[str, tuple[int, str]]] = {}
    for assessment in earlier:
        for period_id, ratings in ((assessment.inputs or {}).get("history") or {}).items():
            for kind, value in (ratings or {}).items():
                if value is not None:
                    carried.setdefault(period_id, {})[kind] = (value, assessment.reference)
    return carried


def entry_page(
    assessment: Assessment,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> EntryPage:
    """Everything the entry page shows. `values` (a refused whole-form save) win over stored ones."""
    instrument = load_instrument(assessment.instrument_version)
    inputs = assessment.inputs or {}
    values = values or {}
    errors = errors or {}
    age = age_in_months(assessment.client.birth_date, assessment.date)
    page = EntryPage(instrument=instrument, age=age)

    def current(name: str, stored: Any) -> str:
        return _str(values[name]) if name in values else _str(stored)

    earlier = [a for a in current_assessments(assessment.client)
               if a.pk != assessment.amends_id and a.pk != assessment.pk and a.date <= assessment.date]
    previous = earlier[-1] if earlier else None
    previous_functioning = (previous.inputs or {}).get("functioning", {}) if previous else {}
    previous_relational = (previous.inputs or {}).get("relational", {}) if previous else {}
    follow_up = assessment.kind == Assessment.Kind.FOLLOW_UP
    carried = carried_history([a for a in earlier if a.kind != Assessment.Kind.ER]) if follow_up else {}
    page.carried_from = sorted({ref for p in carried.values() for _v, ref in p.values()})

    if assessment.kind != Assessment.Kind.ER:
        history = inputs.get("history") or {}
        for period in periods_reached(instrument, age):
            stored = history.get(period.id) or {}
            ratings = []
            for kind, scale in instrument.history_scales.items():
                name = f"history.{period.id}.{kind}"
                carried_value = carried.get(period.id, {}).get(kind)
                ratings.append(RatingField(
                    name=name,
                    label="Adversity" if kind == "adversity" else "Relational health",
                    description="",
                    value=current(name, stored.get(kind)),
                    choices=_choices(scale, None, current(name, stored.get(kind))),
                    error=errors.get(name, ""),
                    carried=f"{carried_value[0]} {scale[carried_value[0]]} (from {carried_value[1]})"
                    if carried_value else "",
                ))
            page.periods.append({
                "period": period, "ratings": ratings,
                "new": follow_up and period.id not in carried,
                # A follow-up folds away periods that carry their ratings and were not changed.
                "folded": follow_up and period.id in carried and all(r.value == "" and not r.error for r in ratings),
                "summary": "; ".join(f"{r.label.lower()} {r.carried.split(' (from')[0] if r.carried else 'not rated'}"
                                     for r in ratings),
            })
        page.periods_not_reached = [p for p in instrument.periods if age < p.start]

    functioning = inputs.get("functioning") or {}
    expected = {i.id for i in items_expected(instrument, age)}
    for region in instrument.regions:
        items = []
        for item in instrument.functioning_items:
            if item.region != region.id or item.id not in expected:
                continue
            name = f"functioning.{item.id}"
            value = current(name, functioning.get(item.id))
            prev = previous_functioning.get(item.id)
            items.append(RatingField(
                name=name, label=item.label, description=item.description, value=value,
                choices=_choices(instrument.functioning_scale, item.anchors, value),
                error=errors.get(name, ""),
                previous=f"{prev} {instrument.functioning_scale[prev]}" if prev is not None and previous else "",
            ))
        page.regions.append({"region": region, "items": items})
    page.not_expected = [i for i in instrument.functioning_items if i.id not in expected]

    relational = inputs.get("relational") or {}
    for rel in instrument.relational_items:
        name = f"relational.{rel.id}"
        value = current(name, relational.get(rel.id))
        prev = previous_relational.get(rel.id)
        page.relational.append(RatingField(
            name=name, label=rel.label, description=rel.description, value=value,
            choices=_choices(instrument.relational.scale, rel.anchors, value),
            error=errors.get(name, ""),
            previous=f"{prev} {instrument.relational.scale[prev]}" if prev is not None and previous else "",
        ))

    for section, keys in ROW_FIELDS.items():
        rows = []
        for index, row in enumerate(inputs.get(section) or []):
            cells = []
            for key in keys:
                name = f"{section}.{index}.{key}"
                cells.append({"name": name, "id": html_id(name), "key": key,
                              "label": key.capitalize(), "value": current(name, row.get(key)),
                              "error": errors.get(name, "")})
            rows.append(Row(index=index, fields=cells))
        page.rows[section] = rows

    trigger = current("trigger", inputs.get("trigger"))
    page.triggers = [Choice(key, label, "", trigger == key) for key, label in instrument.triggers.items()]
    return page


def event_rows(client: Any, instrument: Instrument, on: dt.date) -> list[dict[str, Any]]:
    """The client's adverse events, oldest first, marked when they start after `on`."""
    age = age_in_months(client.birth_date, on)
    rows = []
    for event in sorted(client.events or [], key=lambda e: (e.get("onset_months", 0), e.get("category", ""))):
        rows.append({
            "category": instrument.event_categories.get(event.get("category"), event.get("category")),
            "onset": event.get("onset_months"),
            "end": event.get("end_months"),
            "severity": event.get("severity"),
            "note": event.get("note", ""),
            "source": event.get("source", ""),
            "counted": (event.get("onset_months") or 0) <= age,
        })
    return rows


# --- Results ------------------------------------------------------------------------------

@dataclass
class ResultsContext:
    instrument: Instrument
    result: AssessmentResult
    history: list[AssessmentResult]          # this and earlier current assessments, oldest first
    previous: AssessmentResult | None
    superseded_by: Assessment | None
    assessments: list[Assessment]            # the stored assessments behind `history`
    # The case file the pages read: the snapshot signed with the assessment, or (for one
    # finalised before snapshots were kept) the client's live case file.
    case: dict[str, Any] = field(default_factory=dict)

    @property
    def client_name(self) -> str:
        client = self.case.get("client") or {}
        return str(client.get("display_name") or client.get("id") or "")

    @property
    def case_assessment(self) -> dict[str, Any]:
        """This assessment as the case file holds it (informants, documents, reason...)."""
        return next((a for a in self.case.get("assessments", []) if a.get("id") == self.result.assessment_id), {})


def results_context(assessment: Assessment) -> ResultsContext:
    """The stored result of `assessment` and of the client's earlier assessments (one query).

    A signed assessment reads what it was signed with: its snapshot names the earlier
    assessments it was scored beside (finalised rows never change), so a later amendment,
    event or name change elsewhere cannot alter its pages and reports.
    """
    instrument = load_instrument(assessment.instrument_version)
    snapshot = signed_case(assessment)
    history = []
    behind = []
    superseded_by = None
    if snapshot is not None:
        earlier = [a["id"] for a in snapshot["assessments"] if a["id"] != assessment.reference]
        # One query for the earlier rows it was signed beside and for a finalised amendment
        # that has since taken its place (only one amendment may exist).
        found = Assessment.objects.filter(
            Q(reference__in=earlier) | Q(amends=assessment, status=Assessment.Status.FINAL),
            client_id=assessment.client_id,
        )
        rows = {}
        for row in found:
            if row.amends_id == assessment.pk:
                superseded_by = row
            else:
                rows[row.reference] = row
        for reference in earlier:
            other = rows.get(reference)
            if other is not None and other.result:
                history.append(result_from_json(other.result))
                behind.append(other)
    else:
        current = current_assessments(assessment.client)
        for other in current:
            if other.pk == assessment.pk:
                break
            if other.result and other.date <= assessment.date:
                history.append(result_from_json(other.result))
                behind.append(other)
        if all(a.pk != assessment.pk for a in current):
            superseded_by = Assessment.objects.filter(amends=assessment).first()
    result = result_from_json(assessment.result or {})
    previous = history[-1] if history else None
    history.append(result)
    behind.append(assessment)
    case = snapshot if snapshot is not None else case_file_for_client(assessment.client, assessments=behind)
    return ResultsContext(instrument, result, history, previous, superseded_by, behind, case=case)


def labelled_items(instrument: Instrument, ids: list[str] | tuple[str, ...], ratings: dict[str, Any],
                   *, family: bool = False) -> list[dict[str, Any]]:
    out = []
    for item_id in ids:
        item = instrument.items_by_id.get(item_id)
        label = (FAMILY_ITEM.get(item_id) if family else None) or (item.label if item else item_id)
        rating = ratings.get(item_id)
        out.append({
            "id": item_id, "label": label, "rating": rating,
            "word": instrument.functioning_scale.get(rating, "") if rating is not None else "",
            "region": item.region if item else "",
        })
    return out


def plan_view(instrument: Instrument, result: AssessmentResult, *, family: bool = False) -> list[dict[str, Any]]:
    """The plan's phases with catalogue names, descriptions and driver labels."""
    from rootmap.instruments.catalogue import load_catalogue

    catalogue = load_catalogue(instrument.version)
    entries = catalogue.entries_by_id
    phases = []
    for phase in result.plan.phases:
        recs = []
        for rec in phase.recommendations:
            entry = entries.get(rec.id)
            recs.append({
                "id": rec.id, "name": entry.name if entry else rec.id,
                "description": entry.description if entry else "",
                "dose": entry.dose if entry else "",
                "score": rec.score, "reason": rec.reason,
                "drivers": labelled_items(instrument, rec.drivers, result.ratings, family=family),
            })
        deferred = [{"id": d.id, "name": entries[d.id].name if d.id in entries else d.id, "reason": d.reason}
                    for d in phase.deferred]
        phases.append({
            "phase": phase.phase, "label": PHASE_LABEL.get(phase.phase, phase.phase),
            "dose": DOSE_FAMILY.get(phase.phase, phase.dose) if family else phase.dose,
            "family_text": PHASE_FAMILY.get(phase.phase, ""),
            "recommendations": recs, "deferred": deferred,
        })
    return phases


def headline(instrument: Instrument, result: AssessmentResult) -> list[dict[str, Any]]:
    rows = []
    if result.kind != Assessment.Kind.ER:
        rows.append({"key": "developmental_risk", "label": "Developmental risk",
                     "value": result.developmental_risk, "band": result.risk_band,
                     "note": f"ACE-style count {result.ace_count}" if result.ace_count is not None else ""})
    rows.append({"key": "functioning_index", "label": "Current functioning",
                 "value": result.functioning_index, "band": _index_band(instrument, result.functioning_index),
                 "note": ""})
    rows.append({"key": "relational_health", "label": "Relational health",
                 "value": result.relational_health, "band": result.relational_band, "note": ""})
    rows.append({"key": "resilience", "label": "Resilience", "value": result.resilience, "band": None,
                 "note": "current relational health (a snapshot has no history)"
                 if result.kind == Assessment.Kind.ER else "current and historical relational health"})
    return rows


def _index_band(instrument: Instrument, value: float | None) -> str | None:
    if value is None:
        return None
    from rootmap.instruments.model import band_at_least

    return band_at_least(value, instrument.index_bands)


BAND_TONE = {
    "low": "ok", "typical": "ok", "strong": "ok", "adequate": "info",
    "moderate": "warn", "mild": "info", "limited": "warn",
    "high": "bad", "very_high": "bad", "severe": "bad", "impoverished": "bad",
    "improved": "ok", "stable": "info", "declined": "bad",
}


def _delta_row(name: str, delta: Any) -> dict[str, Any]:
    return {"name": name, "before": delta.before, "after": delta.after, "delta": delta.delta,
            "change_label": delta.label}


def change_rows(instrument: Instrument, comparison: Any) -> dict[str, Any]:
    labels = {"developmental_risk": "Developmental risk", "functioning_index": "Current functioning",
              "relational_health": "Relational health", "resilience": "Resilience"}
    domain_labels = {r.domain: r.domain_label for r in instrument.regions}
    return {
        "assessment_id": comparison.assessment_id,
        "date": comparison.date,
        "headline": [_delta_row(labels.get(k, k), d) for k, d in comparison.headline.items()],
        "domains": [_delta_row(domain_labels.get(k, k), d) for k, d in comparison.domains.items()],
        "phase_progress": comparison.phase_progress,
        "entry_before": comparison.entry_region_before,
        "entry_after": comparison.entry_region_after,
    }


def family_region(region_id: str) -> str:
    return FAMILY_REGION.get(region_id, region_id)


def domain_rows(instrument: Instrument, result: AssessmentResult) -> list[dict[str, Any]]:
    rows = []
    for region in instrument.regions:
        domain = result.domains.get(region.domain)
        rows.append({
            "region": region, "label": region.domain_label,
            "index": domain.index if domain else None,
            "band": domain.band if domain else None,
            "status": domain.status if domain else "not_expected",
        })
    return rows


def _inline(svg: str) -> str:
    """An SVG document as markup to place inside a page (no XML declaration)."""
    svg = svg.strip()
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:].lstrip()
    return svg


def result_svgs(ctx: ResultsContext, *, family: bool = False) -> dict[str, str]:
    """The brain map and charts as inline SVG markup (the renderer escapes every text)."""
    from rootmap import render

    # The map's arrows come from the result's own stored change, like the change table.
    svgs = {"brain_map": _inline(render.brain_map_svg(
        instrument=ctx.instrument, result=ctx.result, family=family))}
    if ctx.result.kind != Assessment.Kind.ER and ctx.result.period_risk:
        svgs["risk"] = _inline(render.risk_chart_svg(instrument=ctx.instrument, result=ctx.result))
    if len(ctx.history) > 1:
        svgs["over_time"] = _inline(render.domains_over_time_svg(instrument=ctx.instrument,
                                                                 results=ctx.history))
    return svgs


def finalise_summary(assessment: Assessment) -> dict[str, Any]:
    """What is still unrated, per domain, so the clinician sees gaps before signing."""
    instrument = load_instrument(assessment.instrument_version)
    age = age_in_months(assessment.client.birth_date, assessment.date)
    functioning = (assessment.inputs or {}).get("functioning") or {}
    relational = (assessment.inputs or {}).get("relational") or {}
    domains = []
    for region in instrument.regions:
        expected = [i for i in items_expected(instrument, age) if i.region == region.id]
        rated = [i for i in expected if functioning.get(i.id) is not None]
        domains.append({
            "label": region.domain_label, "expected": len(expected), "rated": len(rated),
            "insufficient": bool(expected) and len(rated) < instrument.domain_min_rated_share * len(expected),
            "unrated": [i.label for i in expected if functioning.get(i.id) is None],
        })
    rated_relational = sum(1 for r in instrument.relational_items if relational.get(r.id) is not None)
    return {
        "domains": domains, "relational_rated": rated_relational,
        "relational_total": len(instrument.relational_items),
        "relational_insufficient": rated_relational < instrument.relational.min_rated,
        "age": age,
        "undetermined": would_be_undetermined(assessment),
    }


def would_be_undetermined(assessment: Assessment) -> str:
    """What the finalise page warns about: the core's word that nobody could say where to
    start, as a sentence naming the short domains ("" when the start is known, or when the
    draft does not validate yet; finalising then lists its problems)."""
    from rootmap.core.case import CaseFileError
    from rootmap.web.assessments.scoring import score_client_assessment

    try:
        result = score_client_assessment(assessment)
    except (CaseFileError, ValueError, KeyError):
        return ""
    if result.phase != "undetermined":
        return ""
    return undetermined_text(load_instrument(result.instrument_version), result)


class ReportUnavailable(Exception):
    pass


def report(assessment: Assessment, *, audience: str, fmt: str) -> bytes | str:
    """The clinician or family report of a finalised assessment, from the stored results
    and the case file it was signed with."""
    from rootmap.core.case import CaseFileError, parse_case

    try:
        from rootmap import render
    except ImportError as error:  # pragma: no cover - the renderer ships with Rootmap
        raise ReportUnavailable("Reports cannot be made on this server: " + str(error)) from None
    ctx = results_context(assessment)
    try:
        case = parse_case(ctx.case)
    except CaseFileError as error:
        raise ReportUnavailable(f"The case file does not validate any more: {error}") from None
    kwargs = {"case": case, "results": ctx.history, "assessment_id": assessment.reference,
              "audience": audience}
    if fmt == "pdf":
        return render.report_pdf(**kwargs)
    return render.report_html(**kwargs)


# --- Presentation: one screen at a time, in a family's words ------------------------------

FAMILY_NEEDS_SHOWN = 4


def presentation_steps(assessment: Assessment, ctx: ResultsContext) -> list[dict[str, Any]]:
    instrument, result = ctx.instrument, ctx.result
    name = ctx.client_name
    inputs = ctx.case_assessment or assessment.inputs or {}
    steps: list[dict[str, Any]] = []
    informants = [i for i in inputs.get("informants") or [] if i.get("role") or i.get("name")]
    hours = sum(float(i.get("hours") or 0) for i in informants)
    steps.append({"kind": "intro", "title": f"Getting to know {name}", "name": name,
                  "informants": informants, "hours": hours,
                  "documents": len([d for d in inputs.get("documents") or [] if d.get("title")]),
                  "date": assessment.date})
    steps.append({"kind": "map", "title": f"{name}'s brain map",
                  "svg": result_svgs(ctx, family=True)["brain_map"],
                  "regions": [{"label": family_region(r.id), "id": r.id} for r in reversed(instrument.regions)]})
    steps.append({"kind": "strengths", "title": f"What {name} does well",
                  "items": labelled_items(instrument, result.strengths, result.ratings, family=True),
                  "typical": labelled_items(
                      instrument, [i for i, r in result.ratings.items() if r == 4][:12], result.ratings,
                      family=True)})
    needs = labelled_items(instrument, result.needs, result.ratings, family=True)
    steps.append({"kind": "needs", "title": "What is hard right now",
                  # A family hears the few that matter most per level, not a list of twenty.
                  "groups": [{"label": family_region(r.id),
                              "items": [n for n in needs if n["region"] == r.id][:FAMILY_NEEDS_SHOWN],
                              "more": max(0, sum(1 for n in needs if n["region"] == r.id) - FAMILY_NEEDS_SHOWN)}
                             for r in instrument.regions if any(n["region"] == r.id for n in needs)]})
    undetermined = result.phase == "undetermined"
    steps.append({"kind": "start", "title": "Where we start",
                  "phase": result.phase,
                  "phase_label": "Not known yet" if undetermined else PHASE_LABEL.get(result.phase, result.phase),
                  # Family words: which areas we need to know more about before we can start.
                  "text": undetermined_text(instrument, result, family=True) if undetermined
                  else PHASE_FAMILY.get(result.phase, ""),
                  "dose": "" if undetermined else DOSE_FAMILY.get(result.phase, "")})
    for phase in plan_view(instrument, result, family=True):
        steps.append({"kind": "phase", "title": f"{phase['label']}: what can help", "phase": phase})
    if result.change is not None:
        comparison = result.change.previous
        domain_labels = {r.domain: r.domain_label for r in instrument.regions}
        steps.append({"kind": "change", "title": "What has changed since last time",
                      "since": comparison.date,
                      "domains": [{"label": domain_labels.get(k, k), "label_change": d.label, "delta": d.delta}
                                  for k, d in comparison.domains.items() if d.label is not None],
                      "progress": comparison.phase_progress})
    steps.append({"kind": "close", "title": "Next steps"})
    return steps
