"""Worked examples of the clinician's plan beside the engine's proposal (decision 0023)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from rootmap.core.case import CaseFile, CaseFileError, parse_case
from rootmap.core.clinician_plan import (
    ActivityDecision,
    AddedActivity,
    ClinicianPlan,
    Dose,
    dose_text,
    plan_problems,
    review_plan,
)
from rootmap.core.results import AssessmentResult, Deferral, Plan, PlanPhase, Recommendation
from rootmap.instruments.catalogue import load_catalogue

CATALOGUE = load_catalogue("1")
DAY = dt.date(2026, 1, 20)

# A proposal written out by hand: two phases, one deferral.
PROPOSAL = Plan(phases=(
    PlanPhase("relate", "daily", (Recommendation("caregiver_coaching", 9.0, ("attachment_security",)),
                                  Recommendation("music", 6.0, ("self_soothing",))),
              (Deferral("mentoring", "Suitable from 6 years, and the child is 5 years."),)),
    PlanPhase("reason", "weekly", (Recommendation("tf_cbt", 4.0, ("impulse_control",)),), ()),
))


def statuses(plan: ClinicianPlan | None) -> list[tuple[str, str, bool]]:
    return [(a.id, a.status, a.departs) for a in review_plan(PROPOSAL, plan).activities]


def test_no_plan_is_the_proposal_not_yet_reviewed() -> None:
    review = review_plan(PROPOSAL, None)
    assert not review.reviewed
    assert statuses(None) == [("caregiver_coaching", "not_reviewed", False), ("music", "not_reviewed", False),
                              ("tf_cbt", "not_reviewed", False)]
    assert review.departures == ()
    assert [a.id for a in review.in_plan] == ["caregiver_coaching", "music", "tf_cbt"]


def test_accept_edit_decline_and_add_each_say_whether_they_depart() -> None:
    plan = ClinicianPlan(
        decisions={
            "caregiver_coaching": ActivityDecision(decision="accept"),
            "music": ActivityDecision(decision="edit", reason="School has a choir", setting="school",
                                      dose=Dose(times=2, per="week", minutes=40)),
            "tf_cbt": ActivityDecision(decision="decline", reason="Not while placement is unsettled"),
        },
        added=[AddedActivity(catalogue_id="mentoring", reason="Uncle offered to mentor"),
               AddedActivity(name="Swimming club", delivered_by="caregiver", setting="community",
                             dose=Dose(times=1, per="week"))],
    )
    assert statuses(plan) == [
        ("caregiver_coaching", "accepted", False),
        ("music", "edited", True),
        ("tf_cbt", "declined", True),
        ("mentoring", "added", True),
        ("own-2", "added", True),
    ]
    review = review_plan(PROPOSAL, plan)
    music = review.activities[1]
    assert music.changes == ("dose", "setting")
    assert music.reason == "School has a choir"
    # An addition the proposal deferred keeps the engine's reason beside the clinician's.
    assert review.activities[3].deferred_reason == "Suitable from 6 years, and the child is 5 years."
    assert review.activities[4].deferred_reason is None
    assert [a.id for a in review.in_plan] == ["caregiver_coaching", "music", "mentoring", "own-2"]
    assert review.stale == ()


def test_a_partly_reviewed_plan_leaves_the_rest_not_reviewed() -> None:
    plan = ClinicianPlan(decisions={"music": ActivityDecision(decision="accept")})
    review = review_plan(PROPOSAL, plan)
    assert review.reviewed
    assert [a.id for a in review.not_reviewed] == ["caregiver_coaching", "tf_cbt"]


def test_goals_or_a_review_date_alone_count_as_reviewed() -> None:
    assert review_plan(PROPOSAL, ClinicianPlan(goals="Settle at home")).reviewed
    assert review_plan(PROPOSAL, ClinicianPlan(review_date=DAY)).reviewed
    assert not review_plan(PROPOSAL, ClinicianPlan(goals="   ")).reviewed


def test_a_decision_on_an_activity_no_longer_proposed_is_stale() -> None:
    plan = ClinicianPlan(decisions={"drumming": ActivityDecision(decision="accept"),
                                    "music": ActivityDecision(decision="accept")})
    review = review_plan(PROPOSAL, plan)
    assert review.stale == ("drumming",)
    assert "drumming" not in [a.id for a in review.activities]


@pytest.mark.parametrize(("dose", "text"), [
    (Dose(times=3, per="week", minutes=15), "15 minutes, 3 times a week"),
    (Dose(times=1, per="day"), "once a day"),
    (Dose(times=2, per="month", minutes=1), "1 minute, twice a month"),
])
def test_dose_text(dose: Dose, text: str) -> None:
    assert dose_text(dose) == text


def problems(plan: ClinicianPlan, proposed: frozenset[str] = frozenset()) -> dict[str, str]:
    return {p.path: p.message for p in plan_problems("p", plan, CATALOGUE, assessment_date=DAY, proposed=proposed)}


def test_an_edited_or_declined_activity_needs_a_reason_named_by_field() -> None:
    plan = ClinicianPlan(decisions={"music": ActivityDecision(decision="decline"),
                                    "drumming": ActivityDecision(decision="edit", setting="home", reason=" ")})
    found = problems(plan)
    assert found["p.decisions.music.reason"] == "is required for a declined activity: say why"
    assert found["p.decisions.drumming.reason"] == "is required for an edited activity: say why"


def test_an_edit_must_change_something_and_only_an_edit_may() -> None:
    found = problems(ClinicianPlan(decisions={
        "music": ActivityDecision(decision="edit", reason="x"),
        "drumming": ActivityDecision(decision="accept", setting="school"),
    }))
    assert found["p.decisions.music.decision"].startswith("'edit' changes nothing")
    assert found["p.decisions.drumming.setting"].startswith("is only for an edited activity")


def test_unknown_activity_ids_are_refused_by_path() -> None:
    found = problems(ClinicianPlan(decisions={"zumba": ActivityDecision(decision="accept")},
                                   added=[AddedActivity(catalogue_id="no_such_thing")]))
    assert found["p.decisions.zumba"] == '"zumba" is not an activity of the catalogue (version 1)'
    assert found["p.added[0].catalogue_id"] == '"no_such_thing" is not an activity of the catalogue (version 1)'


def test_an_own_activity_needs_name_who_where_and_how_often() -> None:
    found = problems(ClinicianPlan(added=[AddedActivity(goal="Make a friend")]))
    assert set(found) == {"p.added[0].name", "p.added[0].delivered_by", "p.added[0].setting", "p.added[0].dose"}


def test_adding_what_is_already_proposed_or_twice_is_refused() -> None:
    found = problems(ClinicianPlan(added=[AddedActivity(catalogue_id="music"), AddedActivity(catalogue_id="yoga"),
                                          AddedActivity(catalogue_id="yoga")]), proposed=frozenset({"music"}))
    assert found == {"p.added[0].catalogue_id": '"music" is already proposed; accept or edit it there instead '
                                                "of adding it",
                     "p.added[2].catalogue_id": '"yoga" is added twice'}


@pytest.mark.parametrize(("review", "message"), [
    (dt.date(2026, 1, 19), "2026-01-19 is before the assessment's date 2026-01-20; a review comes after it"),
    (dt.date(2029, 3, 1), "2029-03-01 is more than 3 years after the assessment; review the plan sooner"),
])
def test_the_review_date_comes_after_the_assessment_and_not_years_later(review: dt.date, message: str) -> None:
    assert problems(ClinicianPlan(review_date=review)) == {"p.review_date": message}


def test_the_review_date_may_be_the_assessment_day_itself() -> None:
    assert problems(ClinicianPlan(review_date=DAY)) == {}


@pytest.mark.parametrize("data", [
    {"decisions": {"music": {"decision": "maybe"}}},
    {"decisions": {"music": {"decision": "edit", "dose": {"times": 0, "per": "week"}}}},
    {"decisions": {"music": {"decision": "edit", "dose": {"times": 3, "per": "week", "minutes": 241}}}},
    {"decisions": {"music": {"decision": "edit", "dose": {"times": 3, "per": "fortnight"}}}},
    {"decisions": {"music": {"decision": "decline", "reason": "x" * 2001}}},
    {"added": [{"name": "n" * 121}]},
    {"added": [{"name": "a\x00b"}]},
    {"added": [{"name": "x"}] * 21},
    {"goals": 5},
    {"colour": "blue"},
])
def test_the_shape_refuses_hostile_values(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ClinicianPlan.model_validate(data)


def case_with(plan: object) -> dict[str, object]:
    return {"format": "rootmap-case/1", "client": {"id": "C-1", "birth_date": "2018-01-01"},
            "assessments": [{"id": "A-1", "kind": "full", "date": "2026-01-20", "functioning": {"sleep": 1},
                             "clinician_plan": plan}]}


def test_a_case_file_names_the_path_of_a_plan_problem() -> None:
    with pytest.raises(CaseFileError) as caught:
        parse_case(case_with({"decisions": {"music": {"decision": "decline"}},
                              "added": [{"catalogue_id": "zumba"}]}))
    assert [str(p) for p in caught.value.problems] == [
        "assessments[0].clinician_plan.decisions.music.reason: is required for a declined activity: say why",
        'assessments[0].clinician_plan.added[0].catalogue_id: "zumba" is not an activity of the catalogue '
        "(version 1)",
    ]


def test_a_case_file_keeps_a_valid_plan() -> None:
    case = parse_case(case_with({"decisions": {"music": {"decision": "accept", "goal": "Sing daily"}},
                                 "review_date": "2026-07-20"}))
    plan = case.assessments[0].clinician_plan
    assert plan is not None and plan.review_date == dt.date(2026, 7, 20)
    assert plan.decisions["music"].goal == "Sing daily"


def scored_example() -> tuple[CaseFile, AssessmentResult]:
    import json
    from pathlib import Path

    from rootmap.core.scoring import score_case

    case = parse_case(json.loads(Path("examples/school-age-foster.json").read_text()))
    return case, score_case(case, assessment_id=case.assessments[-1].id)


def test_the_family_reads_the_clinicians_plan_without_what_was_declined() -> None:
    from rootmap.core.family import family_view
    from rootmap.core.family_plan import family_plan, with_clinician_plan
    from rootmap.instruments import load_instrument

    _case, result = scored_example()
    instrument = load_instrument("1")
    # The example's follow-up proposes, to relate: caregiver_coaching, canine_assisted, music.
    plan = ClinicianPlan(
        decisions={"caregiver_coaching": ActivityDecision(decision="accept", goal="Name early stress signs"),
                   "canine_assisted": ActivityDecision(decision="decline", reason="Allergic to dogs"),
                   "music": ActivityDecision(decision="edit", reason="School choir", setting="school",
                                             dose=Dose(times=2, per="week", minutes=30))},
        added=[AddedActivity(name="Swimming club", delivered_by="caregiver", setting="community",
                             dose=Dose(times=1, per="week"))],
        review_date=dt.date(2026, 4, 20))
    before = family_view(result=result, name="Milo", instrument=instrument)
    assert [a.id for a in before.activities] == ["caregiver_coaching", "canine_assisted", "music"]
    view = with_clinician_plan(before, result=result, plan=plan, instrument=instrument)
    assert [a.id for a in view.activities] == ["caregiver_coaching", "music", "own-1"]
    music = view.activities[1]
    # Who is the catalogue's (not changed); where is the clinician's setting, in family words.
    assert (music.dose, music.who) == ("30 minutes, twice a week",
                                       "you, at home, school staff and a specialist, at school")
    assert view.activities[0].goal == "What we hope for: Name early stress signs"
    assert view.activities[2].description == "An activity your clinician chose for this plan."
    assert "Allergic to dogs" not in repr(view)
    told = family_plan(result=result, plan=plan)
    assert told.review == "We will look at this plan again together on 20 April 2026."
    # The reason step's three suggestions (emdr, tf_cbt, breathing_mindfulness) are not decided
    # yet: the family is not told they were agreed (QA found "The plan we agreed" over them).
    assert told.not_reviewed.startswith("Some of these are still first suggestions.")
    assert family_plan(result=result, plan=None).not_reviewed.startswith("These are first suggestions.")
    later = {i: ActivityDecision(decision="accept") for i in ("emdr", "tf_cbt", "breathing_mindfulness")}
    everything = plan.model_copy(update={"decisions": {**plan.decisions, **later}})
    assert family_plan(result=result, plan=everything).not_reviewed == ""


def test_the_family_never_reads_the_same_place_twice() -> None:
    # QA: a caregiver's own activity at home read "Who: you, at home, at home." in the family
    # summary and the presentation (the deliverer's words name the place already).
    from rootmap.core.family import family_view
    from rootmap.core.family_plan import with_clinician_plan
    from rootmap.instruments import load_instrument

    _case, result = scored_example()
    instrument = load_instrument("1")
    plan = ClinicianPlan(added=[
        AddedActivity(name="Bedtime story", delivered_by="caregiver", setting="home", dose=Dose(times=1, per="day")),
        AddedActivity(name="Reading group", delivered_by="teacher", setting="school", dose=Dose(times=1, per="week"))])
    view = with_clinician_plan(family_view(result=result, name="Milo", instrument=instrument),
                               result=result, plan=plan, instrument=instrument)
    assert [a.who for a in view.activities if a.id.startswith("own-")] == ["you, at home", "school staff, at school"]
