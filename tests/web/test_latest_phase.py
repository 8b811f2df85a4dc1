"""Issue 15, the phase filter (decision 0033): the latest phase stored on the client.

`Client.latest_phase` must always equal what the dashboard's subquery computed before it
was stored: the phase of the latest (by date, then id) finalised assessment that no
finalised amendment supersedes, or "unassessed" for a client with none. Checked through
finalising, amending, importing, editing a client, the data migration, a restore and the
filters that read it. Runs on SQLite and PostgreSQL (the EXPLAIN checks are in
test_pages_explain.py).
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_amend, assessment_finalise, assessment_save_field
from rootmap.web.backups import backup_restore, backup_write
from rootmap.web.clients import selectors
from rootmap.web.clients.latest_phase import UNASSESSED, store_latest_phase, store_latest_phases
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_add_assessments, case_file_import, client_update
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example, make_client
from tests.web.test_assessments import PASSWORD, finalised, full_inputs

TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def sam(org, clinician) -> Client:
    clinician.set_password(PASSWORD)
    clinician.save()
    return make_client(org, "C-1", name="Sam", clinicians=(clinician,))


def _stored(client: Client) -> str | None:
    return Client.objects.get(pk=client.pk).latest_phase


def _by_the_old_subquery(client_id: int) -> str | None:
    """What the dashboard computed per row before the phase was stored."""
    current = selectors.current_final_assessments().filter(client_id=client_id)
    latest = current.order_by("-date", "-id").first()
    return UNASSESSED if latest is None else (latest.result or {}).get("phase")


def _listed(user, phase: str) -> list[str]:
    dashboard = selectors.caseload_dashboard(user=user, today=TODAY, phase=phase)
    return [row.client.reference for row in dashboard.rows]


def _settled() -> dict:
    """Ratings with nothing compromised: a different phase than full_inputs() gives."""
    inputs = full_inputs()
    inputs["functioning"] = {k: 4 for k in inputs["functioning"]}
    inputs["relational"] = {k: 4 for k in inputs["relational"]}
    return inputs


def test_a_new_client_is_unassessed_and_listed_as_not_yet_assessed(org, clinician, sam):
    assert _stored(sam) == UNASSESSED
    assert _listed(clinician, "unassessed") == ["C-1"]
    row = selectors.caseload_dashboard(user=clinician, today=TODAY).rows[0]
    assert row.phase is None and row.phase_label == ""  # shown as before: no phase


def test_finalising_amending_and_superseding_move_the_stored_phase_and_the_filter(sam, clinician):
    full = finalised(sam, clinician, date=dt.date(2025, 2, 3))
    first = full.result["phase"]
    assert _stored(sam) == first == _by_the_old_subquery(sam.pk)
    assert _listed(clinician, first) == ["C-1"] and _listed(clinician, "unassessed") == []

    # A later assessment is the latest.
    later = finalised(sam, clinician, kind="follow_up", date=dt.date(2025, 8, 1), inputs=_settled())
    second = later.result["phase"]
    assert second != first, "the test needs two phases"
    assert _stored(sam) == second == _by_the_old_subquery(sam.pk)
    assert _listed(clinician, second) == ["C-1"] and _listed(clinician, first) == []

    # An amendment of the latest: a draft changes nothing; signed, it supersedes the original.
    amendment = assessment_amend(original=later, user=clinician, reason="Ratings entered in the wrong rows")
    amendment.inputs = full_inputs()
    amendment.save()
    assert _stored(sam) == second
    amended = assessment_finalise(assessment=amendment, user=clinician, password=PASSWORD)
    assert amended.result["phase"] == first
    assert _stored(sam) == first == _by_the_old_subquery(sam.pk)
    assert _listed(clinician, first) == ["C-1"] and _listed(clinician, second) == []


def test_an_amendment_that_moves_the_date_earlier_makes_the_other_assessment_the_latest(sam, clinician):
    finalised(sam, clinician, date=dt.date(2025, 2, 3), inputs=_settled())
    later = finalised(sam, clinician, date=dt.date(2025, 8, 1))  # a second full assessment
    assert _stored(sam) == later.result["phase"]
    amendment = assessment_amend(original=later, user=clinician, reason="Dated wrongly")
    amendment = assessment_save_field(assessment=amendment, user=clinician, field="date", value="2025-01-03",
                                      revision=amendment.revision)
    amendment.inputs = full_inputs()
    amendment.save()
    assessment_finalise(assessment=amendment, user=clinician, password=PASSWORD)
    # The amendment (2025-01-03) is now older than the full assessment (2025-02-03).
    assert _stored(sam) == _by_the_old_subquery(sam.pk)
    assert _by_the_old_subquery(sam.pk) == Assessment.objects.get(client=sam, date=dt.date(2025, 2, 3)).result["phase"]


def test_a_case_file_import_and_added_assessments_store_the_phase(org, clinician):
    milo = case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    assert _stored(milo) == _by_the_old_subquery(milo.pk) != UNASSESSED
    latest = Assessment.objects.filter(client=milo).order_by("-date", "-id").first()
    assert _stored(milo) == latest.result["phase"]

    data = example("school-age-foster.json")
    extra = {**data["assessments"][-1], "id": "A-NEW", "date": "2026-07-20", "kind": "follow_up"}
    extra["functioning"] = {k: 4 for k in extra["functioning"]}
    data["assessments"].append(extra)
    case_file_add_assessments(client=milo, user=clinician, data=data)
    added = Assessment.objects.get(client=milo, reference="A-NEW")
    assert _stored(milo) == added.result["phase"] == _by_the_old_subquery(milo.pk)


def test_editing_a_client_read_earlier_keeps_the_phase_stored_meanwhile(org, clinician):
    c = make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    stale = Client.objects.get(pk=c.pk)
    Assessment.objects.create(client=c, reference="A-1", kind="full", date=dt.date(2025, 1, 10), status="final",
                              result={"phase": "relate"}, created_by=clinician, finalised_by=clinician)
    store_latest_phase(c)
    client_update(client=stale, user=clinician, reference="C-1", display_name="Ada B",
                  birth_date=stale.birth_date)
    assert _stored(c) == "relate"


def _histories(org, clinician) -> dict[str, str | None]:
    """Clients written row by row (as an old database holds them) and their phase by hand."""
    def final(c, ref, date, phase, **extra):
        return Assessment.objects.create(client=c, reference=ref, kind="full", date=date, status="final",
                                         result={"phase": phase} if phase else {"note": "no phase"},
                                         created_by=clinician, finalised_by=clinician, **extra)

    none = make_client(org, "C-NONE", name="No assessment")
    draft_only = make_client(org, "C-DRAFT", name="Draft only")
    Assessment.objects.create(client=draft_only, reference="A-1", kind="full", date=dt.date(2025, 1, 1),
                              status="draft", created_by=clinician)
    two = make_client(org, "C-TWO", name="Two")
    final(two, "A-1", dt.date(2025, 1, 1), "regulate")
    final(two, "A-2", dt.date(2025, 6, 1), "reason")
    Assessment.objects.create(client=two, reference="A-3", kind="follow_up", date=dt.date(2025, 9, 1),
                              status="draft", created_by=clinician)  # a draft is never current
    amended = make_client(org, "C-AMENDED", name="Amended")
    original = final(amended, "A-1", dt.date(2025, 6, 1), "regulate")
    final(amended, "A-1a", dt.date(2025, 6, 1), "maintain", amends=original)
    draft_amendment = make_client(org, "C-DRAFTAMEND", name="Draft amendment")
    original = final(draft_amendment, "A-1", dt.date(2025, 6, 1), "relate")
    Assessment.objects.create(client=draft_amendment, reference="A-1a", kind="full", date=dt.date(2025, 6, 1),
                              status="draft", created_by=clinician, amends=original)
    same_day = make_client(org, "C-SAMEDAY", name="Same day")
    final(same_day, "A-1", dt.date(2025, 6, 1), "regulate")
    final(same_day, "A-2", dt.date(2025, 6, 1), "undetermined")  # same date: the higher id
    no_phase = make_client(org, "C-NOPHASE", name="No phase")
    final(no_phase, "A-1", dt.date(2025, 6, 1), None)
    del none
    return {"C-NONE": UNASSESSED, "C-DRAFT": UNASSESSED, "C-TWO": "reason", "C-AMENDED": "maintain",
            "C-DRAFTAMEND": "relate", "C-SAMEDAY": "undetermined", "C-NOPHASE": None}


def test_the_data_migration_fills_existing_clients_in_batches(org, clinician, monkeypatch):
    expected = _histories(org, clinician)
    Client.objects.update(latest_phase="stale")
    migration = importlib.import_module("rootmap.web.clients.migrations.0005_latest_phase")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches, one partly full
    migration.fill(django_apps, None)
    stored = dict(Client.objects.values_list("reference", "latest_phase"))
    assert stored == expected
    assert stored == {c.reference: _by_the_old_subquery(c.pk) for c in Client.objects.all()}


def test_the_batched_store_gives_what_one_client_at_a_time_does(org, other_org, clinician):
    expected = _histories(org, clinician)
    elsewhere = make_client(other_org, "C-ELSE", name="Elsewhere")
    Client.objects.update(latest_phase="stale")
    assert store_latest_phases(Client.objects.filter(organisation=org), batch=3) == len(expected)
    assert dict(Client.objects.filter(organisation=org).values_list("reference", "latest_phase")) == expected
    assert _stored(elsewhere) == "stale"  # only the clients asked for
    for c in Client.objects.filter(organisation=org):
        Client.objects.filter(pk=c.pk).update(latest_phase="stale")
        assert store_latest_phase(c) == expected[c.reference] == c.latest_phase


def test_the_filters_read_the_stored_phase(org, supervisor, clinician):
    expected = _histories(org, clinician)
    store_latest_phases()  # rows written directly: what the services do in their transactions
    for phase in [*selectors.PHASES, "unassessed"]:
        wanted = sorted(ref for ref, p in expected.items() if p == phase)
        assert sorted(_listed(supervisor, phase)) == wanted, phase
    rows = {r.client.reference: r.phase for r in selectors.caseload_dashboard(user=supervisor, today=TODAY).rows}
    assert rows == {ref: (None if p == UNASSESSED else p) for ref, p in expected.items()}


def test_a_restore_brings_back_the_phases_as_the_assessments_give_them(org, clinician, tmp_path):
    expected = _histories(org, clinician)
    store_latest_phases()
    # A backup is read whole and checked against its signature; the phase is then worked
    # out again from the restored assessments, so even a value stored wrong is not carried.
    Client.objects.filter(reference="C-AMENDED").update(latest_phase="regulate")
    path = tmp_path / "rootmap.backup.json.gz"
    backup_write(path=path)
    # After the backup a client is signed again ...
    two = Client.objects.get(reference="C-TWO")
    Assessment.objects.create(client=two, reference="A-9", kind="full", date=dt.date(2026, 1, 1), status="final",
                              result={"phase": "relate"}, created_by=clinician, finalised_by=clinician)
    store_latest_phase(two)
    assert _stored(two) == "relate"
    # ... and the restore brings back the backup's assessments and the phase they give.
    backup_restore(path=path, force=True)
    assert dict(Client.objects.values_list("reference", "latest_phase")) == expected



def test_the_scale_tests_bulk_seed_stores_what_the_rule_gives(db):
    # tests/web/bulk_seed.py works the phase out in Python (the EXPLAIN tests' seed).
    from tests.web.bulk_seed import bulk_seed

    bulk_seed(organisations=1, clients_per_org=400, clinicians_per_org=4, households_per_org=2)
    seeded = dict(Client.objects.values_list("pk", "latest_phase"))
    assert {UNASSESSED, "regulate", "maintain"} <= set(seeded.values())
    assert Assessment.objects.filter(amends__isnull=False).exists()
    store_latest_phases()
    assert dict(Client.objects.values_list("pk", "latest_phase")) == seeded
