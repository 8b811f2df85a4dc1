"""Privacy: the de-identified research export keeps ratings, scores and ages, and nothing
that names or dates a child; every export is audited. The tests here run it with k=1 (no
generalisation) to check what a row holds; test_privacy_k_anonymity.py checks k."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.test import override_settings
from django.urls import reverse

from rootmap.cli import main as rootmap
from rootmap.core.ages import age_in_months
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.services import case_file_import
from rootmap.web.privacy.services import pseudonym, research_export_write
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


def _rows(k=1, **kwargs) -> list[dict[str, str]]:
    stream = io.StringIO()
    research_export_write(stream=stream, k=k, **kwargs)
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
    exported = "\n".join(",".join(row.values()) for row in rows) + ",".join(rows[0])
    for data in (example("school-age-foster.json"), example("toddler-kinship.json")):
        for fragment in _free_text(data):
            assert fragment not in exported, fragment
    for secret in ("Sam Example", "C-0042", "2016-04-11", "cleo"):
        assert secret not in exported


def test_it_holds_no_date_only_days_since_the_first_assessment_and_ages_in_years(world):
    import re

    rows = _rows(organisation_id=None)
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", value) for row in rows for value in row.values())
    assert not {"date", "date_shifted", "birth_date"} & set(rows[0])
    for client in (world.milo, world.toddler, world.foreign_er):
        mine = [r for r in rows if r["client"] == pseudonym("client", client.pk)]
        assessments = list(Assessment.objects.filter(client=client, status="final").order_by("date", "id"))
        assert len(mine) == len(assessments) >= 1
        first = assessments[0].date
        for row, assessment in zip(mine, assessments, strict=True):
            assert int(row["days_since_first_assessment"]) == (assessment.date - first).days
            months = age_in_months(client.birth_date, assessment.date)
            assert int(row["age_years"]) == months // 12
            # Months only under three years.
            assert row["age_months"] == (str(months) if months < 36 else "")
    toddler = [r for r in rows if r["client"] == pseudonym("client", world.toddler.pk)]
    assert any(r["age_months"] for r in toddler)  # the example toddler is under three
    assert any(int(r["days_since_first_assessment"]) > 0
               for r in rows if r["client"] == pseudonym("client", world.milo.pk))


def test_pseudonyms_are_stable_keyed_and_distinct(world):
    first, second = _rows(organisation_id=world.org.pk), _rows(organisation_id=world.org.pk)
    assert [r["client"] for r in first] == [r["client"] for r in second]
    assert len({r["assessment"] for r in first}) == len(first)
    with override_settings(ROOTMAP_PSEUDONYM_KEY="another key entirely, for another study"):
        rekeyed = _rows(organisation_id=world.org.pk)
    assert not {r["client"] for r in rekeyed} & {r["client"] for r in first}


def test_an_organisations_export_holds_only_its_own_clients(world):
    rows = _rows(organisation_id=world.org.pk)
    assert pseudonym("client", world.foreign_er.pk) not in {r["client"] for r in rows}
    everything = _rows(organisation_id=None)
    assert pseudonym("client", world.foreign_er.pk) in {r["client"] for r in everything}


def test_the_command_writes_the_file_and_audits_the_export(world, tmp_path, capsys):
    import socket

    target = tmp_path / "research.csv"
    assert rootmap(["export", "--deidentified", "--k", "1", "-o", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == Assessment.objects.filter(status="final").count()
    assert f"Wrote {len(rows)} de-identified" in capsys.readouterr().out
    metadata = json.loads((tmp_path / "research.metadata.json").read_text())
    assert metadata["k"] == 1 and metadata["rows"] == len(rows) and metadata["rows_suppressed"] == 0
    assert (target.stat().st_mode & 0o777) == 0o600
    assert ((tmp_path / "research.metadata.json").stat().st_mode & 0o777) == 0o600
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.detail["via"] == "command line" and entry.detail["rows"] == len(rows)
    assert entry.detail["k"] == 1
    # Who ran it: the operating-system user and the host.
    assert entry.detail["host"] == socket.gethostname() and entry.detail["os_user"]
    assert entry.actor_name == f"{entry.detail['os_user']}@{socket.gethostname()}"


def test_the_command_explains_bad_arguments(world, tmp_path, capsys):
    assert rootmap(["export", "--deidentified", "-o", str(tmp_path / "no" / "such.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    # A folder as -o was an IsADirectoryError traceback after the whole export was read.
    assert rootmap(["export", "--deidentified", "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    assert rootmap(["export", "--deidentified", "--organisation", "99999",
                    "-o", str(tmp_path / "x.csv")]) == 2
    assert "no organisation 99999" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        rootmap(["export", "-o", str(tmp_path / "x.csv")])  # --deidentified is required
    capsys.readouterr()
    for bad in ("0", "-3", "five"):
        with pytest.raises(SystemExit):
            rootmap(["export", "--deidentified", "--k", bad, "-o", str(tmp_path / "x.csv")])
        err = capsys.readouterr().err
        assert "--k" in err and "a whole number of at least 1" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_an_admin_downloads_the_export_with_a_button_and_it_is_audited(world, client):
    client.force_login(world.admin)
    with override_settings(ROOTMAP_EXPORT_K=1):
        page = client.get(reverse("research-export"))
        assert page.status_code == 200 and "Make the export" in page.content.decode()
        assert f'action="{reverse("job-research-export")}"' in page.content.decode()  # as a job
        response = client.post(reverse("research-export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    bundle = zipfile.ZipFile(io.BytesIO(response.getvalue()))  # streamed from a spooled file
    [csv_name] = [n for n in bundle.namelist() if n.endswith(".csv")]
    [meta_name] = [n for n in bundle.namelist() if n.endswith(".metadata.json")]
    rows = list(csv.DictReader(io.StringIO(bundle.read(csv_name).decode())))
    assert len(rows) == Assessment.objects.filter(status="final", client__organisation=world.org).count()
    metadata = json.loads(bundle.read(meta_name))
    assert metadata["k"] == 1 and metadata["rows"] == len(rows)
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.actor == world.admin and entry.detail["rows"] == len(rows)


def test_only_an_admin_may_export(world, client):
    for user in (world.supervisor, world.clinician, world.colleague):
        client.force_login(user)
        assert client.get(reverse("research-export")).status_code == 404
        assert client.post(reverse("research-export")).status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()
