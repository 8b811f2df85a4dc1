"""Hypothesis strategies for whole, valid case files (built on tests/core's ratings and builders)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from rootmap.core.ages import add_months, age_in_months
from tests.core.test_properties import rating, relational_rating
from tests.factories import INSTRUMENT, ITEMS, assessment, case

history_rating = st.one_of(st.none(), st.integers(0, 4))
short_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)


@st.composite
def events(draw: Any) -> dict[str, Any]:
    onset = draw(st.integers(-9, 251))
    end = draw(st.one_of(st.none(), st.integers(onset, 252)))
    return {"category": draw(st.sampled_from(list(INSTRUMENT.event_categories))), "onset_months": onset,
            "end_months": end, "severity": draw(st.integers(1, 4)), "note": draw(short_text),
            "source": draw(short_text)}


def _ratings_at(draw: Any, kind: str, age: int, n: int, on: dt.date) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "functioning": {i.id: draw(rating) for i in ITEMS if i.min_age_months <= age},
        "relational": {i: draw(relational_rating) for i in INSTRUMENT.relational_item_ids},
        "informants": draw(st.lists(st.fixed_dictionaries(
            {"role": short_text.filter(bool)},
            optional={"name": short_text, "hours": st.one_of(st.none(), st.floats(0, 200))}), max_size=2)),
        "documents": draw(st.lists(st.fixed_dictionaries(
            {"title": short_text.filter(bool)},
            optional={"source": short_text, "date": st.dates(dt.date(2000, 1, 1), on).map(str)}), max_size=2)),
    }
    if kind != "er":
        fields["history"] = {
            p.id: {"adversity": draw(history_rating), "relational_health": draw(history_rating)}
            for p in INSTRUMENT.periods if p.start <= age and draw(st.booleans())
        }
    if draw(st.booleans()):
        fields["undetermined_reason"] = draw(short_text)
    return assessment(id=f"A-{n + 1}", kind=kind, date=on.isoformat(), **fields)


@st.composite
def case_files(draw: Any) -> dict[str, Any]:
    """A case file the engine accepts: ages 0-251 months, oldest first, follow-ups after a full."""
    birth = draw(st.dates(dt.date(2000, 1, 1), dt.date(2024, 12, 31)))
    dates = sorted(add_months(birth, age) + dt.timedelta(days=draw(st.integers(0, 27)))
                   for age in draw(st.lists(st.integers(0, 251), max_size=3)))
    assessments = []
    has_full = False
    for n, on in enumerate(dates):
        age = age_in_months(birth, on)
        if age > 251:  # the days added carried it past the oldest supported age
            continue
        kinds = ["full", "er", *(["follow_up"] if has_full else [])]
        kind = draw(st.sampled_from(kinds))
        has_full = has_full or kind == "full"
        if kind == "er":
            trigger = draw(st.sampled_from(list(INSTRUMENT.triggers)))
            assessments.append({**_ratings_at(draw, kind, age, n, on), "trigger": trigger})
        else:
            assessments.append(_ratings_at(draw, kind, age, n, on))
    data = case(*assessments, birth=birth.isoformat(), events=draw(st.lists(events(), max_size=4)),
                interests=draw(st.lists(st.sampled_from(["music", "animals", "dogs", "art", "sport"]),
                                        max_size=3, unique=True)))
    data["client"]["display_name"] = draw(st.sampled_from(["", "Sam", "Zoë O'Neil"]))
    return data
