"""The results and presentation pages of every example (issue 11): one printed string per
quantity across the page's cards, tables, map and charts, the same string the clinician
report prints; each printed change the difference of the printed values beside it; scale,
direction and score explained; family screens in family words only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from rootmap.instruments import load_instrument
from rootmap.instruments.catalogue import load_catalogue
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.services import case_file_import
from tests.render.test_numbers import as_decimal, half_up, printed
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example

INSTRUMENT = load_instrument("1")
CATALOGUE = load_catalogue("1")
CASE_FILES = ("school-age-foster.json", "toddler-kinship.json", "adolescent-er.json")


def _raw(result: dict[str, Any]) -> dict[str, float]:
    rid = result["assessment_id"]
    values = {f"{k}@{rid}": result[k] for k in ("developmental_risk", "functioning_index",
                                                 "relational_health", "resilience") if result.get(k) is not None}
    values |= {f"{d}@{rid}": v["index"] for d, v in result.get("domains", {}).items() if v.get("index") is not None}
    values |= {f"{p}@{rid}": v for p, v in result.get("period_risk", {}).items()}
    return values


@pytest.fixture
def imported(org: Organisation, clinician: User) -> list[Assessment]:
    for name in CASE_FILES:
        case_file_import(organisation=org, user=clinician, data=example(name))
    return list(Assessment.objects.filter(status=Assessment.Status.FINAL).order_by("client_id", "date"))


@pytest.fixture
def web(clinician: User) -> HttpClient:
    http = HttpClient()
    http.force_login(clinician)
    return http


def test_the_results_pages_print_one_string_per_quantity(web: HttpClient, imported: list[Assessment]) -> None:
    from rootmap.core.results import result_from_json

    assert len(imported) == 6
    for assessment in imported:
        page = web.get(reverse("assessment-results", args=[assessment.pk])).text
        result = result_from_json(assessment.result)
        earlier = [result_from_json(a.result) for a in imported
                   if a.client_id == assessment.client_id and a.date <= assessment.date]
        seen = printed(page, result, earlier)
        raw: dict[str, float] = {}
        for a in imported:
            if a.client_id == assessment.client_id:
                raw |= _raw(a.result)
        for key in ("functioning_index", "relational_health", "resilience"):
            assert f"{key}@{assessment.reference}" in seen, key  # the cards are tagged
        for key, values in seen.items():
            if key not in raw:
                assert set(values) == {"–"}, (key, values)
                continue
            assert set(values) == {half_up(raw[key])}, (assessment.reference, key, values)
        # The change tables: each change is the difference of the printed before and after.
        rows = re.findall(r'<tr><th scope="row">[^<]*</th>\s*<td class="num">([^<]+)</td>\s*'
                          r'<td class="num">([^<]+)</td>\s*<td class="num">([^<]+)</td>', page)
        assert bool(rows) == (result.change is not None), assessment.reference
        for before, after, change in rows:
            if "–" in (before, after):
                assert change == "–"
                continue
            difference = as_decimal(after) - as_decimal(before)
            assert change == ("0.0" if difference == 0 else f"{difference:+}".replace("-", "−"))


def test_the_results_page_explains_its_numbers(web: HttpClient, imported: list[Assessment]) -> None:
    full = next(a for a in imported if a.kind == "full" and a.result["plan"]["phases"])
    page = web.get(reverse("assessment-results", args=[full.pk])).text
    assert "0–100, lower is better (more risk is worse). Bands: low below 25, moderate below 50" in page
    assert "0–100, higher is better. Bands: typical from 87.5, mild from 62.5" in page
    assert "Score: how much of the child&#x27;s need the activity targets" in page
    # The clinician sees each activity's own dose, as the family reads it.
    assert "How often (as the family reads it):" in page
    follow = next(a for a in imported if a.kind == "follow_up")
    assert "A change of 10 points or more is improved or declined" in web.get(
        reverse("assessment-results", args=[follow.pk])).text


def test_band_badges_take_the_palette_step_of_their_scale(web: HttpClient, imported: list[Assessment]) -> None:
    for assessment in imported:
        page = web.get(reverse("assessment-results", args=[assessment.pk])).text
        risk = assessment.result.get("risk_band")
        if risk:
            step = ("low", "moderate", "high", "very_high").index(risk) + 1
            label = risk.replace("_", " ").capitalize()
            assert f'<span class="badge badge--band-{step}">{label}</span>' in page
        cards = page.split('id="headline-h"')[1].split('id="plan-h"')[0]
        assert "badge--ok" not in cards and "badge--bad" not in cards  # palette steps, not tones


def test_every_presentation_screen_speaks_family_words(web: HttpClient, imported: list[Assessment]) -> None:
    domain_labels = [r.domain_label for r in INSTRUMENT.regions if r.domain_label != "Relational"]
    for assessment in imported:
        url = reverse("assessment-present", args=[assessment.pk])
        first = web.get(url).text
        total = int(re.search(r'data-total="(\d+)"', first).group(1))  # type: ignore[union-attr]
        screens = [web.get(f"{url}?step={n}").text for n in range(1, total + 1)]
        start = next(s for s in screens if "present__screen--start" in s)
        assert f'data-phase="{assessment.result["phase"]}"' in start
        for screen in screens:
            section = re.search(r"<section.*?</section>", screen, flags=re.S).group(0)  # type: ignore[union-attr]
            words = " ".join(re.sub(r"<[^>]+>", " ", section).split())
            for entry in CATALOGUE.entries:  # an activity's own name may say "Cognitive-behavioural"
                words = words.replace(" ".join(entry.name.split()), " ")
            assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", words), assessment.reference
            for label in domain_labels:
                assert label not in words, (assessment.reference, label)
            for word in ("index", "limbic", "cortex", "brainstem", "diencephalon"):
                assert not re.search(rf"\b{word}\b", words.lower()), (assessment.reference, word)
