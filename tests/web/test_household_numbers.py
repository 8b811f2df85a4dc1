"""One display number on the household pages and the household report (issue 11).

The household of `examples/foster-household.json` is entered as a clinician would, its
estimate stored, and its detail page, list page, what-if fragment and report read back:
every place that shows one quantity must print one string, the one worked out by hand
below (half-up, one decimal), and a printed change must be the difference of the printed
values beside it.

Worked by hand (clinical-model.md section 7, instrument version 1):
  internal  = 100 × mean(3,3,3,3,2,4) / 4 = 100 × 3 / 4            = 75.0
  external  = 100 × mean(3,2,1,3,3,2) / 4 = 100 × (14/6) / 4       = 58.333… -> "58.3"
  resources = (75 + 58.333…) / 2                                   = 66.666… -> "66.7"
  child 1, 122 months (factor 1.0): 100 × (5/6) / 4 × 1.0         = 20.833… -> "20.8"
  child 2,  20 months (factor 1.3): 100 × (13/6) / 4 × 1.3        = 70.416… -> "70.4"
  child 3, 166 months (factor 1.1): 100 × (9/6) / 4 × 1.1 = 37.5 × 1.1 = 41.25 -> "41.3"
            (half-up; Python's round/format would print the half-to-even "41.2")
  demand    = 0.5 × (20.833… + 70.416… + 41.25) = 0.5 × 132.5      = 66.25   -> "66.3"
            (again an exact half: "66.2" under half-to-even)
  reserve   = 66.666… − 66.25                                      = 0.4166… -> "0.4", adequate
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from rootmap.core.case import parse_household
from rootmap.core.results import HouseholdResult
from rootmap.render.household import household_report_html, suggested_what_ifs
from rootmap.web.caregiving import services
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example

EXPECTED = {"internal": "75.0", "external": "58.3", "resources": "66.7", "demand": "66.3",
            "reserve": "0.4", "challenge 1": "20.8", "challenge 2": "70.4", "challenge 3": "41.3"}
NAMES = ("Ada", "Ben", "Cleo")  # the page names each child; the example file does not


@pytest.fixture
def household(org, clinician):
    data = example("foster-household.json")
    h = services.household_create(organisation=org, user=clinician, name="Dana and Rob", reference="H-0201")
    h.inputs = copy.deepcopy({
        "caregivers": data["caregivers"], "internal": data["internal"], "external": data["external"],
        "children": [{"client_pk": None, "name": name, "age_months": c["age_months"], "challenge": c["challenge"]}
                     for name, c in zip(NAMES, data["children"], strict=True)],
    })
    h.save()
    services.estimate_save(household=h, user=clinician, on=dt.date(2026, 2, 2))
    return h


def _collect(found: dict[str, list[str]], quantity: str, page: str, pattern: str, where: str) -> None:
    matches = re.findall(pattern, page, flags=re.S)
    assert matches, f"{quantity} not found in {where} by {pattern!r}"
    # A pattern with several groups yields tuples: each group is one more place shown.
    found.setdefault(quantity, []).extend(
        text for m in matches for text in (m if isinstance(m, tuple) else (m,)))


def _assert_one_string_each(found: dict[str, list[str]]) -> None:
    for quantity, expected in EXPECTED.items():
        assert set(found.get(quantity, [])) == {expected}, (quantity, found.get(quantity))


def test_every_household_page_prints_each_quantity_as_the_hand_worked_string(client, clinician, household):
    client.force_login(clinician)
    detail = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    listing = client.get(reverse("household-list")).content.decode()
    found: dict[str, list[str]] = {}
    # The live estimate panel.
    _collect(found, "reserve", detail, r'<span class="reserve">([^<]*)</span>', "panel")
    _collect(found, "reserve", detail, r'Reserve now <strong class="num">([^<]*)</strong>', "phone bar")
    meter = r'>([^<>]*) of 100</meter><span class="num">([^<]*)<'  # the meter's text and its number
    _collect(found, "internal", detail, r"<span>Internal</span>.*?" + meter, "panel")
    _collect(found, "external", detail, r"<span>External</span>.*?" + meter, "panel")
    _collect(found, "resources", detail, r"<dt>Resources</dt><dd>(\S+) ", "panel")
    _collect(found, "demand", detail, r"<dt>Demand</dt><dd>(\S+) ", "panel")
    for n, name in enumerate(NAMES, 1):
        _collect(found, f"challenge {n}", detail, rf"<dt>Challenge, {name}</dt><dd>([^<]*)</dd>", "panel")
    # The stored estimates' history table: resources, demand, reserve of the one estimate.
    row = re.search(r'<td class="nowrap">2 Feb 2026</td>\s*<td class="num">([^<]*)</td>\s*'
                    r'<td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td>', detail)
    assert row, "the history row of the stored estimate"
    for quantity, text in zip(("resources", "demand", "reserve"), row.groups(), strict=True):
        found[quantity].append(text)
    # The list of households.
    _collect(found, "reserve", listing, r'<td class="num"[^>]*>(\S+) <span class="badge badge--band-2">Adequate</span>',
             "list")
    _assert_one_string_each(found)
    # The reserve's badge is the palette's second step (adequate), on every page.
    assert 'badge badge--band-2">Adequate' in detail and "floatformat" not in detail


def test_the_what_if_change_is_the_difference_of_the_printed_reserves(client, clinician, household):
    client.force_login(clinician)
    data = {"whatif-years": "1", "whatif-months": "0", "whatif-behavioural": "1", "whatif-emotional_regulation": "1",
            "whatif-medical_physical": "1", "whatif-developmental_learning": "1", "whatif-sleep_feeding": "1",
            "whatif-supervision_safety": "1"}
    page = client.post(reverse("household-what-if", args=[household.pk]), data,
                       headers={"HX-Request": "true"}).content.decode()
    now = re.search(r'<th scope="row">Now</th><td class="num">([^<]*)</td><td class="num">([^<]*)</td>'
                    r'<td class="num">([^<]*)</td>', page)
    then = re.search(r'<th scope="row">What if</th><td class="num">([^<]*)</td><td class="num">([^<]*)</td>'
                     r'<td class="num">([^<]*)</td>', page)
    change = re.search(r"Change in reserve: <strong>([^<]*)</strong>", page)
    assert now and then and change, page
    assert now.groups() == (EXPECTED["resources"], EXPECTED["demand"], EXPECTED["reserve"])
    # A 12-month-old, every item 1: 100 × 1/4 × 1.3 = 32.5; demand 66.25 + 16.25 = 82.5;
    # reserve 66.666… − 82.5 = −15.833… -> "−15.8" (a true minus sign), strained.
    assert then.groups() == ("66.7", "82.5", "−15.8")
    assert change.group(1) == "−16.2"  # −15.8 − 0.4, the printed difference
    assert 'badge--band-3">Strained' in page


def _report(household) -> tuple[str, HouseholdResult]:
    from rootmap.core.caregiving import score_household

    parsed = parse_household(example("foster-household.json"))
    result = score_household(parsed)
    return household_report_html(household=parsed, result=result,
                                 what_ifs=suggested_what_ifs(parsed)), result


def test_the_household_report_prints_each_quantity_as_the_page_does(household):
    html, _result = _report(household)
    found: dict[str, list[str]] = {}
    _collect(found, "reserve", html, r"<th>Reserve</th><td>(\S+) ", "facts")
    facts = re.search(r"<th>Resources \(0–100\)</th><td>(\S+) \(internal (\S+), external ([^)]+)\)", html)
    assert facts
    for quantity, text in zip(("resources", "internal", "external"), facts.groups(), strict=True):
        found.setdefault(quantity, []).append(text)
    _collect(found, "demand", html, r"<th>Demand</th><td>([^<]*)</td>", "facts")
    _collect(found, "internal", html, r"<h3>Internal resources: ([^<]*)</h3>", "resource table")
    _collect(found, "external", html, r"<h3>External resources: ([^<]*)</h3>", "resource table")
    _collect(found, "demand", html, r"challenges = <b>([^<]*)</b>", "demand sentence")
    challenges = re.findall(r"<td class='rm-num'><b>([^<]*)</b></td></tr>", html)
    assert len(challenges) == 3
    for n, text in enumerate(challenges, 1):
        found.setdefault(f"challenge {n}", []).append(text)
    now = re.search(r"<tr><td><b>Now</b></td><td class='rm-num'>([^<]*)</td><td class='rm-num'>([^<]*)</td>"
                    r"<td class='rm-num'>([^<]*)</td>", html)
    assert now
    for quantity, text in zip(("resources", "demand", "reserve"), now.groups(), strict=True):
        found[quantity].append(text)
    _collect(found, "reserve", html, r"Now: ([^;<]+)[;<]", "reserve chart")
    _assert_one_string_each(found)
    # Every what-if row's change is the difference of its printed reserve and the printed 0.4.
    rows = re.findall(r"<td class='rm-num'>([^<]*)</td><td>.*?</td><td class='rm-num'>([^<]*)</td></tr>", html)
    scenarios = [(reserve, change) for reserve, change in rows if change != "–"]
    assert len(scenarios) == 2
    for reserve, change in scenarios:
        difference = Decimal(reserve.replace("−", "-")) - Decimal(EXPECTED["reserve"])
        assert Decimal(change.replace("−", "-").lstrip("+")) == difference and change.startswith(("+", "−"))
