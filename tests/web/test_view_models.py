"""The assessment pages' view models, where they compute something.

Expected values are worked out by hand from instrument version 1 (items, ages, the
half-of-expected rule, the relational minimum of 4) and from the ratings given here.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from rootmap.core.results import result_from_json
from rootmap.instruments import load_instrument
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import results_context
from rootmap.web.assessments.services import assessment_create, assessment_finalise
from rootmap.web.assessments.view_models.entry import carried_history, entry_page, event_rows
from rootmap.web.assessments.view_models.finalise import finalise_summary
from rootmap.web.assessments.view_models.presentation import NeedsStep, StartStep, presentation_steps
from rootmap.web.assessments.view_models.results import domain_rows, headline, labelled_items
from rootmap.web.clients.models import Client
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

PASSWORD = "a long enough password 42"
V1 = load_instrument("1")


@pytest.fixture
def clinician(db: Any) -> User:
    org = Organisation.objects.create(name="Riverside")
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


def _client(clinician: User, birth: dt.date) -> Client:
    client = Client.objects.create(organisation=clinician.organisation, reference="C-1", display_name="Sam",
                                   birth_date=birth)
    client.clinicians.set([clinician])
    return client


# --- Finalise: what is still unrated ------------------------------------------------------

def test_the_finalise_summary_counts_expected_items_by_age_and_flags_short_domains(clinician):
    # Born 2022-08-03, assessed 2025-02-03: 30 months. Cognitive items expected by then:
    # receptive (6), expressive (12), concrete reasoning (24), impulse control (24): 4 of 8.
    client = _client(clinician, dt.date(2022, 8, 3))
    draft = assessment_create(client=client, kind="full", date=dt.date(2025, 2, 3), user=clinician)
    draft.inputs["functioning"] = {"receptive_language": 3, "sleep": 2}
    draft.inputs["relational"] = {"caregiver_connection": 3, "home_stability": 2, "kin_connection": 1}
    summary = finalise_summary(draft)

    assert summary.age == 30
    by_label = {d.label: d for d in summary.domains}
    assert [(d.expected, d.rated) for d in summary.domains] == [(8, 1), (8, 0), (8, 0), (4, 1)]
    # 1 rated of 4 expected is below half: too few. Sensory: 1 of 8, also too few.
    assert by_label["Cognitive"].insufficient and by_label["Sensory integration"].insufficient
    assert by_label["Cognitive"].unrated == ("Expressive language", "Concrete reasoning", "Impulse control")
    # Three relational items rated; four are needed for a score.
    assert (summary.relational_rated, summary.relational_total, summary.relational_insufficient) == (3, 6, True)


def test_exactly_half_of_a_domain_rated_is_enough_and_four_relational_items_are_enough(clinician):
    client = _client(clinician, dt.date(2022, 8, 3))
    draft = assessment_create(client=client, kind="full", date=dt.date(2025, 2, 3), user=clinician)
    draft.inputs["functioning"] = {"receptive_language": 3, "expressive_language": 2}  # 2 of 4
    draft.inputs["relational"] = {"caregiver_connection": 3, "home_stability": 2, "kin_connection": 1,
                                  "peer_connection": 0}
    summary = finalise_summary(draft)
    cognitive = next(d for d in summary.domains if d.label == "Cognitive")
    assert (cognitive.rated, cognitive.expected, cognitive.insufficient) == (2, 4, False)
    assert summary.relational_insufficient is False


# --- Entry: carried history and events ------------------------------------------------------

def _earlier(kind: str, reference: str, history: dict[str, Any] | None) -> Any:
    return SimpleNamespace(kind=kind, reference=reference, inputs={"history": history})


def test_carried_history_keeps_the_latest_rating_given_and_where_it_came_from():
    carried = carried_history([
        _earlier("full", "A-1", {"infancy": {"adversity": 3, "relational_health": 1}}),
        _earlier("follow_up", "A-2", {"infancy": {"adversity": 1, "relational_health": None}}),  # null keeps A-1's
        _earlier("er", "A-3", None),  # a snapshot has no history and changes nothing
    ])
    assert carried == {"infancy": {"adversity": (1, "A-2"), "relational_health": (1, "A-1")}}


def test_a_later_full_assessment_starts_the_carried_history_afresh():
    # Scoring carries nothing across a full assessment; the entry page must not either.
    carried = carried_history([
        _earlier("full", "A-1", {"perinatal": {"adversity": 4, "relational_health": 0}}),
        _earlier("full", "A-2", {"infancy": {"adversity": 2, "relational_health": 3}}),
    ])
    assert carried == {"infancy": {"adversity": (2, "A-2"), "relational_health": (3, "A-2")}}


def test_an_event_counts_from_its_onset_month_on():
    # Born 2023-01-10, assessed 2025-07-10: 30 months.
    client = SimpleNamespace(birth_date=dt.date(2023, 1, 10), events=[
        {"category": "neglect", "onset_months": 31, "severity": 2},
        {"category": "neglect", "onset_months": 30, "severity": 3},
    ])
    rows = event_rows(client, V1, dt.date(2025, 7, 10))
    assert [(r.onset, r.counted) for r in rows] == [(30, True), (31, False)]


def test_a_follow_up_folds_the_periods_it_carries_and_opens_a_newly_reached_one(clinician):
    # Born 2021-01-05. The full assessment at 2024-12-05 (47 months) reaches early
    # childhood, not childhood; the follow-up at 2025-02-05 (49 months) reaches childhood.
    client = _client(clinician, dt.date(2021, 1, 5))
    full = assessment_create(client=client, kind="full", date=dt.date(2024, 12, 5), user=clinician)
    ratings = {k: v for k, v in FUNCTIONING.items() if V1.items_by_id[k].min_age_months <= 47}
    full.inputs.update(functioning=ratings, relational=dict(RELATIONAL), history={
        "perinatal": {"adversity": 2, "relational_health": 3},
        "infancy": {"adversity": 1, "relational_health": 3},
        "early_childhood": {"adversity": 3, "relational_health": 2}})
    full.save()
    assessment_finalise(assessment=full, user=clinician, password=PASSWORD)
    follow_up = assessment_create(client=client, kind="follow_up", date=dt.date(2025, 2, 5), user=clinician)

    page = entry_page(follow_up)
    assert page.age == 49
    assert [(p.period.id, p.folded, p.new) for p in page.periods] == [
        ("perinatal", True, False), ("infancy", True, False), ("early_childhood", True, False),
        ("childhood", False, True)]
    assert page.periods[2].summary == "adversity 3 severe; relational health 2 mixed"
    assert page.periods[0].ratings[0].carried == "2 moderate (from A-1)"
    assert page.carried_from == ["A-1"]
    # A value typed on a refused form opens the period it belongs to again.
    reopened = entry_page(follow_up, values={"history.infancy.adversity": "2"})
    assert [p.folded for p in reopened.periods][:2] == [True, False]


# --- Results and presentation ---------------------------------------------------------------

def test_the_functioning_headline_band_starts_at_its_lower_bound():
    def band(index: float) -> str | None:
        result = result_from_json({"kind": "full", "functioning_index": index, "instrument_version": "1"})
        return next(h.band for h in headline(V1, result) if h.key == "functioning_index")

    # Version 1: typical from 87.5, mild from 62.5, moderate from 37.5, severe below.
    assert [band(87.5), band(87.4), band(62.5), band(37.4)] == ["typical", "mild", "mild", "severe"]


def test_a_snapshot_headline_has_no_developmental_risk_row():
    keys = [h.key for h in headline(V1, result_from_json({"kind": "er", "instrument_version": "1"}))]
    assert keys == ["functioning_index", "relational_health", "resilience"]


def test_the_resilience_card_does_not_repeat_its_scale_note_as_a_loose_caption():
    # It read "... it weighs current against historical relational health." and under it
    # "current and historical relational health", a fragment that looked left over.
    def note(kind: str) -> str:
        result = result_from_json({"kind": kind, "resilience": 50.0, "instrument_version": "1"})
        return next(h.note for h in headline(V1, result) if h.key == "resilience")

    assert note("full") == ""
    assert "a snapshot has no history" in note("er")


def test_labelled_items_name_a_rating_of_zero_with_its_word():
    items = labelled_items(V1, ["sleep", "fine_motor"], {"sleep": 0})
    assert [(i.label, i.rating, i.word, i.region) for i in items] == [
        ("Sleep", 0, "profound", "brainstem"), ("Fine motor skills", None, "", "diencephalon")]


def test_a_domain_the_result_does_not_hold_reads_not_expected():
    result = result_from_json({"domains": {"sensory_integration": {"index": 50.0, "band": "moderate"}},
                               "instrument_version": "1"})
    rows = domain_rows(V1, result)
    assert [(r.label, r.status) for r in rows] == [
        ("Sensory integration", "ok"), ("Self-regulation", "not_expected"),
        ("Relational", "not_expected"), ("Cognitive", "not_expected")]


def test_the_presentation_shows_four_needs_per_level_and_counts_the_rest(clinician):
    # The sample ratings of a 105-month-old: needs are the items rated 0 to 2. Counted by
    # hand per region: brainstem 7, diencephalon 5, limbic 7, cortex 3.
    client = _client(clinician, dt.date(2016, 4, 11))
    draft = assessment_create(client=client, kind="full", date=dt.date(2025, 2, 3), user=clinician)
    draft.inputs.update(functioning=dict(FUNCTIONING), relational=dict(RELATIONAL), history={
        "perinatal": {"adversity": 3, "relational_health": 1}, "infancy": {"adversity": 2, "relational_health": 1},
        "early_childhood": {"adversity": 3, "relational_health": 2},
        "childhood": {"adversity": 2, "relational_health": 3}})
    draft.save()
    final = assessment_finalise(assessment=draft, user=clinician, password=PASSWORD)
    steps = presentation_steps(final, results_context(Assessment.objects.get(pk=final.pk)))

    needs = next(s for s in steps if isinstance(s, NeedsStep))
    assert [(len(g.items), g.more) for g in needs.groups] == [(4, 3), (4, 1), (4, 3), (3, 0)]
    start = next(s for s in steps if isinstance(s, StartStep))
    assert start.phase == final.result["phase"] and start.phase_label != "Not known yet"
    assert [s.kind for s in steps][:5] == ["intro", "map", "strengths", "needs", "start"]
    assert steps[-1].kind == "close"
