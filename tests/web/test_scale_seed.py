"""`rootmap demo --clients N` (rootmap.web.scale): synthetic organisations whose stored
results are the core's, with an audit chain that verifies (issue 15, decision 0028)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter

import pytest

from rootmap.core.case import parse_case
from rootmap.core.results import result_to_json
from rootmap.core.scoring import score_case
from rootmap.web.accounts.models import Organisation, Team, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.stored_results import canonical_sha256
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import audit_record, audit_verify
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.models import Client
from rootmap.web.demo import ORGANISATION, demo_load
from rootmap.web.scale.seed import SeedRefused, scale_load

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 1)
N = 240


@pytest.fixture
def seeded():
    demo_load(password="a demo password")
    return scale_load(clients=N, seed=7, as_of=AS_OF)


def test_the_seed_makes_organisations_people_clients_and_households(seeded):
    synthetic = Client.objects.filter(reference__startswith="S-")
    assert synthetic.count() == N == seeded.clients
    per_org = Counter(synthetic.values_list("organisation__name", flat=True))
    assert per_org[ORGANISATION] == N // 2 and len(per_org) == 4 and sum(per_org.values()) == N
    for org in Organisation.objects.all():
        roles = Counter(User.objects.filter(organisation=org).values_list("role", flat=True))
        assert roles["admin"] >= 2 and roles["supervisor"] >= 1 and roles["clinician"] >= 1, (org, roles)
        assert Team.objects.filter(organisation=org).exists()
    # The demo's clinician carries the first 50 seeded clients of her organisation (and her examples).
    clinician = User.objects.get(username="clinician")
    assert 50 <= Client.objects.filter(clinicians=clinician).count() <= 60
    kinds = Counter(Assessment.objects.filter(client__in=synthetic).values_list("kind", "status"))
    assert kinds[("full", "final")] > 0.9 * N and kinds[("follow_up", "final")] > 0
    assert kinds[("er", "final")] > 0 and kinds[("follow_up", "draft")] > 0
    assert Assessment.objects.filter(client__in=synthetic, amends__isnull=False, status="final").exists()
    assert Household.objects.filter(name__startswith="Household ").count() == seeded.households > 0
    assert Estimate.objects.filter(household__name__startswith="Household ").count() == seeded.households
    # A seeded user signs in with the demo password.
    assert User.objects.get(username="org2-clinician-0001").check_password("a demo password")


def test_the_audit_chain_verifies_after_seeding_and_goes_on(seeded):
    report = audit_verify(against_checkpoints=False)
    assert report.ok, report.problem
    assert report.checked == AuditEntry.objects.count() > 8 * N
    # The application's next entry and the next client extend the same chain.
    audit_record(action="view", user=User.objects.get(username="admin"), detail={"after": "seed"})
    Client.objects.create(organisation=Organisation.objects.get(name=ORGANISATION), reference="after-seed",
                          display_name="After", birth_date=dt.date(2020, 1, 1))
    assert audit_verify(against_checkpoints=False).ok


def test_stored_results_are_what_the_core_computes_from_the_signed_case(seeded):
    finals = Assessment.objects.filter(client__reference__startswith="S-", status="final").order_by("id")
    sample = list(finals[::max(1, finals.count() // 25)]) + list(finals.filter(amends__isnull=False)[:3])
    entries = {e.object_id: e.detail for e in AuditEntry.objects.filter(action="finalise", object_type="assessment")}
    for assessment in sample:
        case = assessment.snapshot
        assert case["client"]["id"] == assessment.client.reference
        assert case["assessments"][-1]["id"] == assessment.reference
        expected = result_to_json(score_case(parse_case(case), assessment_id=assessment.reference))
        assert assessment.result == expected, assessment.reference
        detail = entries[str(assessment.pk)]
        assert detail["result_sha256"] == canonical_sha256(assessment.result)
        assert detail["snapshot_sha256"] == canonical_sha256(assessment.snapshot)
        if assessment.amends_id:  # the correction stands in for what it corrects
            assert assessment.amends.reference not in [a["id"] for a in case["assessments"]]


def test_the_same_seed_again_does_nothing_and_another_is_refused(seeded):
    before = (Client.objects.count(), AuditEntry.objects.count())
    again = scale_load(clients=N, seed=7, as_of=AS_OF)
    assert again.already and (Client.objects.count(), AuditEntry.objects.count()) == before
    with pytest.raises(SeedRefused, match=f"already holds a scale seed of {N} clients"):
        scale_load(clients=N + 1, seed=7, as_of=AS_OF)


def test_the_seed_needs_the_demo_first():
    with pytest.raises(SeedRefused, match="load the demo first"):
        scale_load(clients=10, seed=1, as_of=AS_OF)


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="the command on a file database (SQLite)")
def test_rootmap_demo_clients_loads_and_verifies_from_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DJANGO_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'scale.sqlite3'}"
    run = subprocess.run([sys.executable, "-m", "rootmap", "demo", "--no-serve", "--password", "pw-demo-1",
                          "--clients", "40", "--seed", "3"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Scale data loaded" in run.stdout and "40 synthetic clients" in run.stdout
    verify = subprocess.run([sys.executable, "-m", "rootmap", "audit", "verify"], cwd=tmp_path,
                            env={**env, "ROOTMAP_DEMO": "1"}, capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0 and "intact" in verify.stdout, verify.stdout + verify.stderr
    # Another seed, or too many clients, is refused before the demo users' passwords are
    # set anew (without --password they were reset to a random one, then the seed refused).
    database = tmp_path / "scale.sqlite3"
    hashes = _password_hashes(database)
    for clients in ("41", "1000001"):
        refused = subprocess.run([sys.executable, "-m", "rootmap", "demo", "--no-serve", "--clients", clients,
                                  "--seed", "3"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                 timeout=300)
        assert refused.returncode == 2 and "Password" not in refused.stdout, refused.stdout + refused.stderr
        expected = "already holds a scale seed of 40 clients" if clients == "41" else "--clients must be"
        assert expected in refused.stderr
        assert _password_hashes(database) == hashes


def _password_hashes(database):
    import sqlite3

    with sqlite3.connect(database) as db:
        return dict(db.execute("select username, password from accounts_user"))


def test_the_seed_stores_each_clients_next_follow_up_as_finalising_would(seeded):
    # The dashboard's follow-up counts and filters read Client.next_follow_up_due; a seed
    # that leaves it empty shows no seeded client as overdue or due (decision 0027).
    from rootmap.web.clients.follow_up import store_next_follow_up

    synthetic = list(Client.objects.filter(reference__startswith="S-").order_by("id"))
    stored = {c.pk: c.next_follow_up_due for c in synthetic}
    assert sum(due is not None for due in stored.values()) > 0.9 * N
    for client in synthetic:
        assert store_next_follow_up(client.pk) == stored[client.pk], client.reference


def test_the_seed_stores_each_clients_latest_phase_as_finalising_would(seeded):
    # The dashboard's phase filter reads Client.latest_phase (decision 0033).
    from rootmap.web.clients.latest_phase import UNASSESSED, store_latest_phase

    synthetic = list(Client.objects.filter(reference__startswith="S-").order_by("id"))
    stored = {c.pk: c.latest_phase for c in synthetic}
    assert sum(phase != UNASSESSED for phase in stored.values()) > 0.5 * N
    for client in synthetic:
        assert store_latest_phase(client.pk) == stored[client.pk], client.reference


def test_a_number_of_clients_beyond_a_million_is_refused_at_once(capsys):
    # --clients 99999999999999 ran silently for ever (a clinician per 50 clients is
    # planned before the first client is written).
    from rootmap.cli.demo_scale import load_scale

    assert load_scale(99_999_999_999_999, 15) is False
    assert "--clients must be from 0 to 1,000,000" in capsys.readouterr().err
    assert not Client.objects.exists()
