"""Family words: written once, chosen by phase, progress and age, never contradicting the
result or each other (issue 11).

Every example is walked as it is and forced into every phase (including undetermined) by
rewriting its latest functioning ratings; each report (family and clinician) is read back
and its claims checked against the scored result: the phase words are the phase's, the
progress words match the change, each activity's dose is the catalogue's and the reason
it differs from the phase's rhythm is given, and the family view holds no clinical
domain name or ISO date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from rootmap.core.ages import age_in_months
from rootmap.core.case import parse_case
from rootmap.core.family import family_view, progress_of
from rootmap.core.scoring import score_history
from rootmap.instruments import load_instrument
from rootmap.instruments.catalogue import load_catalogue
from rootmap.instruments.family_words import CLINICAL_WORDS, FamilyWords, load_family_words
from rootmap.render import report_html
from tests.render.helpers import EXAMPLES

INSTRUMENT = load_instrument("1")
WORDS = load_family_words("1")
CATALOGUE = load_catalogue("1")
CASE_FILES = ("school-age-foster", "toddler-kinship", "adolescent-er")
# Ratings per region that put the start in each phase (clinical-model section 6).
SHAPES: dict[str, dict[str, int | None]] = {
    "regulate": {"brainstem": 1, "diencephalon": 3, "limbic": 3, "cortex": 3},
    "regulate_higher": {"brainstem": 4, "diencephalon": 2, "limbic": 3, "cortex": 3},
    "relate": {"brainstem": 4, "diencephalon": 4, "limbic": 2, "cortex": 3},
    "reason": {"brainstem": 4, "diencephalon": 4, "limbic": 4, "cortex": 2},
    "maintain": {"brainstem": 4, "diencephalon": 4, "limbic": 5, "cortex": 4},
    "undetermined": {"brainstem": None, "diencephalon": 4, "limbic": 4, "cortex": 4},
}
EXPECTED_PHASE = {"regulate_higher": "regulate"}


def variant(name: str, shape: str | None) -> tuple[Any, list[Any]]:
    data = json.loads((EXAMPLES / f"{name}.json").read_text("utf-8"))
    if shape is not None:
        latest = data["assessments"][-1]
        birth = dt.date.fromisoformat(data["client"]["birth_date"])
        age = age_in_months(birth, dt.date.fromisoformat(latest["date"]))
        latest["functioning"] = {
            item.id: SHAPES[shape][item.region] for item in INSTRUMENT.functioning_items
            if item.min_age_months <= age
        }
    case = parse_case(data)
    return case, score_history(case)


VARIANTS = [(name, shape) for name in CASE_FILES for shape in (None, *SHAPES)]


def text_of(html: str) -> str:
    body = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split()).replace("&#x27;", "'")


def family_texts(words: FamilyWords) -> dict[str, str]:
    return {phase: w.now for phase, w in words.phases.items()}


@pytest.mark.parametrize(("name", "shape"), VARIANTS)
def test_the_family_summary_claims_what_the_result_says(name: str, shape: str | None) -> None:
    case, results = variant(name, shape)
    result = results[-1]
    if shape is not None:
        assert result.phase == EXPECTED_PHASE.get(shape, shape), "the variant reached its phase"
    html = report_html(case=case, results=results, audience="family")
    text = text_of(html)

    # Where we start: the result's own phase, in its own words, and no other phase's.
    lead = re.search(r"data-phase='([a-z]+)'", html)
    assert lead is not None and lead.group(1) == result.phase
    for phase, now in family_texts(WORDS).items():
        assert (now in text) == (phase == result.phase), (phase, result.phase)
    if result.phase == "regulate":
        assert "steady enough now" not in text and "calmer now" not in text

    # Progress: the words follow the change, not the phase.
    progress = progress_of(result.change.previous if result.change else None)
    comparison = result.change.previous if result.change else None
    moved_on = WORDS.progress["moved_on"].split(":")[0]
    if comparison is None:
        assert "Since last time" not in text and moved_on not in text
    else:
        labels = {d: c.label for d, c in comparison.domains.items()}
        improved_head = WORDS.progress["improved"].split("(")[0]
        worse_head = WORDS.progress["worse"].split("(")[0]
        assert (improved_head in text) == ("improved" in labels.values())
        assert (worse_head in text) == ("declined" in labels.values())
        changed_phase = (comparison.phase_progress == "progressed"
                         and comparison.phase_before not in (comparison.phase_after, "undetermined"))
        assert (moved_on in text) == changed_phase
        if progress == "unchanged":
            assert WORDS.progress["unchanged"].split("(")[0] in text

    # Each activity: its own dose, and why it differs from the phase's rhythm where it does.
    view = family_view(result=result, name=case.client.display_name, instrument=INSTRUMENT)
    first = next((p for p in result.plan.phases if p.recommendations), None)
    shown = re.findall(r'data-activity="([a-z_]+)"', html)
    assert shown == ([r.id for r in first.recommendations] if first else [])
    for activity_id in shown:
        entry = CATALOGUE.entries_by_id[activity_id]
        assert " ".join(entry.dose.split()) in text
        rhythm = WORDS.activity_rhythms[activity_id]
        assert first is not None
        if rhythm not in WORDS.phases[first.phase].rhythms:
            assert " ".join(WORDS.rhythm_differs[first.phase][rhythm].split()) in text
    if first is not None:
        band = WORDS.age_band(result.age_months)
        assert " ".join(WORDS.phases[first.phase].dose[band.id].format(child=band.child).split()) in text
    assert view.phase == result.phase

    # No clinical names or ISO dates anywhere a family reads, the map included.
    lowered = text.lower()  # the map's titles and description included
    for entry in CATALOGUE.entries:  # an activity's own name ("Cognitive-behavioural therapy") may stay
        lowered = lowered.replace(" ".join(entry.name.split()).lower(), " ")
    for word in (*CLINICAL_WORDS, *(r.domain.replace("_", " ") for r in INSTRUMENT.regions)):
        assert not re.search(rf"\b{re.escape(word)}\b", lowered), word
    for region in INSTRUMENT.regions:
        assert region.domain not in lowered
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)


@pytest.mark.parametrize(("name", "shape"), VARIANTS)
def test_the_clinician_sees_the_same_dose_per_activity_as_the_family(name: str, shape: str | None) -> None:
    case, results = variant(name, shape)
    clinician = report_html(case=case, results=results, audience="clinician")
    family = text_of(report_html(case=case, results=results, audience="family"))
    for phase in results[-1].plan.phases:
        for rec in phase.recommendations:
            row = clinician.split(f"data-activity='{rec.id}'")[1].split("</tr>")[0]
            dose = " ".join(CATALOGUE.entries_by_id[rec.id].dose.split())
            assert dose in text_of(row)
            if phase is next(p for p in results[-1].plan.phases if p.recommendations):
                assert dose in family


def test_age_bands_choose_the_dose_words() -> None:
    assert WORDS.age_band(0).id == "baby" and WORDS.age_band(35).id == "baby"
    assert WORDS.age_band(36).id == "child" and WORDS.age_band(143).id == "child"
    assert WORDS.age_band(144).id == "young_person" and WORDS.age_band(251).id == "young_person"
    _case, toddler = variant("toddler-kinship", "regulate")
    view = family_view(result=toddler[-1], name="Poppy")
    assert view.age_band == "baby" and "rocking, singing, holding close" in view.dose
    _case, teen = variant("adolescent-er", "regulate")
    assert "let your young person choose" in family_view(result=teen[-1], name="Jay").dose


def test_a_move_inside_regulate_is_not_called_the_next_step() -> None:
    """Brainstem to diencephalon is progress inside the regulate phase (issue 11: the PDF said
    'Good news: we can move on' under 'First, help the body feel calm')."""
    data = json.loads((EXAMPLES / "school-age-foster.json").read_text("utf-8"))
    birth = dt.date.fromisoformat(data["client"]["birth_date"])
    for assessment, shape in zip(data["assessments"][-2:], ("regulate", "regulate_higher"), strict=True):
        age = age_in_months(birth, dt.date.fromisoformat(assessment["date"]))
        assessment["functioning"] = {i.id: SHAPES[shape][i.region] for i in INSTRUMENT.functioning_items
                                     if i.min_age_months <= age}
    case = parse_case(data)
    results = score_history(case)
    comparison = results[-1].change.previous  # type: ignore[union-attr]
    assert (comparison.entry_region_before, comparison.entry_region_after) == ("brainstem", "diencephalon")
    assert comparison.phase_progress == "progressed"
    text = text_of(report_html(case=case, results=results, audience="family"))
    assert WORDS.progress["moved_within"] in text
    assert WORDS.progress["moved_on"].split(":")[0] not in text
    assert WORDS.phases["regulate"].now in text


def test_the_words_file_refuses_a_clinical_word_and_an_unknown_placeholder() -> None:
    data = WORDS.model_dump(mode="json")
    data["phases"]["relate"]["now"] = "Next, the limbic system on {colour}."
    with pytest.raises(ValueError, match=r"clinical word 'limbic'.*|unknown placeholder") as error:
        FamilyWords.model_validate(data, context={"instrument": INSTRUMENT, "catalogue": CATALOGUE})
    assert "limbic" in str(error.value) and "colour" in str(error.value)


def test_the_words_file_needs_a_reason_for_every_rhythm_that_differs() -> None:
    data = WORDS.model_dump(mode="json")
    del data["rhythm_differs"]["regulate"]["weekly"]  # reiki, canine, equine ... in regulate
    with pytest.raises(ValueError, match=r"rhythm_differs\.regulate\.weekly: needed for reiki"):
        FamilyWords.model_validate(data, context={"instrument": INSTRUMENT, "catalogue": CATALOGUE})
