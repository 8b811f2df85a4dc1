"""The caregiver estimator report: resources, demand, reserve, and what-if results.

>>> html = household_report_html(household=h, result=score_household(h),
...                              what_ifs=[WhatIf("Respite raised to 3", what_if(h, ...))])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rootmap.core.case import Household, ratings_of
from rootmap.core.results import HouseholdResult
from rootmap.instruments import Instrument, current, load_instrument
from rootmap.instruments.model import LowerBand, RatedItem
from rootmap.render._format import age_text, change_text, esc, long_date, num, shorten
from rootmap.render._page import chip, colgroup, document
from rootmap.render.charts import reserve_chart_svg


@dataclass(frozen=True, slots=True)
class WhatIf:
    """One what-if scenario: what changed, in words, and the estimate it gives."""

    label: str
    result: HouseholdResult


@dataclass(frozen=True, slots=True)
class ReportChild:
    """How the report names one child, for a reader who may not see every child.

    The web application passes one per child (decision 0011): a child outside the reader's
    caseload is "A child, age N" with its ratings hidden unless a supervisor shared them.
    Its challenge still counts in the demand, so the estimate stays true.
    """

    label: str
    age: str
    ratings_shown: bool = True


def suggested_what_ifs(household: Household, instrument: Instrument | None = None) -> list[WhatIf]:
    """The report's default scenarios: each of the two lowest-rated resources raised one step,
    scored with `instrument` (a stored estimate's version) or the current one."""
    from rootmap.core.caregiving import what_if

    instrument = instrument or current()
    labels = {i.id: i.label for i in (*instrument.internal_items, *instrument.external_items)}
    ratings = {**ratings_of(household.internal), **ratings_of(household.external)}
    rated = [(value, n, item) for n, (item, value) in enumerate(ratings.items())
             if value is not None and value < 4]
    return [
        WhatIf(f"{labels.get(item, item)} raised from {value} to {value + 1}",
               what_if(household, raise_resources={item: value + 1}, instrument=instrument))
        for value, _n, item in sorted(rated)[:2]
    ]


def _user(text: str, limit: int | None = None) -> str:
    return f"<bdi>{esc(shorten(text, limit) if limit else text)}</bdi>"


def _caregivers(household: Household) -> str:
    if not household.caregivers:
        return "no caregiver named"
    return ", ".join(
        _user(c.name or "unnamed") + (f" ({_user(c.role)})" if c.role else "")
        for c in household.caregivers
    )


def _resource_table(title: str, items: Sequence[RatedItem], ratings: dict[str, int | None],
                    scale: dict[int, str], score: float | None) -> str:
    rows = []
    for item in items:
        value = ratings.get(item.id)
        word = "not rated" if value is None else f"{value} · {scale.get(value, '')}"
        anchor = "" if value is None else item.anchors.get(value, "")
        rows.append(f"<tr><td>{esc(item.label)}</td><td>{esc(word)}</td>"
                    f"<td class='rm-small'>{esc(anchor)}</td></tr>")
    return (f"<h3>{esc(title)}: {num(score)}</h3>"
            f"<table class='rm-keep'>{colgroup(28, 18, 54)}<tr><th>Item</th><th>Rating (0–4)</th><th>Anchor</th></tr>"
            f"{''.join(rows)}</table>")


def _children(instrument: Instrument, household: Household, result: HouseholdResult,
              shown: Sequence[ReportChild] | None = None) -> str:
    head = "".join(f"<th class='rm-num'>{esc(i.label)}</th>" for i in instrument.challenge_items)
    rows = []
    hidden = 0
    for n, (child, scored) in enumerate(zip(household.children, result.children, strict=False), 1):
        ratings = ratings_of(child.challenge)
        how = shown[n - 1] if shown is not None and n - 1 < len(shown) else None
        if how is not None and not how.ratings_shown:
            hidden += 1
            cells = (f"<td colspan='{len(instrument.challenge_items)}' class='rm-muted'>"
                     "not shared: outside your caseload</td>")
            total = "<td class='rm-num'>–</td>"
        else:
            cells = "".join(
                f"<td class='rm-num'>{'–' if ratings.get(i.id) is None else ratings[i.id]}</td>"
                for i in instrument.challenge_items
            )
            total = f"<td class='rm-num'><b>{num(scored.challenge)}</b></td>"
        if how is not None:
            who, age = _user(how.label), esc(how.age)
        else:
            who = f"Child {n}" + (f" ({_user(child.client_id)})" if child.client_id else "")
            age = esc(age_text(child.age_months))
        rows.append(f"<tr><td>{who}</td><td>{age}</td>{cells}"
                    f"<td class='rm-num'>{scored.age_factor:g}</td>{total}</tr>")
    if not rows:
        return "<p>No children in the household's care.</p>"
    note = ("<p class='rm-small rm-muted'>A child outside your caseload is not named; their "
            "challenge counts in the demand, so the estimate stays true.</p>") if hidden else ""
    return ("<table class='rm-small rm-dense'>" + colgroup(13, 11, 9, 9, 9, 9, 9, 9, 10, 12)
            + "<tr><th>Child</th><th>Age</th>" + head
            + "<th class='rm-num'>Age factor</th><th class='rm-num'>Challenge</th></tr>"
            + "".join(rows) + "</table>" + note)


def _what_if_table(result: HouseholdResult, what_ifs: Sequence[WhatIf]) -> str:
    if not what_ifs:
        return "<p>No what-if scenario was asked for.</p>"
    rows = [f"<tr><td><b>Now</b></td><td class='rm-num'>{num(result.resources)}</td>"
            f"<td class='rm-num'>{num(result.demand)}</td><td class='rm-num'>{num(result.reserve)}</td>"
            f"<td>{chip('reserve', result.reserve_band)}</td><td class='rm-num'>–</td></tr>"]
    for scenario in what_ifs:
        r = scenario.result
        rows.append(f"<tr><td>{_user(scenario.label)}</td><td class='rm-num'>{num(r.resources)}</td>"
                    f"<td class='rm-num'>{num(r.demand)}</td><td class='rm-num'>{num(r.reserve)}</td>"
                    f"<td>{chip('reserve', r.reserve_band)}</td>"
                    f"<td class='rm-num'>{change_text(result.reserve, r.reserve)}</td></tr>")
    return (f"<table class='rm-keep'>{colgroup(34, 13, 13, 13, 14, 13)}"
            "<tr><th>Scenario</th><th class='rm-num'>Resources</th>"
            "<th class='rm-num'>Demand</th><th class='rm-num'>Reserve</th><th>Band</th>"
            f"<th class='rm-num'>Change</th></tr>{''.join(rows)}</table>"
            "<p class='rm-small rm-muted'>What-ifs are estimates only; nothing is saved.</p>")


def _band_words(bands: Sequence[LowerBand]) -> str:
    words = []
    for n, band in enumerate(bands):
        if band.at_least is not None:
            words.append(f"{band.band} from {band.at_least:g}")
        elif n and bands[n - 1].at_least is not None:
            words.append(f"{band.band} below {bands[n - 1].at_least:g}")
        else:
            words.append(band.band)
    return ", ".join(words)


def household_report_html(
    *,
    household: Household,
    result: HouseholdResult,
    what_ifs: Sequence[WhatIf | tuple[str, HouseholdResult]] = (),
    children: Sequence[ReportChild] | None = None,
) -> str:
    """The caregiver estimator report of a household as a complete HTML document.

    `children`, one per child in order, names the children for a reader who may not see
    them all; without it a child is "Child N" and its `client_id`.
    """
    instrument = load_instrument(result.instrument_version)
    scenarios = [w if isinstance(w, WhatIf) else WhatIf(w[0], w[1]) for w in what_ifs]
    params = instrument.caregiver
    header = (f"<span class='rm-who'>Household {_user(household.id, 60)}</span> · caregivers "
              f"{_caregivers(household)} · estimate of {esc(long_date(household.date.isoformat()))}"
              " · Caregiver estimator report · Rootmap")
    footer = (f"Estimate from Rootmap's own clinical model (version {esc(result.instrument_version)}). "
              "A structured aid to a placement decision, not a verdict on a family.")
    facts = [
        ("Household", _user(household.id)),
        ("Date", esc(long_date(household.date.isoformat()))),
        ("Caregivers", _caregivers(household)),
        ("Reserve", f"{num(result.reserve)} {chip('reserve', result.reserve_band)}"),
        ("Resources (0–100)", f"{num(result.resources)} (internal {num(result.internal)}, "
                              f"external {num(result.external)})"),
        ("Demand", num(result.demand)),
        ("Children in care", str(len(household.children))),
    ]
    facts_html = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in facts)
    chart = reserve_chart_svg(instrument=instrument, result=result,
                              what_ifs=[(w.label, w.result) for w in scenarios])
    factors = ", ".join(
        (f"under {row.below} months × {row.factor:g}" if row.below is not None
         else f"older × {row.factor:g}") for row in params.age_factors
    )
    body = "".join([
        "<h1>Caregiver estimator report</h1>",
        f'<table class="rm-facts">{colgroup(32, 68)}{facts_html}</table>',
        f'<div class="rm-figure">{chart}</div>',
        "<h2>Resources</h2>",
        _resource_table("Internal resources", instrument.internal_items,
                        ratings_of(household.internal), params.scale, result.internal),
        _resource_table("External resources", instrument.external_items,
                        ratings_of(household.external), params.scale, result.external),
        "<h2>Demand: the children in care</h2>",
        "<p class='rm-small rm-muted'>Challenge items 0 none … 4 extreme.</p>",
        _children(instrument, household, result, children),
        f"<p>Demand = {params.demand_share:g} × the sum of the children's challenges = "
        f"<b>{num(result.demand)}</b>.</p>",
        "<h2>What if</h2>",
        _what_if_table(result, scenarios),
        "<h2>How the estimate is made</h2><p class='rm-small'>",
        "Internal and external resources are each 100 × the mean rating / 4; resources are their "
        f"mean. A child's challenge is 100 × the mean challenge rating / 4 × an age factor ({factors}),"
        f" capped at {params.challenge_cap:g}. Reserve = resources − demand. Bands: ",
        _band_words(params.reserve_bands),
        f". {footer}</p>",
    ])
    return document(title=f"Rootmap caregiver estimator report, {shorten(household.id, 60)}",
                    header=header, footer=footer, body=body, body_class="rm-household")


def household_report_pdf(
    *,
    household: Household,
    result: HouseholdResult,
    what_ifs: Sequence[WhatIf | tuple[str, HouseholdResult]] = (),
    children: Sequence[ReportChild] | None = None,
) -> bytes:
    """The same report as PDF bytes."""
    from rootmap.render.pdf import html_to_pdf

    return html_to_pdf(household_report_html(household=household, result=result, what_ifs=what_ifs,
                                             children=children))
