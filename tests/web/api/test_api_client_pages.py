"""The API's numbered client pages (issue 15): the OFFSET walks only ids, then the page's rows
are read; every page answers what the whole ordered list holds at its place, in the same
number of queries, and a page past the end answers the last page (decision 0020)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rootmap.web.clients import selectors
from rootmap.web.clients.models import Client
from tests.web.api.fixtures import build_api_world, call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def _pages(secret: str, query: str = "") -> tuple[list[dict], list[int]]:
    bodies, queries = [], []
    number = 1
    while number is not None:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = call("GET", f"/api/v1/clients?page={number}{query}", secret)
        assert response.status_code == 200, response.content
        bodies.append(response.json())
        queries.append(len(captured))
        number = bodies[-1]["next_page"]
    return bodies, queries


def test_every_page_holds_its_place_of_the_list_in_the_same_queries():
    world = build_api_world()
    org = world.client.organisation
    # Names that sort apart from their ids, and ties broken by id.
    Client.objects.bulk_create([
        Client(organisation=org, reference=f"P-{n:03}", display_name=f"Child {(n * 7) % 13:02}",
               birth_date=dt.date(2016, 1, 1)) for n in range(60)])
    for client in Client.objects.filter(reference__in=["P-001", "P-020", "P-059"]):
        client.clinicians.add(world.clinician)
    expected = list(Client.objects.filter(organisation=org).order_by("display_name", "id")
                    .values_list("reference", flat=True))
    assert len(expected) > 2 * selectors.PAGE_SIZE

    bodies, queries = _pages(world.tokens["supervisor-read"])
    assert [r["reference"] for b in bodies for r in b["results"]] == expected
    assert [b["page"] for b in bodies] == [1, 2, 3] and {b["pages"] for b in bodies} == {3}
    assert {b["count"] for b in bodies} == {len(expected)}
    # The last page costs what the second does (the first also records the token's use).
    assert queries[1] == queries[2] and queries[0] <= queries[1] + 1, queries

    # A page past the end answers the last page, as it always has.
    cache.clear()
    beyond = call("GET", f"/api/v1/clients?page={10**9}", world.tokens["supervisor-read"]).json()
    assert (beyond["page"], beyond["next_page"]) == (3, None)
    assert beyond["results"] == bodies[-1]["results"]

    # A clinician's pages are her caseload; a filter pages what it keeps.
    mine, _ = _pages(world.tokens["clinician-read"])
    mine_expected = list(Client.objects.filter(clinicians=world.clinician).order_by("display_name", "id")
                         .values_list("reference", flat=True))
    assert [r["reference"] for b in mine for r in b["results"]] == mine_expected
    assert {"P-001", "P-020", "P-059"} <= set(mine_expected) and "P-002" not in mine_expected
    found, _ = _pages(world.tokens["supervisor-read"], "&q=P-0")
    assert [r["reference"] for b in found for r in b["results"]] == [r for r in expected if "P-0" in r]
    assert found[0]["count"] == 60
