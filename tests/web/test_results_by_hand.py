"""The results page of every shipped example shows the headline numbers worked out by hand
(issue 11: "pinned in the CLI and web tests, not produced by the code under test").

The hand-worked values and their arithmetic live once, in tests/cli/test_examples_by_hand.py;
this test imports each example through the web's import service, opens its results pages and
reads back what a clinician sees: each headline score and domain index printed half-up to one
decimal, the functioning band and the phase.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.services import case_file_import
from tests.cli.test_examples_by_hand import CASES
from tests.render.test_numbers import half_up
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example

HEADLINES = ("developmental_risk", "functioning_index", "relational_health", "resilience")


def _shown(page: str, key: str) -> list[str]:
    return re.findall(rf'<span data-q="{re.escape(key)}">([^<]*)</span>', page)


@pytest.fixture
def pages(org: Organisation, clinician: User) -> dict[tuple[str, str], str]:
    http = HttpClient()
    http.force_login(clinician)
    seen: dict[tuple[str, str], str] = {}
    for name in sorted({name for name, _, _ in CASES}):
        client = case_file_import(organisation=org, user=clinician, data=example(name))
        for assessment in Assessment.objects.filter(client=client, status=Assessment.Status.FINAL):
            response = http.get(reverse("assessment-results", args=[assessment.pk]))
            assert response.status_code == 200
            seen[(name, assessment.reference)] = response.text
    return seen


@pytest.mark.parametrize(("name", "reference", "hand"), CASES, ids=[f"{n}:{a}" for n, a, _ in CASES])
def test_the_results_page_prints_the_hand_worked_headline_numbers(
    pages: dict[tuple[str, str], str], name: str, reference: str, hand: dict[str, Any]
) -> None:
    page = pages[(name, reference)]
    for key in HEADLINES:
        if hand[key] is None:
            continue
        shown = _shown(page, f"{key}@{reference}")
        assert shown, f"{name} {reference}: {key} is not on the page"
        assert set(shown) == {half_up(hand[key])}, f"{name} {reference}: {key}"
    for domain, index in hand["domains"].items():
        if index is None:
            continue
        shown = _shown(page, f"{domain}@{reference}")
        assert shown, f"{name} {reference}: {domain} is not on the page"
        assert set(shown) == {half_up(index)}, f"{name} {reference}: {domain}"


def test_poppy_s_page_says_moderate_functioning_and_the_regulate_phase(pages: dict[tuple[str, str], str]) -> None:
    # By hand (tests/cli/test_examples_by_hand.py, POPPY_A1): functioning 53.90625 prints 53.9,
    # band moderate (50 <= 53.9 < 75); the brainstem index 43.75 < 75, so the phase is regulate.
    page = pages[("toddler-kinship.json", "A-1")]
    assert _shown(page, "functioning_index@A-1") and set(_shown(page, "functioning_index@A-1")) == {"53.9"}
    text = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"Current functioning.{0,400}?[Mm]oderate", text, re.S)
    assert re.search(r"[Rr]egulate", text)
