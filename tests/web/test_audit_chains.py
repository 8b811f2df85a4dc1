"""One audit chain per organisation and one for actions with no organisation (issue 15,
decision 0029): each verifies on its own and a problem names its chain; organisations do
not wait on each other's lock; the entries written before the split still verify as the
legacy chain; verification streams the log; bulk appending builds a valid chain."""

from __future__ import annotations

import re
import threading
import tracemalloc

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from rootmap.cli import main as rootmap
from rootmap.web.audit import services
from rootmap.web.audit.models import AuditChainHead, AuditEntry, AuditHead
from rootmap.web.audit.services import (
    GENESIS_HASH,
    NO_ORGANISATION,
    _entry_hash,
    _head_signature,
    audit_bulk_append,
    audit_record,
    audit_verify,
    chain_for,
)
from rootmap.web.integrity import triggers
from tests.web.security_fixtures import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_each_organisation_and_no_organisation_has_its_own_chain(world):
    ours = audit_record(action="view", user=world.clinician, obj=world.client)
    theirs = audit_record(action="view", user=world.outsider, obj=world.foreign_client)
    nobody = audit_record(action="sign_in_failed", detail={"username": "who"})
    ours_again = audit_record(action="view", user=world.admin, obj=world.client)
    assert ours.chain == f"organisation-{world.org.pk}"
    assert theirs.chain == f"organisation-{world.other_org.pk}"
    assert nobody.chain == NO_ORGANISATION
    # Each chain links to its own previous entry, not to the log's previous entry.
    assert ours.previous_hash == theirs.previous_hash == nobody.previous_hash == GENESIS_HASH
    assert ours_again.previous_hash == ours.entry_hash
    report = audit_verify()
    assert report.ok and report.checked == 4
    assert {c.chain: c.length for c in report.chains} == {
        chain_for(world.org.pk): 2, chain_for(world.other_org.pk): 1, NO_ORGANISATION: 1}


def test_a_tampered_entry_is_named_with_its_chain(world, capsys):
    audit_record(action="view", user=world.outsider, obj=world.foreign_client)
    entries = [audit_record(action="view", user=world.clinician, obj=world.client,
                            detail={"i": i}) for i in range(3)]
    audit_record(action="view", user=world.outsider, obj=world.foreign_client)
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entries[1].pk).update(detail={"i": "something else"})
    report = audit_verify()
    assert not report.ok and report.first_bad_id == entries[1].pk
    assert report.bad_chain == chain_for(world.org.pk)
    assert report.problem.startswith(f"the chain of organisation {world.org.pk}: entry {entries[1].pk}")
    assert rootmap(["audit", "verify"]) == 1
    assert f"the chain of organisation {world.org.pk}: entry {entries[1].pk}: its content was altered" \
        in capsys.readouterr().err


def test_a_head_moved_onto_another_chain_is_refused(world):
    audit_record(action="view", user=world.clinician, obj=world.client)
    audit_record(action="view", user=world.outsider, obj=world.foreign_client)
    ours = AuditChainHead.objects.get(pk=chain_for(world.org.pk))
    # The other organisation's head replaced by a copy of ours (same signature, other chain).
    AuditChainHead.objects.filter(pk=chain_for(world.other_org.pk)).update(
        length=ours.length, last_entry_id=ours.last_entry_id, last_hash=ours.last_hash,
        signature=ours.signature)
    report = audit_verify()
    assert not report.ok and "head was altered" in report.problem
    assert report.bad_chain == chain_for(world.other_org.pk)


def _legacy_entries(world, n):
    """Entries as the single chain wrote them before chains were split (chain NULL, hashed
    without a chain, the head in AuditHead)."""
    previous = GENESIS_HASH
    made = []
    for i in range(n):
        entry = AuditEntry(at=timezone.now(), actor=world.clinician, actor_name="cleo",
                           organisation_id=world.org.pk, action="view", object_type="client",
                           object_id=str(world.client.pk), client_id=world.client.pk,
                           detail={"legacy": i}, previous_hash=previous, chain=None)
        entry.entry_hash = _entry_hash(entry)
        entry.save(force_insert=True)
        previous = entry.entry_hash
        made.append(entry)
    head = AuditHead(pk=1, length=n, last_entry_id=made[-1].pk, last_hash=previous)
    head.signature = _head_signature(head)
    head.save(force_insert=True)
    return made


def test_entries_from_before_the_split_verify_as_the_legacy_chain(world):
    legacy = _legacy_entries(world, 3)
    audit_record(action="view", user=world.clinician, obj=world.client)
    report = audit_verify()
    assert report.ok and report.checked == 4
    assert [(c.chain, c.length) for c in report.chains] == [(None, 3), (chain_for(world.org.pk), 1)]
    # The legacy head is frozen: a new entry never moves it.
    assert AuditHead.objects.get(pk=1).length == 3

    with triggers.suspended():
        AuditEntry.objects.filter(pk=legacy[1].pk).delete()
    report = audit_verify()
    assert not report.ok and report.first_bad_id == legacy[2].pk
    assert report.problem.startswith("the legacy chain") and report.bad_chain is None


@pytest.mark.django_db(transaction=True)
def test_one_organisations_chain_lock_does_not_hold_up_another():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections need a server database")
    world = build_world()
    audit_record(action="view", user=world.clinician, obj=world.client)
    audit_record(action="view", user=world.outsider, obj=world.foreign_client)
    outcome: dict[str, object] = {}

    def append(name, user, obj):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:  # this thread's own connection
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                audit_record(action="view", user=user, obj=obj)
            outcome[name] = "appended"
        except Exception as error:
            outcome[name] = type(error).__name__
        finally:
            connections.close_all()

    with transaction.atomic():
        # This connection holds organisation A's chain head, as a long request would.
        AuditChainHead.objects.select_for_update().get(pk=chain_for(world.org.pk))
        writers = [threading.Thread(target=append, args=("other", world.outsider, world.foreign_client)),
                   threading.Thread(target=append, args=("same", world.admin, world.client))]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=20)
    # Organisation B's append completed while A's head was held; A's own waited and timed out.
    assert outcome == {"other": "appended", "same": "OperationalError"}
    assert audit_verify().ok


def test_bulk_append_builds_chains_that_verify_and_verify_streams(world, monkeypatch):
    orgs = [world.org.pk, world.other_org.pk, None]

    def seed(n):
        return audit_bulk_append(
            ({"action": "view", "organisation_id": orgs[i % 3], "actor_name": f"user{i % 7}",
              "object_type": "client", "object_id": i, "client_id": i % 50 or None,
              "ip_address": "2001:db8::0:1", "detail": {"page": "client", "n": i}}
             for i in range(n)), batch_size=700)

    assert seed(1000) == 1000
    audit_record(action="view", user=world.clinician, obj=world.client)  # continues the chain
    report = audit_verify()
    assert report.ok and report.checked == 1001 and len(report.chains) == 3

    # Streaming: the rows read at once are bounded by the chunk, not by the log.
    monkeypatch.setattr(services, "VERIFY_CHUNK", 200)
    monkeypatch.setattr(services, "_DETAIL_CACHE", 100)
    seen: list[int] = []

    def peak_of_verify():
        tracemalloc.start()
        try:
            assert audit_verify(progress=seen.append).ok
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small = peak_of_verify()
    seed(4000)
    large = peak_of_verify()
    assert large < small * 1.5, (small, large)
    assert seen[-1] == 5001

    entry = AuditEntry.objects.filter(chain=chain_for(world.other_org.pk)).order_by("id")[1500]
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entry.pk).update(actor_name="someone else")
    report = audit_verify()
    assert not report.ok and report.first_bad_id == entry.pk
    assert report.bad_chain == chain_for(world.other_org.pk)


def test_the_audit_log_page_counts_no_further_than_its_limit(world, client, monkeypatch):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from rootmap.web.audit import views

    audit_bulk_append({"action": "view", "organisation_id": world.org.pk, "detail": {"i": i}}
                      for i in range(30))
    monkeypatch.setattr(views, "COUNT_LIMIT", 20)
    client.force_login(world.admin)
    with CaptureQueriesContext(db) as queries:
        response = client.get(reverse("audit-log"))
    assert response.context["page"].paginator.count == 21
    assert "More than 20 entries" in response.content.decode()
    # One bounded count per branch of the administrator's log (decision 0031), none unbounded.
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 2 and all("LIMIT 21" in count.upper() for count in counts)
    monkeypatch.setattr(views, "COUNT_LIMIT", 100)
    body = client.get(reverse("audit-log")).content.decode()
    held = AuditEntry.objects.filter(organisation_id=world.org.pk).count() - 1  # less this reading
    assert held > 30 and f"{held} entries" in body and "More than" not in body


def test_the_audit_log_reads_page_0_and_minus_1_as_the_first_page_and_counts_with_separators(
        world, client, monkeypatch):
    from django.urls import reverse

    from rootmap.web.audit import views

    audit_bulk_append({"action": "view", "organisation_id": world.org.pk, "detail": {"i": i}}
                      for i in range(1_200))
    client.force_login(world.admin)
    monkeypatch.setattr(views, "COUNT_LIMIT", 1_000)
    assert "More than 1,000 entries" in client.get(reverse("audit-log")).content.decode()
    for beyond in ("999", "99999999999999999999999"):
        last = client.get(reverse("audit-log"), {"page": beyond}).context["page"]
        assert last.number == last.paginator.num_pages > 1, beyond
    for asked in ("0", "-1", "x", ""):
        assert client.get(reverse("audit-log"), {"page": asked}).context["page"].number == 1, asked
    monkeypatch.setattr(views, "COUNT_LIMIT", 5_000)
    body = client.get(reverse("audit-log")).content.decode()
    assert re.search(r"1,2\d\d entries", body) and "More than" not in body


def test_checkpoint_lines_from_before_the_split_anchor_the_legacy_chain(world, tmp_path):
    import json

    from django.test import override_settings

    from rootmap.web.audit.checkpoints import CheckpointState, checkpoint_write
    from rootmap.web.audit.services import audit_checkpoint

    path = tmp_path / "checkpoints.jsonl"
    with override_settings(ROOTMAP_AUDIT_CHECKPOINT_FILE=str(path), ROOTMAP_AUDIT_CHECKPOINT_EVERY=0):
        legacy = _legacy_entries(world, 3)
        # A line as the single chain wrote it: no "chain" field.
        checkpoint_write(state=CheckpointState(3, legacy[-1].pk, legacy[-1].entry_hash))
        assert "chain" not in json.loads(path.read_text())
        audit_record(action="view", user=world.clinician, obj=world.client)
        audit_checkpoint()
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert [line.get("chain") for line in lines] == [None, None, chain_for(world.org.pk)]
        report = audit_verify()
        assert report.ok and any("matches the checkpoints of 2 chains" in n for n in report.notes)

        # Winding the legacy chain back is still seen against its old line.
        with triggers.suspended():
            AuditEntry.objects.filter(pk=legacy[-1].pk).delete()
        AuditHead.objects.filter(pk=1).delete()
        head = AuditHead(pk=1, length=2, last_entry_id=legacy[1].pk, last_hash=legacy[1].entry_hash)
        head.signature = _head_signature(head)
        head.save(force_insert=True)
        report = audit_verify()
        assert not report.ok and report.bad_chain is None
        assert report.problem.startswith("the legacy chain") and "recorded 3" in report.problem


def test_an_admins_log_merges_her_organisations_chain_with_entries_about_her_clients_of_no_organisation(
        world, client, monkeypatch):
    """Decision 0031: two branches, read newest first and merged, page after page."""
    from django.urls import reverse

    from rootmap.web.audit import views
    from rootmap.web.audit.selectors import audit_entries_for

    def add(**entry):
        audit_bulk_append([{"action": "view", **entry}])
        return AuditEntry.objects.order_by("-id").values_list("id", flat=True)[0]

    expected = []
    for i in range(12):
        expected.append(add(organisation_id=world.org.pk, client_id=world.client.pk, detail={"i": i}))
        if i % 3 == 0:  # a command-line action about her client: no organisation
            expected.append(add(action="export", client_id=world.client.pk, detail={"i": i}))
        add(organisation_id=world.other_org.pk, client_id=world.foreign_client.pk)  # not hers
        add(action="export", client_id=world.foreign_client.pk)  # no organisation, not her client
        add(action="sign_in_failed", detail={"username": f"guess{i}"})  # no organisation, no client
    expected = [pk for pk in AuditEntry.objects.filter(organisation_id=world.org.pk)
                .values_list("id", flat=True) if pk not in expected] + expected
    expected.sort(reverse=True)
    entries = audit_entries_for(viewer=world.admin, count_limit=1000)
    assert entries.count() == len(expected)
    # Slices as the paginator takes them, across the branches' boundaries.
    assert [e.pk for n in range(0, len(expected), 5) for e in entries[n:n + 5]] == expected
    limited = audit_entries_for(viewer=world.admin, count_limit=10)
    assert limited.count() == 11 and [e.pk for e in limited[0:7]] == expected[:7]
    exports = audit_entries_for(viewer=world.admin, action="export", count_limit=1000)
    assert exports.count() == 4 and [e.client_id for e in exports[0:50]] == [world.client.pk] * 4
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client.force_login(world.admin)  # its sign-in entry is the newest now
    signed_in = AuditEntry.objects.order_by("-id").first()
    assert signed_in.organisation_id == world.org.pk
    page = client.get(reverse("audit-log") + "?page=2").context["page"]
    assert [e.pk for e in page.object_list] == ([signed_in.pk, *expected])[5:10]


def test_the_audit_logs_older_and_newer_links_neither_repeat_nor_skip_entries_written_meanwhile(
        world, client, monkeypatch):
    # Every reading of the log is itself an entry, and the organisation goes on working
    # between two clicks: numbered pages counted from the newest entry shifted by that
    # much, so "Older" showed the end of the page before again and "Newer" skipped rows.
    import re

    from django.urls import reverse

    from rootmap.web.audit import views

    audit_bulk_append({"action": "view", "organisation_id": world.org.pk, "detail": {"i": i}}
                      for i in range(20))
    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client.force_login(world.admin)

    def shown(response):
        return [e.pk for e in response.context["page"].object_list]

    def link(response, label):
        found = re.search(rf'<a href="\?([^"]*)">{label}</a>', response.content.decode())
        return reverse("audit-log") + "?" + found.group(1).replace("&amp;", "&")

    first = client.get(reverse("audit-log"))
    newest = [pk for pk in AuditEntry.objects.filter(organisation_id=world.org.pk)
              .order_by("-id").values_list("id", flat=True) if pk <= shown(first)[0]]
    assert shown(first) == newest[:5]
    audit_record(action="view", user=world.clinician, obj=world.client)  # meanwhile
    second = client.get(link(first, "Older"))
    assert shown(second) == newest[5:10]
    audit_record(action="view", user=world.clinician, obj=world.client)
    assert shown(client.get(link(second, "Newer"))) == newest[:5]
    assert shown(client.get(link(client.get(link(second, "Older")), "Newer"))) == newest[5:10]
