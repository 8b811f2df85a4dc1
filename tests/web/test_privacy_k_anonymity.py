"""The research export resists re-identification (issue 10): every combination of
quasi-identifiers in the output (age, sex where recorded, trigger, event categories and
count, organisation) is shared by at least k distinct clients; what was generalised or
suppressed is said in the metadata. k is checked on the output itself, on generated data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import Client
from rootmap.web.privacy.anonymity import Facts, k_anonymise, quasi_values
from rootmap.web.privacy.services import pseudonym, research_export_write
from tests.web.security_fixtures import build_world

CATEGORIES = ["neglect", "physical_abuse", "domestic_violence", "caregiver_substance_use",
              "separation_or_loss", "placement_change", "medical_trauma", "bullying"]
TRIGGERS = ["placement_change", "hospitalisation", "loss", "school_exclusion", "other"]
# Read from the output's header, never from the code under test.
QUASI_IDENTIFIER_COLUMNS = ("age_years", "age_months", "sex", "trigger", "event_count",
                            "event_categories", "organisation")


def _generate(world, *, clients_per_org=45, seed=20261201):
    """Clients aged 0-17 in both organisations, with random events, one to three finalised
    assessments each, some of them ER snapshots with a trigger."""
    rng = random.Random(seed)
    assessments = []
    for org, author in ((world.org, world.clinician), (world.other_org, world.outsider)):
        for n in range(clients_per_org):
            birth = dt.date(2025, 6, 1) - dt.timedelta(days=rng.randint(60, 17 * 365))
            age_now = (dt.date(2025, 6, 1) - birth).days // 30
            events = [{"category": rng.choice(CATEGORIES), "onset_months": rng.randint(0, max(age_now - 1, 0)),
                       "severity": rng.randint(1, 3)} for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5]))]
            client = Client.objects.create(organisation=org, reference=f"G-{org.pk}-{n}",
                                           display_name=f"Generated {n}", birth_date=birth, events=events)
            day = dt.date(2024, 1, 10) + dt.timedelta(days=rng.randint(0, 300))
            for i in range(rng.randint(1, 3)):
                er = rng.random() < 0.3
                assessments.append(Assessment(
                    client=client, reference=f"A-{i + 1}", kind="er" if er else "full", date=day,
                    status="final", instrument_version="1",
                    inputs={"functioning": {"sleep": rng.randint(0, 4)}, "relational": {},
                            "trigger": rng.choice(TRIGGERS) if er else None},
                    result={"functioning_index": float(rng.randint(0, 100))},
                    created_by=author, finalised_by=author, finalised_at=dt.datetime.now(dt.UTC)))
                day += dt.timedelta(days=rng.randint(20, 200))
    Assessment.objects.bulk_create(assessments)


def _export(**kwargs):
    stream = io.StringIO()
    export = research_export_write(stream=stream, **kwargs)
    return list(csv.DictReader(io.StringIO(stream.getvalue()))), export.metadata


def _groups(rows):
    """Output rows grouped by the quasi-identifier columns the file has."""
    columns = [c for c in QUASI_IDENTIFIER_COLUMNS if rows and c in rows[0]]
    groups = defaultdict(set)
    for row in rows:
        groups[tuple(row[c] for c in columns)].add(row["client"])
    return groups


@pytest.mark.django_db
@pytest.mark.parametrize("k", [2, 5])
@pytest.mark.parametrize("scope", ["all organisations", "one organisation"])
def test_every_combination_of_quasi_identifiers_is_shared_by_k_clients(k, scope):
    world = build_world()
    _generate(world)
    organisation_id = world.org.pk if scope == "one organisation" else None
    rows, metadata = _export(k=k, organisation_id=organisation_id)
    finalised = Assessment.objects.filter(status="final")
    if organisation_id:
        finalised = finalised.filter(client__organisation_id=organisation_id)

    groups = _groups(rows)
    assert groups and min(len(clients) for clients in groups.values()) >= k
    # Nothing lost silently: every finalised assessment is written or counted as suppressed.
    assert len(rows) + metadata["rows_suppressed"] == finalised.count()
    assert metadata["k"] == k and metadata["rows"] == len(rows)
    assert metadata["clients"] == len({r["client"] for r in rows})
    # Generalised rather than dropped wholesale: most rows survive, some in bands.
    assert len(rows) >= finalised.count() // 2
    assert any("-" in r["age_years"] or r["age_years"] in ("18+", "*") for r in rows)
    assert metadata["generalised"] and all(step["rows"] > 0 for step in metadata["generalised"])


@pytest.mark.django_db
def test_without_k_exact_values_single_children_out_and_with_it_they_do_not():
    world = build_world()
    _generate(world)
    exact, _ = _export(k=1, organisation_id=None)
    assert min(len(c) for c in _groups(exact).values()) == 1  # the risk the export removes
    safe, _metadata = _export(k=5, organisation_id=None)
    assert min(len(c) for c in _groups(safe).values()) >= 5
    # The same clients keep the same pseudonyms under any k.
    assert {r["client"] for r in safe} <= {r["client"] for r in exact}
    by_assessment = {r["assessment"]: r["client"] for r in exact}
    assert all(by_assessment[r["assessment"]] == r["client"] for r in safe)


@pytest.mark.django_db
def test_a_child_no_one_resembles_shows_nothing_that_singles_them_out():
    world = build_world()
    _generate(world, clients_per_org=12)
    # Older than every other client (all under 18), with a rare event and a trigger.
    loner = Client.objects.create(organisation=world.other_org, reference="L-1", display_name="Lone",
                                  birth_date=dt.date(2000, 1, 1),
                                  events=[{"category": "bullying", "onset_months": 100, "severity": 2}])
    Assessment.objects.create(client=loner, reference="A-1", kind="er", date=dt.date(2025, 1, 1),
                              status="final", instrument_version="1",
                              inputs={"functioning": {}, "relational": {}, "trigger": "loss"},
                              result={}, created_by=world.outsider, finalised_by=world.outsider,
                              finalised_at=dt.datetime.now(dt.UTC))
    rows, metadata = _export(k=3, organisation_id=world.other_org.pk)
    mine = [r for r in rows if r["client"] == pseudonym("client", loner.pk)]
    # Either left out, or with every quasi-identifier withheld, among at least 3 such clients.
    for row in mine:
        assert (row["age_years"], row["age_months"], row["trigger"], row["event_count"],
                row["event_categories"]) == ("*", "", "*", "*", "*")
    assert "age withheld" in {step["step"] for step in metadata["generalised"]} or not mine


@pytest.mark.django_db
def test_rows_no_generalisation_can_protect_are_suppressed_and_counted():
    world = build_world()  # the other organisation has a single client
    rows, metadata = _export(k=2, organisation_id=world.other_org.pk)
    assert rows == []
    assert metadata["rows_suppressed"] == Assessment.objects.filter(
        status="final", client__organisation=world.other_org).count() == 1
    assert metadata["clients_suppressed"] == 1 and metadata["clients"] == 0


@pytest.mark.django_db
def test_k_comes_from_the_setting_by_default():
    world = build_world()
    _generate(world, clients_per_org=20)
    with override_settings(ROOTMAP_EXPORT_K=4):
        rows, metadata = _export(organisation_id=None)
    assert metadata["k"] == 4 and min(len(c) for c in _groups(rows).values()) >= 4


@pytest.mark.django_db
def test_a_recorded_sex_is_a_quasi_identifier_too():
    """The sex recorded in a client's context is exported, grouped by like every
    quasi-identifier (it read a `sex` attribute no record has, and was never exported)."""
    world = build_world()
    _generate(world, clients_per_org=30)
    for client in Client.objects.all():
        client.context = {**(client.context or {}), "sex": "female" if client.pk % 3 else "male"}
        client.save(update_fields=["context"])
    rows, metadata = _export(k=3, organisation_id=None)
    assert "sex" in rows[0] and "sex" in metadata["quasi_identifiers"]
    assert {r["sex"] for r in rows} <= {"female", "male", "*"}
    assert min(len(c) for c in _groups(rows).values()) >= 3


_facts = st.builds(
    Facts,
    client=st.sampled_from([f"C-{i}" for i in range(25)]),
    age_months=st.integers(min_value=0, max_value=20 * 12),
    sex=st.sampled_from(["", "female", "male"]),
    trigger=st.sampled_from(["", *TRIGGERS]),
    event_count=st.integers(min_value=0, max_value=9),
    event_categories=st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True).map(
        lambda c: tuple(sorted(c))),
    organisation=st.sampled_from(["O-1", "O-2", "O-3"]),
)


@settings(max_examples=150, deadline=None)
@given(facts=st.lists(_facts, max_size=60), k=st.integers(min_value=1, max_value=8))
def test_any_input_comes_out_k_anonymous(facts, k):
    result = k_anonymise(facts, k=k)
    groups = defaultdict(set)
    for row, level in zip(facts, result.levels, strict=True):
        if level is not None:
            groups[tuple(quasi_values(row, level).values())].add(row.client)
    assert all(len(clients) >= k for clients in groups.values())
    # A row already shared by k clients as it is stays exact.
    exact = defaultdict(set)
    for row in facts:
        exact[tuple(quasi_values(row, 0).values())].add(row.client)
    for row, level in zip(facts, result.levels, strict=True):
        if len(exact[tuple(quasi_values(row, 0).values())]) >= k:
            assert level == 0
