"""Readable terminal summaries of scored case and household files (tables via rich)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from rootmap.core.bands import band_word
from rootmap.core.case import CaseFile, Household
from rootmap.core.display import PLACEHOLDER, number, signed_change
from rootmap.core.results import AssessmentResult, Delta, HouseholdResult
from rootmap.instruments import load_instrument
from rootmap.instruments.catalogue import load_catalogue

KIND_NAMES = {"full": "Full assessment", "follow_up": "Follow-up assessment", "er": "Rapid (ER) snapshot"}


def _delta(change: Delta) -> str:
    """The printed change (the difference of the printed values) and the model's label."""
    if change.label is None:
        return PLACEHOLDER
    return f"{signed_change(change.before, change.after)} ({change.label})"


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def print_case_summary(path: Path, case: CaseFile, result: AssessmentResult) -> None:
    instrument = load_instrument(result.instrument_version)
    catalogue = load_catalogue(result.instrument_version)
    items = instrument.items_by_id
    console = _console()
    name = case.client.display_name or case.client.id
    console.print(f"[bold]{name}[/bold] ({case.client.id}) — {KIND_NAMES[result.kind]} "
                  f"{result.assessment_id} of {result.date}, age {result.age_months // 12} y "
                  f"{result.age_months % 12} m   [dim]{path}[/dim]")

    headline = Table(title="Scores", title_justify="left", show_edge=False)
    for column in ("score", "value", "band"):
        headline.add_column(column)
    # Band words as the pages and reports print them; resilience has no bands in the model.
    headline.add_row("Developmental risk", number(result.developmental_risk),
                     band_word(result.risk_band) or PLACEHOLDER)
    headline.add_row("Functioning", number(result.functioning_index),
                     band_word(result.functioning_band) or PLACEHOLDER)
    headline.add_row("Relational health", number(result.relational_health),
                     band_word(result.relational_band) or PLACEHOLDER)
    headline.add_row("Resilience", number(result.resilience), "")
    if result.ace_count is not None:
        headline.add_row("ACE-style count", str(result.ace_count), "of 9")
    console.print(headline)

    domains = Table(title="Domains (bottom-up)", title_justify="left", show_edge=False)
    for column in ("region", "domain", "index", "band"):
        domains.add_column(column)
    for region in instrument.regions:
        found = result.domains[region.domain]
        band = band_word(found.band) if found.status == "ok" else found.status.replace("_", " ")
        domains.add_row(region.label, region.domain_label, number(found.index), band or PLACEHOLDER)
    console.print(domains)

    if result.period_risk:
        periods = Table(title="Risk by period", title_justify="left", show_edge=False)
        for column in ("period", "adversity", "relational health", "risk"):
            periods.add_column(column)
        for period in instrument.periods:
            if period.id not in result.period_risk:
                continue
            ratings = result.history.get(period.id, {})
            adversity = result.derived_adversity.get(period.id, ratings.get("adversity"))
            derived = " (from events)" if period.id in result.derived_adversity else ""
            peak = "  ← peak" if period.id == result.peak_period else ""
            periods.add_row(period.label, f"{adversity}{derived}", str(ratings.get("relational_health")),
                            f"{number(result.period_risk[period.id])}{peak}")
        console.print(periods)

    console.print("[bold]Strengths:[/bold] " + (", ".join(items[i].label for i in result.strengths) or "none rated 5"))
    console.print("[bold]Needs:[/bold] " + (", ".join(items[i].label for i in result.needs) or "none rated 0-2"))

    entry = next((r.label for r in instrument.regions if r.id == result.entry_region), None)
    if result.phase == "undetermined":
        from rootmap.render._labels import undetermined_text

        console.print("[bold]Starting point:[/bold] none — phase undetermined. "
                      + undetermined_text(instrument, result))
    else:
        console.print(f"[bold]Starting point:[/bold] {entry or 'no compromised region'} — phase {result.phase}")
    for phase in result.plan.phases:
        plan = Table(title=f"Plan: {phase.phase} — {phase.dose}", title_justify="left", show_edge=False)
        for column in ("#", "activity", "score", "because of"):
            plan.add_column(column)
        for n, rec in enumerate(phase.recommendations, start=1):
            drivers = ", ".join(items[d].label for d in rec.drivers)
            if rec.reason:
                drivers = f"{drivers}; {rec.reason}" if drivers else rec.reason
            plan.add_row(str(n), catalogue.entries_by_id[rec.id].name, number(rec.score), drivers)
        for deferred in phase.deferred:
            plan.add_row("later", catalogue.entries_by_id[deferred.id].name, "", deferred.reason)
        console.print(plan)
    if result.plan.stabilisation:
        console.print(f"[bold]Stabilise now:[/bold] {result.plan.stabilisation}")
    if result.plan.missing_information:
        console.print("[bold]Missing information:[/bold] " + ", ".join(result.plan.missing_information))
    if result.plan.progress:
        console.print(result.plan.progress)

    if result.change is not None:
        change = Table(title="Change", title_justify="left", show_edge=False)
        previous, baseline = result.change.previous, result.change.baseline
        change.add_column("score")
        change.add_column(f"since previous ({previous.assessment_id}, {previous.date})")
        change.add_column(f"since baseline ({baseline.assessment_id}, {baseline.date})")
        for key, label in (("developmental_risk", "Developmental risk"), ("functioning_index", "Functioning"),
                           ("relational_health", "Relational health"), ("resilience", "Resilience")):
            change.add_row(label, _delta(previous.headline[key]), _delta(baseline.headline[key]))
        for region in instrument.regions:
            change.add_row(region.domain_label, _delta(previous.domains[region.domain]),
                           _delta(baseline.domains[region.domain]))
        console.print(change)
    console.print(f"[dim]Rootmap's own clinical model, instrument version {result.instrument_version}[/dim]\n")


def print_household_summary(path: Path, household: Household, result: HouseholdResult) -> None:
    console = _console()
    carers = ", ".join(f"{c.name} ({c.role})" if c.role else c.name for c in household.caregivers)
    console.print(f"[bold]Household {household.id}[/bold] of {household.date}: {carers or 'no caregivers named'}"
                  f"   [dim]{path}[/dim]")
    table = Table(title="Caregiver challenge estimator", title_justify="left", show_edge=False)
    table.add_column("measure")
    table.add_column("value")
    table.add_row("Internal resources", number(result.internal))
    table.add_row("External resources", number(result.external))
    table.add_row("Resources", number(result.resources))
    for n, child in enumerate(result.children, start=1):
        who = f" ({child.client_id})" if child.client_id else ""
        table.add_row(f"Child {n}{who}, {child.age_months} months, ×{child.age_factor:g}", number(child.challenge))
    table.add_row("Demand", number(result.demand))
    table.add_row("[bold]Reserve[/bold]", f"[bold]{number(result.reserve)}[/bold] {band_word(result.reserve_band)}")
    console.print(table)
    console.print(f"[dim]Rootmap's own clinical model, instrument version {result.instrument_version}[/dim]\n")
