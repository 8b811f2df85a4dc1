"""The clinician's plan in reports and pages: what it holds and where it departs from the proposal.

`plan_rows` turns the core's comparison (`rootmap.core.clinician_plan.review_plan`) into
plain text rows, one wording for the results page, the plan page and the clinician
report. `clinician_section` is the clinician report's section; `family_section` the
family summary's goals and review date (its activities come from
`rootmap.core.family_plan.with_clinician_plan`). Typed text is escaped and isolated.
"""

from __future__ import annotations

from dataclasses import dataclass

from rootmap.core.case import Assessment
from rootmap.core.clinician_plan import PlannedActivity, PlanReview, dose_text, review_plan
from rootmap.core.family_plan import family_plan
from rootmap.core.results import AssessmentResult
from rootmap.instruments.catalogue import Catalogue, load_catalogue
from rootmap.render._format import esc, humanise, long_date, shorten
from rootmap.render._page import colgroup

__all__ = ["NOT_REVIEWED", "PlanRow", "clinician_section", "family_section", "plan_rows"]

STATUS_LABEL = {
    "accepted": "Accepted as proposed",
    "edited": "Edited",
    "declined": "Declined",
    "added": "Added by the clinician",
    "not_reviewed": "Not yet reviewed",
}
SETTING_LABEL = {"home": "home", "school": "school", "clinic": "clinic", "community": "community"}
NOT_REVIEWED = ("Not yet reviewed by the clinician: the plan shown is the engine's proposal as it "
                "stands. No activity has been accepted, changed or declined.")
# The catalogue's dose guidance is a paragraph; a table cell carries its start.
DOSE_CHARS = 140


@dataclass(frozen=True, slots=True)
class PlanRow:
    id: str
    status: str            # the core's status id
    status_label: str
    name: str
    who: str               # who delivers it, where, and how often
    goal: str
    departure: str         # what differs from the proposal ("" when nothing)
    reason: str            # the clinician's reason ("" when none)
    departs: bool


def _name(catalogue: Catalogue, a: PlannedActivity) -> str:
    if a.catalogue_id is None:
        return a.name
    entry = catalogue.entries_by_id.get(a.catalogue_id)
    return entry.name if entry else humanise(a.catalogue_id)


def _proposed(catalogue: Catalogue, a: PlannedActivity) -> tuple[str, str, str]:
    """(who, where, how often) as the catalogue proposes it."""
    entry = catalogue.entries_by_id.get(a.catalogue_id or "")
    if entry is None:
        return "", "", ""
    return (", ".join(entry.delivered_by), ", ".join(entry.settings), shorten(entry.dose, DOSE_CHARS))


def _who(catalogue: Catalogue, a: PlannedActivity) -> str:
    who, where, often = _proposed(catalogue, a)
    who = a.delivered_by or who
    where = SETTING_LABEL.get(a.setting or "", "") or where
    often = dose_text(a.dose) if a.dose else often
    return "; ".join(part for part in (f"by {who}" if who else "", f"at {where}" if where else "", often) if part)


def _departure(catalogue: Catalogue, a: PlannedActivity) -> str:
    who, where, often = _proposed(catalogue, a)
    if a.status == "edited":
        parts = []
        if a.dose is not None:
            parts.append(f"dose {dose_text(a.dose)} (proposed: {often})")
        if a.setting is not None:
            parts.append(f"setting {a.setting} (proposed: {where})")
        if a.delivered_by is not None:
            parts.append(f"delivered by {a.delivered_by} (proposed: {who})")
        return "Changed " + "; ".join(parts) + "."
    if a.status == "declined":
        return "Not in the clinician's plan."
    if a.status == "added":
        if a.catalogue_id is None:
            return "Not in the proposal: the clinician's own activity."
        if a.deferred_reason:
            return f"Not in the proposal, which deferred it: {a.deferred_reason}"
        return "Not in the proposal."
    return ""


def plan_rows(review: PlanReview, catalogue: Catalogue) -> list[PlanRow]:
    return [PlanRow(id=a.id, status=a.status, status_label=STATUS_LABEL[a.status], name=_name(catalogue, a),
                    who=_who(catalogue, a), goal=a.goal, departure=_departure(catalogue, a), reason=a.reason,
                    departs=a.departs)
            for a in review.activities]


def _user(text: str) -> str:
    return f"<bdi>{esc(text)}</bdi>"


def clinician_section(*, assessment: Assessment, result: AssessmentResult) -> str:
    """The clinician report's "The clinician's plan": the plan, and each departure with its reason."""
    if result.phase == "undetermined":
        return ""  # no proposal to decide on; the plan section says why
    catalogue = load_catalogue(result.instrument_version)
    review = review_plan(result.plan, assessment.clinician_plan)
    rows = plan_rows(review, catalogue)
    out = ["<section class='rm-clinician-plan'><h2>The clinician's plan</h2>"]
    if not review.reviewed:
        out.append(f"<p class='rm-note' data-plan='not-reviewed'><b>{esc(NOT_REVIEWED)}</b></p>")
    elif review.not_reviewed:
        out.append(f"<p class='rm-note'>{len(review.not_reviewed)} proposed "
                   f"{'activity is' if len(review.not_reviewed) == 1 else 'activities are'} not yet reviewed "
                   "and shown as proposed.</p>")
    kept = [r for r in rows if r.status != "declined"]
    if kept:
        body = []
        for r in kept:
            compared = esc(r.status_label)
            if r.departure:
                compared += f"<br>{esc(r.departure)}"
            if r.reason:
                compared += f"<br><i>Why:</i> {_user(r.reason)}"
            body.append(f"<tr data-plan-activity='{esc(r.id)}' data-status='{esc(r.status)}'>"
                        f"<td><b>{_user(r.name)}</b></td><td class='rm-small'>{esc(r.who)}</td>"
                        f"<td>{_user(r.goal) if r.goal else '–'}</td><td class='rm-small'>{compared}</td></tr>")
        out.append(f"<table>{colgroup(24, 28, 20, 28)}<tr><th>Activity</th><th>Who, where, how often</th>"
                   f"<th>Goal</th><th>Compared with the proposal</th></tr>{''.join(body)}</table>")
    else:
        out.append("<p>The clinician's plan holds no activity.</p>")
    declined = [r for r in rows if r.status == "declined"]
    if declined:
        items = "".join(f"<li data-plan-activity='{esc(r.id)}' data-status='declined'><b>{esc(r.name)}</b>: "
                        f"{_user(r.reason)}</li>" for r in declined)
        out.append(f"<p><b>Declined from the proposal</b></p><ul>{items}</ul>")
    if review.goals.strip():
        out.append(f"<p><b>Goals:</b> {_user(review.goals)}</p>")
    if review.reviewed:
        when = long_date(review.review_date.isoformat()) if review.review_date else "not set"
        out.append(f"<p><b>Plan review date:</b> {esc(when)}</p>")
    out.append("</section>")
    return "".join(out)


def family_section(*, assessment: Assessment, result: AssessmentResult) -> str:
    """The family summary's words about the plan: first suggestions, or the goals and review."""
    if result.phase == "undetermined":
        return ""
    view = family_plan(result=result, plan=assessment.clinician_plan)
    parts = [f"<section class='rm-family-plan'><h2>{esc(view.heading)}</h2>"]
    if view.not_reviewed:
        parts.append(f"<p data-plan='not-reviewed'>{esc(view.not_reviewed)}</p>")
    if view.goals:
        parts.append(f"<p>{_user(view.goals)}</p>")
    parts.append(f"<p>{esc(view.review)}</p></section>")
    return "".join(parts)
