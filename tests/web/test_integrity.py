"""Integrity: a finalised assessment cannot change through any path, audit entries are
append-only, and two people editing one draft never overwrite each other silently."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, connection, transaction

from rootmap.web.assessments import services
from rootmap.web.assessments.errors import AssessmentConflict, AssessmentLocked
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import audit_record
from rootmap.web.integrity import triggers
from tests.web.security_fixtures import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_the_triggers_are_installed_after_migrate():
    assert len(triggers.installed()) >= 2


def test_it_refuses_an_orm_update_of_a_finalised_assessment(world):
    with pytest.raises(IntegrityError, match="finalised assessment"), transaction.atomic():
        Assessment.objects.filter(pk=world.final.pk).update(inputs={"functioning": {"sleep": 5}})
    world.final.refresh_from_db()
    assert world.final.inputs == {"functioning": {"sleep": 2}, "relational": {}}


def test_it_refuses_saving_a_finalised_assessment_even_unchanged(world):
    world.final.result = {"functioning_index": 99.0}
    with pytest.raises(IntegrityError), transaction.atomic():
        world.final.save()
    world.final.refresh_from_db()
    assert world.final.result == {"functioning_index": 50.0}


def test_it_refuses_turning_a_finalised_assessment_back_into_a_draft(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=world.final.pk).update(status="draft")
    assert Assessment.objects.get(pk=world.final.pk).status == "final"


def test_it_refuses_bulk_update_and_raw_sql_on_a_finalised_assessment(world):
    world.final.revision = 7
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.bulk_update([world.final], ["revision"])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Assessment._meta.db_table} SET date = '2020-01-01' WHERE id = %s",
                       [world.final.pk])
    assert Assessment.objects.get(pk=world.final.pk).revision == 0


def test_it_refuses_deleting_a_finalised_assessment(world):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Assessment._meta.db_table} WHERE id = %s", [world.final.pk])
    assert Assessment.objects.filter(pk=world.final.pk).exists()


def test_a_draft_still_changes_and_finalises(world):
    Assessment.objects.filter(pk=world.draft.pk).update(inputs={"functioning": {"sleep": 3}})
    Assessment.objects.filter(pk=world.draft.pk).update(status="final")
    assert Assessment.objects.get(pk=world.draft.pk).status == "final"


def test_a_draft_can_be_deleted(world):
    Assessment.objects.filter(pk=world.draft.pk).delete()
    assert not Assessment.objects.filter(pk=world.draft.pk).exists()


def test_audit_entries_cannot_be_updated_or_deleted(world):
    entry = audit_record(action="view", user=world.admin, obj=world.client)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "view"


def test_suspending_the_triggers_lasts_only_for_the_block(world):
    with triggers.suspended():
        Assessment.objects.filter(pk=world.final.pk).update(revision=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=world.final.pk).update(revision=4)
    assert Assessment.objects.get(pk=world.final.pk).revision == 3


def test_the_finalise_service_refuses_a_finalised_assessment(world):
    with pytest.raises(AssessmentLocked):
        services.assessment_save_field(assessment=world.final, user=world.clinician,
                                       field="functioning.sleep", value="4",
                                       revision=world.final.revision)


def test_a_stale_save_is_a_conflict_and_keeps_the_first_save(world):
    page_revision = world.draft.revision
    services.assessment_save_field(assessment=world.draft, user=world.clinician,
                                   field="functioning.sleep", value="3", revision=page_revision)
    with pytest.raises(AssessmentConflict, match="changed elsewhere"):
        services.assessment_save_field(assessment=world.draft, user=world.supervisor,
                                       field="functioning.sleep", value="1",
                                       revision=page_revision)
    world.draft.refresh_from_db()
    assert world.draft.inputs["functioning"]["sleep"] == 3


def _browser(user):
    from django.test import Client as HttpClient

    browser = HttpClient()
    browser.force_login(user)
    return browser


def test_two_people_saving_one_draft_page_the_second_gets_a_conflict_and_keeps_their_input(world):
    from django.urls import reverse

    url = reverse("assessment-edit", args=[world.draft.pk])
    first, second = _browser(world.clinician), _browser(world.supervisor)
    revision = world.draft.revision
    assert first.get(url).status_code == 200 and second.get(url).status_code == 200
    saved = first.post(url, {"revision": revision, "date": "2025-08-01", "functioning.sleep": "3"})
    assert saved.status_code == 302
    stale = second.post(url, {"revision": revision, "date": "2025-07-15", "functioning.sleep": "1"})
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "changed elsewhere" in body
    # The second person's rating and date are still on their page, as they left them.
    assert re.search(r'name="functioning\.sleep" value="1"[^>]*checked', body)
    assert 'name="date" value="2025-07-15"' in body
    world.draft.refresh_from_db()
    assert world.draft.inputs["functioning"]["sleep"] == 3 and str(world.draft.date) == "2025-08-01"


def test_two_people_autosaving_one_field_the_second_gets_a_conflict(world):
    from django.urls import reverse

    url = reverse("assessment-field", args=[world.draft.pk])
    revision = world.draft.revision
    first = _browser(world.clinician).post(
        url, {"_field": "functioning.sleep", "functioning.sleep": "3", "revision": revision})
    assert first.status_code == 200
    second = _browser(world.supervisor).post(
        url, {"_field": "functioning.sleep", "functioning.sleep": "1", "revision": revision})
    assert second.status_code == 409 and "changed elsewhere" in second.content.decode()
    world.draft.refresh_from_db()
    assert world.draft.inputs["functioning"]["sleep"] == 3


@pytest.mark.django_db(transaction=True)
def test_a_flush_of_the_whole_database_still_works_and_puts_the_triggers_back():
    from django.core.management import call_command

    world = build_world()
    audit_record(action="view", user=world.admin, obj=world.client)
    call_command("flush", interactive=False, verbosity=0)
    assert not Assessment.objects.exists() and not AuditEntry.objects.exists()
    assert len(triggers.installed()) >= 2
    world = build_world()
    with pytest.raises(IntegrityError):
        Assessment.objects.filter(pk=world.final.pk).update(revision=9)


def test_no_form_changes_a_finalised_assessment(world):
    from django.urls import reverse

    before = Assessment.objects.filter(pk=world.final.pk).values().get()
    browser = _browser(world.supervisor)
    edit = browser.post(reverse("assessment-edit", args=[world.final.pk]),
                        {"revision": world.final.revision, "functioning.sleep": "5"})
    assert edit.status_code == 302
    field = browser.post(reverse("assessment-field", args=[world.final.pk]),
                         {"_field": "functioning.sleep", "functioning.sleep": "5",
                          "revision": world.final.revision})
    assert field.status_code == 409 and "finalised" in field.content.decode()
    assert browser.post(reverse("assessment-finalise", args=[world.final.pk]),
                        {"password": "correct horse battery staple"}).status_code < 500
    assert Assessment.objects.filter(pk=world.final.pk).values().get() == before


def test_there_is_no_admin_site_to_go_round_the_rules(world, client):
    client.force_login(world.admin)
    assert client.get("/admin/").status_code == 404
