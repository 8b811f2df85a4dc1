"""Verification's fast path and its snapshot (issue 15, decision 0029).

The HMAC covers the same canonical JSON it always did (the text is now written field by
field; chains written before still verify). Verification reads the chains' heads and the
entries in one snapshot, so entries appended by other processes while it runs are never
taken for tampering, while a real deletion still is."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from rootmap.web.audit import services
from rootmap.web.audit.models import AuditChainHead, AuditEntry
from rootmap.web.audit.services import (
    NO_ORGANISATION,
    _chain_head_signature,
    _hash_row,
    audit_bulk_append,
    audit_record,
    audit_verify,
    chain_for,
)
from rootmap.web.integrity import triggers
from rootmap.web.keys import audit_key
from tests.web.security_fixtures import build_world

pytestmark = pytest.mark.django_db

KEY = b"k" * 32


def _reference_hash(key: bytes, content: dict) -> str:
    """The HMAC as decision 0006 defines it: HMAC-SHA256 over json.dumps of the content
    with sorted keys, no spaces, ASCII only."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("chain", [None, "", NO_ORGANISATION, "organisation-12"])
@pytest.mark.parametrize("values", [
    dict(actor_id=None, actor_name="", organisation_id=None, ip_address=None, client_id=None,
         object_type="", object_id="", detail={}),
    dict(actor_id=7, actor_name='Zoë "the" \\ admin\t\u2603\U0001f600', organisation_id=12,
         ip_address="2001:db8::1", client_id=123456789012, object_type="client",
         object_id="42", detail={"b": [1, 2.5, None, True], "a": {"z": "é", "y": -0.0},
                                 "\u00e9": "\x01\x1f", "n": 10**20}),
])
def test_the_hashed_text_is_the_canonical_json_of_the_content(values, chain):
    at = timezone.now()
    content = {"at": at.isoformat(), "action": "view", "previous_hash": "ab" * 32, **values}
    if chain:  # the legacy chain's entries were hashed without it
        content["chain"] = chain
    expected = _reference_hash(KEY, content)
    args = [at if name == "at" else content.get(name, chain) for name in services.HASHED_FIELDS]
    assert _hash_row(KEY, *args) == expected
    # A value not of its column's type is written as the encoder writes it.
    content["client_id"] = "77"
    args[services.HASHED_FIELDS.index("client_id")] = "77"
    assert _hash_row(KEY, *args) == _reference_hash(KEY, content)


def _seed(world, n=300):
    orgs = [world.org.pk, None]
    return audit_bulk_append(
        {"action": "view", "organisation_id": orgs[i % 2], "actor_name": f"user{i % 7}",
         "object_type": "client", "object_id": i, "client_id": world.client.pk,
         "ip_address": "10.0.0.7", "detail": {"page": "client", "n": i % 11}}
        for i in range(n))


def _append_from_another_connection(world, rounds=3, *, own_organisation=True):
    """Appends from a thread with its own connection, committed before it returns: to the
    organisation's chain (unless not `own_organisation`), the no-organisation chain, and
    the other organisation's chain (begun by the first of them)."""
    errors: list[BaseException] = []

    def write():
        try:
            for i in range(rounds):
                if own_organisation:
                    audit_record(action="view", user=world.clinician, obj=world.client,
                                 detail={"concurrent": i})
                audit_record(action="sign_in_failed", detail={"username": f"nobody{i}"})
                audit_record(action="view", user=world.outsider, obj=world.foreign_client)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=30)
    assert not writer.is_alive() and not errors, errors
    return rounds * (3 if own_organisation else 2)


def _appending_during_the_walk(monkeypatch, world, **options):
    """Make other connections append while verification walks: once before the walk reads
    its first row (the heads already read) and once after its first row."""
    original = services._entry_rows
    appended = []

    def walk():
        rows = original()
        appended.append(_append_from_another_connection(world, **options))
        for i, row in enumerate(rows):
            yield row
            if i == 0:
                appended.append(_append_from_another_connection(world, **options))

    monkeypatch.setattr(services, "_entry_rows", walk)
    monkeypatch.setattr(services, "VERIFY_CHUNK", 50)  # the walk spans several fetches
    return appended


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("appends from another connection during the walk need a server database")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("inside_a_transaction", [False, True],
                         ids=["own snapshot", "inside a caller's read-committed transaction"])
def test_entries_appended_while_verify_runs_are_no_finding(monkeypatch, inside_a_transaction):
    _postgresql_only()
    world = build_world()
    seeded = _seed(world)
    appended = _appending_during_the_walk(monkeypatch, world)
    if inside_a_transaction:
        with transaction.atomic():  # as a restore calls it: each statement sees new commits
            report = audit_verify(against_checkpoints=False)
    else:
        report = audit_verify(against_checkpoints=False)
    assert appended == [9, 9]
    assert report.ok, report.problem
    if inside_a_transaction:  # the first appends came before its query, the second after
        assert report.checked == seeded + 9
    else:  # one snapshot, taken with the heads: neither round is seen
        assert report.checked == seeded
    monkeypatch.undo()
    report = audit_verify(against_checkpoints=False)
    assert report.ok and report.checked == seeded + 18
    assert AuditEntry.objects.filter(chain=chain_for(world.other_org.pk)).count() == 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_deletion_is_reported_while_others_append(monkeypatch, where):
    _postgresql_only()
    world = build_world()
    _seed(world)
    entries = list(AuditEntry.objects.filter(chain=chain_for(world.org.pk)).order_by("id"))
    gone = entries[70] if where == "middle" else entries[-1]
    with triggers.suspended():
        AuditEntry.objects.filter(pk=gone.pk).delete()
    # The others append to the no-organisation chain and the other organisation's only:
    # an append to the damaged chain would break its links too.
    _appending_during_the_walk(monkeypatch, world, own_organisation=False)
    report = audit_verify(against_checkpoints=False)
    assert not report.ok and report.bad_chain == chain_for(world.org.pk)
    if where == "middle":
        assert report.first_bad_id == entries[71].pk
        assert f"between entry {entries[69].pk} and entry {entries[71].pk} were deleted" in report.problem
    else:
        assert f"after entry {entries[-2].pk} were deleted" in report.problem
        assert f"the signed head records {len(entries)} entries" in report.problem


@pytest.mark.django_db(transaction=True)  # verify in its own transaction, as the command
def test_a_chain_longer_than_its_head_is_reported():
    """A head put back to an older signed one (entries after it intact) is not the head."""
    world = build_world()
    for _ in range(3):
        audit_record(action="view", user=world.clinician, obj=world.client)
    entries = list(AuditEntry.objects.filter(chain=chain_for(world.org.pk)).order_by("id"))
    head = AuditChainHead.objects.get(pk=chain_for(world.org.pk))
    head.length, head.last_entry_id, head.last_hash = 2, entries[1].pk, entries[1].entry_hash
    head.signature = _chain_head_signature(head, audit_key())
    head.save()
    report = audit_verify(against_checkpoints=False)
    assert not report.ok and report.first_bad_id == entries[2].pk
    assert "the log holds 3 entries but the signed head records 2" in report.problem
