"""Report sections of the clinician's own words (decision 0022).

The clinician report shows the formulation, the summary written for the family (so the
clinician's copy says what the family was told) and the comments on items, periods and
relational items; the family report shows only the summary written for the family.
Every text goes through `rootmap.render.markup`, which escapes it whole first.
"""

from __future__ import annotations

from rootmap.core.case import Assessment
from rootmap.instruments import Instrument
from rootmap.render._format import esc
from rootmap.render._labels import item_label, period_label
from rootmap.render.markup import notes_html

_SECTIONS = (("functioning", "Current functioning"), ("relational", "Current relational health"),
             ("history", "Developmental history"))


def _comment_label(instrument: Instrument, key: str) -> str:
    section, _, ident = key.partition(".")
    return period_label(instrument, ident) if section == "history" else item_label(instrument, ident)


def _ordered_keys(instrument: Instrument, section: str) -> list[str]:
    """The instrument's own order (the order of the entry page), not the order typed."""
    if section == "functioning":
        ids = [i.id for i in instrument.functioning_items]
    elif section == "relational":
        ids = [i.id for i in instrument.relational_items]
    else:
        ids = [p.id for p in instrument.periods]
    return [f"{section}.{i}" for i in ids]


def clinician_notes_section(assessment: Assessment, instrument: Instrument) -> str:
    """The formulation, the family's summary and item comments; '' when none was written."""
    notes = assessment.notes
    if notes is None or not (notes.formulation or notes.family_summary or notes.items):
        return ""
    out = ["<section class='rm-notes'><h2>Clinician's formulation and comments</h2>"]
    if notes.formulation:
        out.append(f"<div class='rm-formulation'>{notes_html(notes.formulation)}</div>")
    if notes.family_summary:
        out.append("<h3>Written for the family (printed in their summary)</h3>"
                   f"<div class='rm-family-note'>{notes_html(notes.family_summary)}</div>")
    for section, title in _SECTIONS:
        keys = [k for k in _ordered_keys(instrument, section) if notes.items.get(k)]
        if not keys:
            continue
        rows = "".join(f"<dt>{esc(_comment_label(instrument, k))}</dt><dd>{notes_html(notes.items[k])}</dd>"
                       for k in keys)
        out.append(f"<h3>Comments: {esc(title.lower())}</h3><dl class='rm-comments'>{rows}</dl>")
    out.append("</section>")
    return "".join(out)


def family_summary_section(assessment: Assessment) -> str:
    """The summary the clinician wrote for the family; '' when there is none."""
    notes = assessment.notes
    if notes is None or not notes.family_summary:
        return ""
    return ("<section class='rm-family-summary rm-keep'><h2>A note from your clinician</h2>"
            f"{notes_html(notes.family_summary)}</section>")
