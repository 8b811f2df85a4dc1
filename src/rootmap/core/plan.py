"""The sequenced plan: from a scored profile to which activities, in which order, and why.

Implements clinical-model.md section 6. Work starts at the lowest compromised region
(regulate, then relate, then reason); each phase recommends the catalogue entries that
meet the child's greatest needs, lists what is not yet suitable as deferred with the
reason, and carries the dose guidance for that phase.

The engine is pure and deterministic: no I/O, no clock, no randomness, and every number
comes from the instrument or the catalogue. It runs thousands of times a second in batch
scoring, so everything that depends only on the instrument and the catalogue is compiled
once per pair into plain tuples and dicts, and no pydantic model is touched per call.

>>> from rootmap.instruments import load_instrument
>>> from rootmap.instruments.catalogue import load_catalogue
>>> from rootmap.core.results import DomainResult
>>> instrument, catalogue = load_instrument("1"), load_catalogue("1")
>>> ok = DomainResult(index=100.0, band="typical", status="ok")
>>> domains = {d: ok for d in instrument.domain_ids}
>>> ratings = {i: 4 for i in instrument.item_ids}
>>> build_plan(instrument=instrument, catalogue=catalogue, kind="full", age_months=120,
...            ratings=ratings, domains=domains, relational_health=80.0, interests=())[:2]
(None, 'maintain')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from rootmap.core.ages import age_in_words
from rootmap.core.display import number
from rootmap.core.results import Deferral, DomainResult, Phase, Plan, PlanPhase, Recommendation
from rootmap.instruments.catalogue import Catalogue, Messages, Prerequisite
from rootmap.instruments.model import Instrument

__all__ = ["KINDS", "build_plan"]

KINDS: Final = ("full", "follow_up", "er")
_MAINTAIN: Final = "maintain"
_UNDETERMINED: Final = "undetermined"


# ---------------------------------------------------------------------------------------
# Compiled form of an (instrument, catalogue) pair


@dataclass(frozen=True, slots=True)
class _MinAge:
    months: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class _MinRating:
    item: str
    value: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class _MinIndex:
    thresholds: tuple[tuple[str, float], ...]  # (domain id, lowest index that passes)
    reason: str | None


_Prerequisite = _MinAge | _MinRating | _MinIndex
_AGES_MAX = 1024


@dataclass(frozen=True, slots=True)
class _Entry:
    id: str
    order: int  # catalogue position: breaks ties between equal scores
    age_min: int
    age_max: int
    targets: tuple[str, ...]  # in instrument item order, so driver ties follow it
    zeros: tuple[int, ...]  # one 0 per target: the defaults `map(need.get, ...)` pairs them with
    tags: frozenset[str]  # casefolded
    prerequisites: tuple[_Prerequisite, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    entries_by_phase: dict[str, tuple[_Entry, ...]]  # catalogue order
    entries_by_id: dict[str, _Entry]
    phases: tuple[Phase, ...]  # regulate, relate, reason
    regions: tuple[tuple[str, str, tuple[str, ...]], ...]  # (region, domain, items), bottom-up
    region_rank: dict[str, int]
    phase_of_region: dict[str, Phase]
    domain_ids: tuple[str, ...]
    item_order: dict[str, int]
    item_label: dict[str, str]
    item_region: dict[str, str]
    scale: dict[int, str]
    need_max: int  # ratings above this count as no need (a strength is typical)
    index_below: float  # a region is compromised below this domain index...
    item_at_most: int  # ...or when any of its items is rated at most this
    need_max_rating: int  # items rated at most this are needs (stabilisation line)
    top_n: int
    drivers: int
    interest_bonus: float
    er_limit: int
    stabilisation_items: int
    relational_below: float
    relational_entries: tuple[str, ...]
    relational_reason: str
    doses: dict[str, str]
    messages: Messages
    # Text lookups keyed by plain strings, copied out of the messages once.
    phase_names: dict[str, str]
    region_names: dict[str, str]
    domain_names: dict[str, str]
    status_names: dict[str, str]
    stabilisation_hints: dict[str, str]
    # Per age in months: each phase's entries whose age range holds it, in catalogue order.
    # Filled on first use: ages repeat across assessments (a few hundred supported ages).
    entries_at_age: dict[int, dict[str, tuple[_Entry, ...]]]

    def entries_for(self, phase: str, age_months: int) -> tuple[_Entry, ...]:
        by_phase = self.entries_at_age.get(age_months)
        if by_phase is None:
            if len(self.entries_at_age) >= _AGES_MAX:  # only odd callers pass so many ages
                self.entries_at_age.clear()
            by_phase = self.entries_at_age[age_months] = {
                p: tuple(e for e in entries if e.age_min <= age_months <= e.age_max)
                for p, entries in self.entries_by_phase.items()
            }
        return by_phase[phase]


def _compile_prerequisites(prerequisites: Sequence[Prerequisite]) -> tuple[_Prerequisite, ...]:
    compiled: list[_Prerequisite] = []
    for p in prerequisites:  # the catalogue guarantees exactly one condition each
        if p.min_age_months is not None:
            compiled.append(_MinAge(p.min_age_months, p.reason))
        elif p.min_rating is not None:
            compiled.append(_MinRating(p.min_rating.item, p.min_rating.value, p.reason))
        elif p.min_domain_index is not None:
            compiled.append(_MinIndex(tuple(p.min_domain_index.items()), p.reason))
    return tuple(compiled)


def _compile_pair(instrument: Instrument, catalogue: Catalogue) -> _Compiled:
    if catalogue.version != instrument.version:
        raise ValueError(f"catalogue version {catalogue.version} does not match instrument {instrument.version}")
    item_order = {item_id: n for n, item_id in enumerate(instrument.item_ids)}
    phase_of_region: dict[str, Phase] = {r.id: r.phase for r in instrument.regions}
    entries: list[_Entry] = []
    phases_of_entry: list[set[str]] = []
    for n, e in enumerate(catalogue.entries):
        entries.append(
            _Entry(
                id=e.id,
                order=n,
                age_min=e.age_months.min,
                age_max=e.age_months.max,
                targets=tuple(sorted(e.target_items, key=item_order.__getitem__)),
                zeros=(0,) * len(e.target_items),
                tags=frozenset(t.casefold() for t in e.interest_tags),
                prerequisites=_compile_prerequisites(e.prerequisites),
            )
        )
        phases_of_entry.append({phase_of_region[r] for r in e.regions})
    rule = catalogue.rules.relational_health
    return _Compiled(
        entries_by_phase={
            phase: tuple(e for e, ps in zip(entries, phases_of_entry, strict=True) if phase in ps)
            for phase in instrument.phases
        },
        entries_by_id={e.id: e for e in entries},
        phases=tuple(instrument.phases),
        regions=tuple(
            (r.id, r.domain, tuple(i.id for i in instrument.functioning_items if i.region == r.id))
            for r in instrument.regions
        ),
        region_rank={r.id: n for n, r in enumerate(instrument.regions)},
        phase_of_region=phase_of_region,
        domain_ids=instrument.domain_ids,
        item_order=item_order,
        item_label={i.id: i.label for i in instrument.functioning_items},
        item_region={i.id: i.region for i in instrument.functioning_items},
        scale=dict(instrument.functioning_scale),
        need_max=instrument.functioning_max_counted,
        index_below=instrument.compromised.index_below,
        item_at_most=instrument.compromised.any_item_at_most,
        need_max_rating=instrument.need_max_rating,
        top_n=catalogue.rules.top_n,
        drivers=catalogue.rules.drivers,
        interest_bonus=catalogue.rules.interest_bonus,
        er_limit=catalogue.rules.er_limit,
        stabilisation_items=catalogue.rules.stabilisation_items,
        relational_below=rule.below,
        relational_entries=rule.entries,
        relational_reason=rule.reason,
        doses=dict(catalogue.doses.items()),
        messages=catalogue.messages,
        phase_names=dict(catalogue.messages.phases.items()),
        region_names=dict(catalogue.messages.regions.items()),
        domain_names=dict(catalogue.messages.domains.items()),
        status_names=dict(catalogue.messages.status.items()),
        stabilisation_hints=dict(catalogue.messages.stabilisation_hints.items()),
        entries_at_age={},
    )


# Instruments and catalogues are loaded once and never change, so a pair is compiled once.
# Keyed by identity (the pydantic models hold dicts and are not hashable); the stored
# objects keep the ids from being reused while the entry lives.
_COMPILED: dict[tuple[int, int], tuple[Instrument, Catalogue, _Compiled]] = {}
_COMPILED_MAX = 32


def _compiled(instrument: Instrument, catalogue: Catalogue) -> _Compiled:
    key = (id(instrument), id(catalogue))
    hit = _COMPILED.get(key)
    if hit is not None and hit[0] is instrument and hit[1] is catalogue:
        return hit[2]
    compiled = _compile_pair(instrument, catalogue)
    if len(_COMPILED) >= _COMPILED_MAX:  # only tests build many pairs; keep memory bounded
        _COMPILED.clear()
    _COMPILED[key] = (instrument, catalogue, compiled)
    return compiled


# ---------------------------------------------------------------------------------------
# Plain-language texts


def _sentence(parts: list[str]) -> str:
    text = ". ".join(parts)
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _explain(reason: str | None, detail: str) -> str:
    return f"{reason}: {detail}" if reason else detail


def _failures(
    c: _Compiled,
    entry: _Entry,
    age_months: int,
    ratings: Mapping[str, int | None],
    domains: Mapping[str, DomainResult],
) -> list[str]:
    """Why an entry is not suitable yet, one text per failed prerequisite (empty: suitable)."""
    m = c.messages
    failed: list[str] = []
    for p in entry.prerequisites:
        if isinstance(p, _MinAge):
            if age_months < p.months:
                detail = m.age_below.format(min_age=age_in_words(p.months), age=age_in_words(age_months))
                failed.append(_explain(p.reason, detail))
        elif isinstance(p, _MinRating):
            rating = ratings.get(p.item)
            label = c.item_label[p.item]
            if rating is None:
                # Unknown is not ready: an unrated condition cannot be shown to hold.
                failed.append(_explain(p.reason, m.rating_unknown.format(item=label)))
            elif rating < p.value:
                detail = m.rating_below.format(
                    item=label,
                    rating=rating,
                    rating_word=c.scale[rating],
                    value=p.value,
                    value_word=c.scale[p.value],
                )
                failed.append(_explain(p.reason, detail))
        else:
            details: list[str] = []
            for domain, threshold in p.thresholds:
                result = domains.get(domain)
                name = c.domain_names[domain]
                if result is None or result.status != "ok" or result.index is None:
                    # Not judged counts as not ready; say why it could not be judged.
                    expected = result is None or result.status != "not_expected"
                    status = c.status_names["insufficient" if expected else "not_expected"]
                    details.append(m.index_unknown.format(domain=name, status=status))
                elif result.index < threshold:
                    details.append(
                        m.index_below.format(domain=name, index=number(result.index), threshold=f"{threshold:g}")
                    )
            if details:
                failed.append(_explain(p.reason, "; ".join(details)))
    return failed


def _stabilisation(c: _Compiled, ratings: Mapping[str, int | None]) -> str:
    """One line naming the lowest-rated needs (ties: bottom-up item order)."""
    lowest = sorted(
        (rating, c.item_order[item], item)
        for item, rating in ratings.items()
        if rating is not None and rating <= c.need_max_rating
    )[: c.stabilisation_items]
    m = c.messages
    if not lowest:
        return m.stabilisation_none
    items = ", ".join(f"{c.item_label[item]} ({c.scale[rating]})" for rating, _, item in lowest)
    hint = c.stabilisation_hints[c.item_region[lowest[0][2]]]
    return m.stabilisation.format(items=items, hint=hint)


def _progress(
    c: _Compiled,
    before: str | None,
    after: str | None,
    phase: Phase,
    *,
    before_undetermined: bool = False,
    missing: tuple[str, ...] = (),
) -> str:
    """How the entry point moved since the previous assessment (None: nothing compromised).

    When either side is undetermined there is no entry point to compare, and the line says
    so rather than reading "no compromised region" as a move.
    """
    if before is not None and before not in c.region_rank:
        raise ValueError(f"unknown previous entry region {before!r}")
    m = c.messages
    if phase == _UNDETERMINED:
        previous = (c.phase_names[_UNDETERMINED] if before_undetermined
                    else c.region_names[before or "none"])
        domains = ", ".join(c.domain_names[d] for d in missing) or "every domain"
        return m.progress_undetermined_now.format(before=previous, domains=domains)
    if before_undetermined:
        return m.progress_undetermined_before.format(after=c.region_names[after or "none"],
                                                     phase=c.phase_names[phase])
    top = len(c.region_rank)  # nothing compromised ranks above the cortex
    rank_before = top if before is None else c.region_rank[before]
    rank_after = top if after is None else c.region_rank[after]
    if rank_after > rank_before:
        phase_before = _MAINTAIN if before is None else c.phase_of_region[before]
        template = m.progress_up_phase if phase != phase_before else m.progress_up_region
    elif rank_after < rank_before:
        template = m.progress_down
    else:
        template = m.progress_same
    return template.format(
        before=c.region_names[before or "none"],
        after=c.region_names[after or "none"],
        phase=c.phase_names[phase],
    )


# ---------------------------------------------------------------------------------------
# The engine


def _entry_region(
    c: _Compiled, ratings: Mapping[str, int | None], domains: Mapping[str, DomainResult]
) -> tuple[str | None, bool]:
    """The first compromised region bottom-up, and whether the walk could judge that far.

    Returns (region, True) at the first compromised region, (None, True) when every expected
    region was judged and none is compromised, and (None, False) when a region that could
    not be judged (too few items rated) comes before any compromised one: then nobody can
    say where to start (clinical model, section 6: `undetermined`).
    """
    for region, domain, items in c.regions:
        result = domains.get(domain)
        if result is not None and result.status == "not_expected":
            continue  # nothing is expected of this region yet at this age
        # Insufficient, or missing from `domains`: not judged, so the walk cannot pass it.
        if result is None or result.status != "ok" or result.index is None:
            return None, False
        if result.index < c.index_below:
            return region, True
        for item in items:
            rating = ratings.get(item)
            if rating is not None and rating <= c.item_at_most:
                return region, True
    return None, True


def build_plan(
    *,
    instrument: Instrument,
    catalogue: Catalogue,
    kind: str,
    age_months: int,
    ratings: Mapping[str, int | None],
    domains: Mapping[str, DomainResult],
    relational_health: float | None,
    interests: Sequence[str],
    previous_entry_region: str | None = None,
    previous_undetermined: bool = False,
) -> tuple[str | None, Phase, Plan]:
    """The entry region, the starting phase and the sequenced plan of one assessment.

    `ratings` holds the expected items only; `domains` is keyed by domain id. For a
    `follow_up`, `previous_entry_region` is the previous assessment's entry region (None
    when nothing was compromised then, or when it was undetermined:
    `previous_undetermined=True` says which).

    The phase is `undetermined`, with no entry region and an empty plan, when a domain too
    sparsely rated to judge comes before any compromised region (section 6).
    """
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} has no plan; expected one of {KINDS}")
    c = _compiled(instrument, catalogue)
    missing = tuple(d for d in c.domain_ids if (r := domains.get(d)) is not None and r.status == "insufficient")
    entry_region, judged = _entry_region(c, ratings, domains)
    phase: Phase = (
        c.phase_of_region[entry_region] if entry_region is not None
        else _MAINTAIN if judged
        else _UNDETERMINED
    )
    er = kind == "er"
    # An undetermined snapshot has no plan, so no stabilisation line either: with almost
    # nothing rated, "no rated item shows more than mild difficulty" would read as reassurance.
    stabilisation = _stabilisation(c, ratings) if er and phase != _UNDETERMINED else None
    progress = (
        _progress(c, previous_entry_region, entry_region, phase,
                  before_undetermined=previous_undetermined, missing=missing)
        if kind == "follow_up" else None
    )
    if entry_region is None:
        return (
            None,
            phase,
            Plan(
                abridged=er,
                stabilisation=stabilisation,
                missing_information=missing,
                progress=progress,
            ),
        )

    need_max = c.need_max
    # Only positive needs are kept: a missing item reads as 0 (`need_of(i, 0)`), so the dict
    # stays small and `i in need` says "this item is a need" without a comparison.
    need = {item: need_max - r for item, r in ratings.items() if r is not None and r < need_max}
    wanted = frozenset(s.strip().casefold() for s in interests)
    relational_low = relational_health is not None and relational_health < c.relational_below
    need_of = need.get
    bonus = c.interest_bonus

    def score_of(entry: _Entry) -> float:
        # map over need.get with a precomputed tuple of zero defaults runs in C: this is the
        # hottest line of scoring (every catalogue entry, every phase, every assessment; issue 15).
        score = float(sum(map(need_of, entry.targets, entry.zeros)))
        if entry.tags and not entry.tags.isdisjoint(wanted):
            score *= bonus
        return score

    def recommend(entry: _Entry, reason: str | None = None, score: float | None = None) -> Recommendation:
        drivers = [i for i in entry.targets if i in need]
        # Stable even reversed: equal needs keep instrument item order.
        drivers.sort(key=need.__getitem__, reverse=True)
        return Recommendation(entry.id, score_of(entry) if score is None else score,
                              tuple(drivers[: c.drivers]), reason)

    start = c.phases.index(phase)
    plan_phases = c.phases[start : start + 1] if er else c.phases[start:]
    used: set[str] = set()  # recommended or deferred in an earlier phase
    built: list[PlanPhase] = []
    for n, plan_phase in enumerate(plan_phases):
        ranked: list[tuple[float, int, _Entry]] = []
        deferred: list[Deferral] = []
        for entry in c.entries_for(plan_phase, age_months):  # those whose age range holds the age
            if entry.id in used:
                continue
            if entry.prerequisites:
                failed = _failures(c, entry, age_months, ratings, domains)
                if failed:
                    deferred.append(Deferral(entry.id, _sentence(failed)))
                    continue
            score = score_of(entry)
            if score > 0:
                ranked.append((-score, entry.order, entry))
        # Highest score first, ties in catalogue order (orders are unique: entries never compare).
        ranked.sort()
        # Drivers are worked out for the chosen few only: this runs for every assessment scored.
        top = [recommend(entry, None, -negative) for negative, _, entry in ranked[: c.top_n]]
        if n == 0 and relational_low:
            top = _with_relational_additions(c, top, age_months, ratings, domains, recommend, er)
        elif er:
            top = top[: c.er_limit]
        used.update(r.id for r in top)
        used.update(d.id for d in deferred)
        built.append(PlanPhase(plan_phase, c.doses[plan_phase], tuple(top), tuple(deferred)))

    return (
        entry_region,
        phase,
        Plan(
            phases=tuple(built),
            abridged=er,
            stabilisation=stabilisation,
            missing_information=missing,
            progress=progress,
        ),
    )


def _with_relational_additions(
    c: _Compiled,
    top: list[Recommendation],
    age_months: int,
    ratings: Mapping[str, int | None],
    domains: Mapping[str, DomainResult],
    recommend: Callable[[_Entry, str | None, float | None], Recommendation],
    er: bool,
) -> list[Recommendation]:
    """Low relational health adds the rule's entries to the first phase, after its top picks.

    An entry is added only when nothing holds it back (its age range and prerequisites
    pass); one that is already recommended stays where it ranked. In an `er` plan the
    additions count towards the limit and are kept first: in a crisis a safe adult is the
    first stabiliser, so the lowest-ranked picks make room for them.
    """
    present = {r.id for r in top}
    additions: list[Recommendation] = []
    for entry_id in c.relational_entries:
        entry = c.entries_by_id[entry_id]
        if entry_id in present or not entry.age_min <= age_months <= entry.age_max:
            continue
        if entry.prerequisites and _failures(c, entry, age_months, ratings, domains):
            continue
        additions.append(recommend(entry, c.relational_reason, None))
    if not er:
        return top + additions
    rule = set(c.relational_entries)
    additions = additions[: c.er_limit]
    room = max(0, c.er_limit - len(additions) - sum(r.id in rule for r in top))
    kept: list[Recommendation] = []
    for rec in top:
        if rec.id in rule:
            kept.append(rec)
        elif room > 0:
            kept.append(rec)
            room -= 1
    return (kept + additions)[: c.er_limit]
