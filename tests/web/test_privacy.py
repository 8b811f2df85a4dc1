"""Privacy: the de-identified research export keeps ratings, scores and ages, and nothing
that names or dates a child; every export is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import override_settings
from django.urls import reverse

from rootmap.cli import main as rootmap
from rootmap.core.ages import age_in_months
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.services import case_file_import
from rootmap.web.privacy.services import (
    MAX_SHIFT_DAYS,
    date_shift_days,
    pseudonym,
    research_export_write,
)
from tests.web.security_fixtures import build_world, example

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    world.milo = case_file_import(organisation=world.org, user=world.clinician,
                                  data=example("school-age-foster.json"))
    world.toddler = case_file_import(organisation=world.org, user=world.clinician,
                                     data=example("toddler-kinship.json"))
    world.foreign_er = case_file_import(organisation=world.other_org, user=world.outsider,
                                        data=example("adolescent-er.json"))
    return world


def _rows(**kwargs) -> list[dict[str, str]]:
    stream = io.StringIO()
    research_export_write(stream=stream, **kwargs)
    return list(csv.DictReader(io.StringIO(stream.getvalue())))


def _free_text(data) -> set[str]:
    """Every name, note, source and title in a case file."""
    texts = {data["client"]["display_name"], data["client"]["id"], data["client"]["birth_date"]}
    texts |= set(data.get("interests", []))
    for event in data.get("events", []):
        texts |= {event.get("note", ""), event.get("source", "")}
    for assessment in data["assessments"]:
        texts |= {i["name"] for i in assessment.get("informants", [])}
        texts |= {d["title"] for d in assessment.get("documents", [])}
        texts |= {d["date"] for d in assessment.get("documents", [])}
        texts.add(assessment["date"])
    return {t for t in texts if t and len(t) > 2}


def test_it_writes_one_row_per_finalised_assessment_with_ratings_and_scores(world):
    rows = _rows(organisation_id=world.org.pk)
    finalised = Assessment.objects.filter(status="final", client__organisation=world.org)
    assert len(rows) == finalised.count()
    by_pseudonym = {pseudonym("assessment", a.pk): a for a in finalised}
    for row in rows:
        assessment = by_pseudonym[row["assessment"]]
        assert row["kind"] == assessment.kind
        if assessment.result and assessment.result.get("functioning_index") is not None:
            assert float(row["functioning_index"]) == pytest.approx(assessment.result["functioning_index"])
        for item, rating in (assessment.inputs.get("functioning") or {}).items():
            assert row[f"functioning_{item}"] == ("" if rating is None else str(rating))


def test_it_keeps_no_name_reference_birth_date_or_free_text(world):
    rows = _rows(organisation_id=world.org.pk)
    # Shifted dates may fall, by chance, on some real date: they are checked on their own.
    exported = "\n".join(",".join(v for k, v in row.items() if k != "date_shifted") for row in rows)
    exported += ",".join(rows[0])
    for data in (example("school-age-foster.json"), example("toddler-kinship.json")):
        for fragment in _free_text(data):
            assert fragment not in exported, fragment
    for secret in ("Sam Example", "C-0042", "2016-04-11", "cleo"):
        assert secret not in exported


def test_it_shifts_every_date_of_a_client_by_the_same_amount_and_keeps_ages(world):
    rows = [r for r in _rows(organisation_id=world.org.pk)
            if r["client"] == pseudonym("client", world.milo.pk)]
    assessments = list(Assessment.objects.filter(client=world.milo, status="final").order_by("date", "id"))
    assert len(rows) == len(assessments) >= 2
    shift = dt.timedelta(days=date_shift_days(world.milo.pk))
    assert 0 < abs(shift.days) <= MAX_SHIFT_DAYS
    for row, assessment in zip(rows, assessments, strict=True):
        assert dt.date.fromisoformat(row["date_shifted"]) == assessment.date + shift
        assert int(row["age_months"]) == age_in_months(world.milo.birth_date, assessment.date)


def test_pseudonyms_are_stable_keyed_and_distinct(world):
    first, second = _rows(organisation_id=world.org.pk), _rows(organisation_id=world.org.pk)
    assert [r["client"] for r in first] == [r["client"] for r in second]
    assert len({r["assessment"] for r in first}) == len(first)
    with override_settings(ROOTMAP_PSEUDONYM_KEY="another key entirely, for another study"):
        rekeyed = _rows(organisation_id=world.org.pk)
    assert not {r["client"] for r in rekeyed} & {r["client"] for r in first}
    shifts = {date_shift_days(pk) for pk in range(1, 200)}
    assert 0 not in shifts and min(shifts) >= -MAX_SHIFT_DAYS and max(shifts) <= MAX_SHIFT_DAYS
    assert len(shifts) > 50  # spread out, not one offset for everyone


def test_an_organisations_export_holds_only_its_own_clients(world):
    rows = _rows(organisation_id=world.org.pk)
    assert pseudonym("client", world.foreign_er.pk) not in {r["client"] for r in rows}
    everything = _rows(organisation_id=None)
    assert pseudonym("client", world.foreign_er.pk) in {r["client"] for r in everything}


def test_the_command_writes_the_file_and_audits_the_export(world, tmp_path, capsys):
    target = tmp_path / "research.csv"
    assert rootmap(["export", "--deidentified", "-o", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == Assessment.objects.filter(status="final").count()
    assert f"Wrote {len(rows)} de-identified" in capsys.readouterr().out
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.detail["via"] == "command line" and entry.detail["rows"] == len(rows)


def test_the_command_explains_bad_arguments(world, tmp_path, capsys):
    assert rootmap(["export", "--deidentified", "-o", str(tmp_path / "no" / "such.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert rootmap(["export", "--deidentified", "--organisation", "99999",
                    "-o", str(tmp_path / "x.csv")]) == 2
    assert "no organisation 99999" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        rootmap(["export", "-o", str(tmp_path / "x.csv")])  # --deidentified is required


def test_an_admin_downloads_the_export_with_a_button_and_it_is_audited(world, client):
    client.force_login(world.admin)
    page = client.get(reverse("research-export"))
    assert page.status_code == 200 and "Download the CSV" in page.content.decode()
    response = client.post(reverse("research-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == Assessment.objects.filter(status="final", client__organisation=world.org).count()
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.actor == world.admin and entry.detail["rows"] == len(rows)


def test_only_an_admin_may_export(world, client):
    for user in (world.supervisor, world.clinician, world.colleague):
        client.force_login(user)
        assert client.get(reverse("research-export")).status_code == 404
        assert client.post(reverse("research-export")).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()
