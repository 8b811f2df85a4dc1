"""Audit: every sign-in and access is recorded append-only with who, when, from where,
what and which record; the HMAC chain shows the first altered or deleted entry; admins
read and filter their organisation's log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rootmap.cli import main as rootmap
from rootmap.web.audit.models import AuditChainHead, AuditEntry
from rootmap.web.audit.services import audit_record, audit_verify, chain_for
from rootmap.web.integrity import triggers
from tests.web.security_fixtures import PASSWORD, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _entries(world, n=4):
    return [audit_record(action="view", user=world.clinician, obj=world.client,
                         detail={"page": f"client {i}"}) for i in range(n)]


def test_an_entry_records_who_when_where_what_and_which_record(world, rf):
    request = rf.get("/clients/1/", REMOTE_ADDR="203.0.113.9")
    request.user = world.clinician
    entry = audit_record(action="view", request=request, obj=world.final)
    assert entry.actor == world.clinician and entry.actor_name == "cleo"
    assert entry.ip_address == "203.0.113.9"
    assert entry.action == "view" and entry.object_type == "assessment"
    assert entry.object_id == str(world.final.pk) and entry.client_id == world.client.pk
    assert entry.organisation_id == world.org.pk
    assert abs(entry.at - timezone.now()) < dt.timedelta(seconds=5)


def test_an_intact_log_verifies_and_says_how_many_entries_it_checked(world, capsys):
    _entries(world, 5)
    assert audit_verify().ok and audit_verify().checked == 5
    assert rootmap(["audit", "verify"]) == 0
    assert "5 entries checked" in capsys.readouterr().out


def test_an_empty_log_verifies(db):
    assert audit_verify().ok and audit_verify().checked == 0


def test_it_names_the_first_altered_entry(world, capsys):
    entries = _entries(world)
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entries[1].pk).update(detail={"page": "something else"})
    report = audit_verify()
    assert not report.ok and report.first_bad_id == entries[1].pk
    assert "altered" in report.problem
    assert rootmap(["audit", "verify"]) == 1
    assert f"entry {entries[1].pk}" in capsys.readouterr().err


def test_it_detects_an_entry_rehashed_without_the_key(world):
    import hashlib

    entries = _entries(world)
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entries[2].pk).update(
            actor_name="nobody", entry_hash=hashlib.sha256(b"forged").hexdigest())
    assert audit_verify().first_bad_id == entries[2].pk


def test_it_names_the_entry_after_a_deleted_one(world):
    entries = _entries(world)
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
    report = audit_verify()
    assert report.first_bad_id == entries[2].pk
    assert f"between entry {entries[0].pk} and entry {entries[2].pk}" in report.problem


def test_it_detects_deleting_the_first_entry(world):
    entries = _entries(world)
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entries[0].pk).delete()
    assert audit_verify().first_bad_id == entries[1].pk


def test_it_detects_deleting_the_newest_entries(world):
    entries = _entries(world)
    with triggers.suspended():
        AuditEntry.objects.filter(pk__gte=entries[2].pk).delete()
    report = audit_verify()
    assert not report.ok
    assert f"after entry {entries[1].pk} were deleted" in report.problem
    assert report.first_bad_id == entries[1].pk + 1


def test_it_detects_a_head_wound_back_to_hide_deleted_entries(world):
    entries = _entries(world)
    with triggers.suspended():
        AuditEntry.objects.filter(pk=entries[3].pk).delete()
    AuditChainHead.objects.filter(pk=chain_for(world.org.pk)).update(length=3, last_entry_id=entries[2].pk,
                                                                     last_hash=entries[2].entry_hash)
    report = audit_verify()
    assert not report.ok and "head was altered" in report.problem


def test_it_detects_the_head_being_removed(world):
    _entries(world)
    AuditChainHead.objects.all().delete()
    assert "head is missing" in audit_verify().problem


def test_sign_in_sign_out_and_failed_sign_in_are_recorded(world, client):
    client.post(reverse("login"), {"username": "cleo", "password": "wrong password"},
                REMOTE_ADDR="198.51.100.7")
    failed = AuditEntry.objects.get(action="sign_in_failed")
    assert failed.detail["username"] == "cleo" and failed.ip_address == "198.51.100.7"
    assert failed.organisation_id == world.org.pk and failed.actor is None
    client.post(reverse("login"), {"username": "cleo", "password": PASSWORD})
    assert AuditEntry.objects.filter(action="sign_in", actor=world.clinician).exists()
    client.post(reverse("logout"))
    assert AuditEntry.objects.filter(action="sign_out", actor=world.clinician).exists()
    assert audit_verify().ok


def test_the_log_refuses_everyone_but_an_admin_or_a_supervisor(world, client):
    assert client.get(reverse("audit-log")).status_code == 302  # to sign-in
    for user in (world.clinician, world.colleague):
        client.force_login(user)
        assert client.get(reverse("audit-log")).status_code == 404
    # A supervisor in no team reads an empty log (tests/web/test_people.py: their teams' clients).
    audit_record(action="view", user=world.clinician, obj=world.client)
    client.force_login(world.supervisor)
    page = client.get(reverse("audit-log"))
    assert page.status_code == 200 and b"0 entries" in page.content


def test_an_admin_reads_only_their_own_organisations_entries(world, client):
    audit_record(action="view", user=world.clinician, obj=world.client)
    audit_record(action="view", user=world.outsider, obj=world.foreign_client)
    client.force_login(world.admin)
    page = client.get(reverse("audit-log"))
    entries = list(page.context["page"])
    assert entries and all(e.organisation_id == world.org.pk for e in entries)
    assert "otto" not in page.content.decode()


def test_an_admin_filters_by_user_action_client_and_date(world, client):
    audit_record(action="view", user=world.clinician, obj=world.client)
    audit_record(action="finalise", user=world.supervisor, obj=world.final)
    audit_record(action="export", user=world.admin, detail={"export": "x"})
    client.force_login(world.admin)

    def shown(**filters):
        return [(e.actor_name, e.action) for e in client.get(reverse("audit-log"), filters).context["page"]]

    assert shown(actor="sam") == [("sam", "finalise")]
    assert shown(action="export") == [("ada", "export")]
    assert set(shown(client="C-0042")) == {("cleo", "view"), ("sam", "finalise")}
    today = timezone.now().date()
    assert len(shown(date_from=today.isoformat(), date_to=today.isoformat(), actor="cleo")) == 1
    assert shown(date_to=(today - dt.timedelta(days=1)).isoformat()) == []


def _client_cells(page: str) -> list[str]:
    return [cell.split("</td>", 1)[0] for cell in page.split('<td data-label="Client">')[1:]]


def test_the_client_column_shows_the_reference_with_the_id_as_its_title(world, client):
    # The column showed the internal id (e.g. 1): clinicians know a client by the reference.
    audit_record(action="view", user=world.clinician, obj=world.client)
    audit_record(action="export", user=world.admin, detail={"export": "x"})
    client.force_login(world.admin)
    cells = _client_cells(client.get(reverse("audit-log")).content.decode())
    assert f'<span title="Client id {world.client.pk}">C-0042</span>' in cells
    assert "—" in cells  # the sign-in and the export name no client
    assert not any(cell.strip() == str(world.client.pk) for cell in cells)


def test_a_client_the_viewer_may_not_see_shows_only_its_id(world):
    # A client out of the viewer's sight (or no longer on record) gives no reference: the
    # column then shows its id.
    from rootmap.web.audit.selectors import client_references

    refs = client_references(viewer=world.admin, client_ids=[world.client.pk, world.foreign_client.pk, None])
    assert refs == {world.client.pk: "C-0042"}
    assert client_references(viewer=world.outsider, client_ids=[world.client.pk]) == {}
    assert client_references(viewer=world.admin, client_ids=[None]) == {}


def test_the_references_are_one_query_for_the_page_however_many_entries(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    client.force_login(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit-log")).status_code == 200
        return sum("reference" in q["sql"] and "clients_client" in q["sql"] for q in captured.captured_queries)

    _entries(world, 2)
    few = queries()
    _entries(world, 30)
    audit_record(action="view", user=world.outsider, obj=world.foreign_client)
    assert few == queries() == 1


def test_a_bad_filter_gets_a_clear_message_not_an_error(world, client):
    client.force_login(world.admin)
    response = client.get(reverse("audit-log"), {"date_from": "yesterday", "action": "explode"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a date as YYYY-MM-DD." in body and "Choose one of the listed actions." in body


def test_a_date_to_at_the_last_day_a_date_can_hold_is_no_end_not_a_500(world, client):
    # 9999-12-31 + one day overflowed: OverflowError, a 500.
    audit_record(action="export", user=world.admin, detail={"export": "x"})
    client.force_login(world.admin)
    response = client.get(reverse("audit-log"), {"date_to": "9999-12-31", "action": "export"})
    assert response.status_code == 200
    assert [e.action for e in response.context["page"]] == ["export"]


@pytest.mark.parametrize("refused", [{"client": "C" * 41}, {"action": "explode"}, {"date_from": "yesterday"},
                                     {"actor": "x" * 151}])
def test_a_filter_the_form_refuses_shows_no_entries_not_the_whole_log(world, client, refused):
    # The refused filter was dropped with the others, and the whole log was shown under the
    # filters typed: "Client (reference or id): CCC... 4,463 entries".
    audit_record(action="view", user=world.clinician, obj=world.client)
    client.force_login(world.admin)
    response = client.get(reverse("audit-log"), {"client": "C-0042", **refused})
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "until the filter named above is corrected" in response.content.decode()
    assert list(client.get(reverse("audit-log"), {"client": "C-0042"}).context["page"])


def test_the_log_is_paginated_newest_first(world, client):
    for i in range(60):
        audit_record(action="view", user=world.clinician, obj=world.client, detail={"i": i})
    client.force_login(world.admin)
    first = client.get(reverse("audit-log"), {"action": "view"}).context["page"]
    assert first.paginator.count == 60 and len(first) == 50
    assert first[0].detail == {"i": 59}
    second = client.get(reverse("audit-log"), {"action": "view", "page": 2}).context["page"]
    assert len(second) == 11  # 60, and the first reading of the log itself
    assert client.get(reverse("audit-log"), {"page": "999"}).status_code == 200


def test_reading_the_log_is_itself_recorded(world, client):
    client.force_login(world.admin)
    client.get(reverse("audit-log"), {"action": "view"})
    entry = AuditEntry.objects.filter(actor=world.admin, action="view").latest("id")
    assert entry.detail["page"] == "audit log"


# --- Every page that shows a client's record leaves an entry ------------------------------

# Pages that show a client's data but do not record it yet; each is expected to fail until
# its view calls audit_record. Every such page records its views now.
NOT_AUDITED_YET: set[str] = set()


def _client_pages():
    from tests.web.test_access_matrix import MATRIX

    for row in MATRIX:
        if row.method == "GET" and row.scope is not None and "200" in row.expect["supervisor"]:
            marks = [pytest.mark.xfail(reason="this view does not call audit_record yet")] \
                if row.name in NOT_AUDITED_YET else []
            yield pytest.param(row, id=row.name, marks=marks)


@pytest.mark.parametrize("row", list(_client_pages()))
def test_every_page_showing_a_clients_record_is_recorded(row):
    from django.test import override_settings

    from tests.web.test_access_matrix import _browser_for, build_matrix_world

    with override_settings(ROOTMAP_REQUIRE_2FA=True):
        world = build_matrix_world()
        browser = _browser_for(world, "supervisor")
        newest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = browser.get(reverse(row.name, kwargs=row.kwargs(world)))
        assert response.status_code in (200, 503)
        entries = AuditEntry.objects.filter(id__gt=newest, actor=world.users["supervisor"])
        assert entries.exists(), f"{row.name}: no audit entry"
        entry = entries.latest("id")
        assert entry.action in ("view", "download", "export")
        assert entry.object_id and entry.object_type
        if entry.object_type != "household":
            assert entry.client_id == world.client.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database (SQLite serialises writes itself)")
    world = build_world()
    errors = []

    def write(n):
        try:
            for i in range(10):
                audit_record(action="view", user=world.clinician, obj=world.client,
                             detail={"writer": n, "i": i})
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = audit_verify()
    assert report.ok and report.checked == 40


def test_a_log_read_under_another_key_says_the_key_may_be_the_cause(world, settings):
    _entries(world, 2)
    assert audit_verify().ok
    settings.ROOTMAP_AUDIT_KEY = "k" * 8 + "another-audit-key-than-the-one-that-wrote-it"
    report = audit_verify()
    assert not report.ok and "another audit key" in (report.problem or "")
