"""The research export's page at scale (issue 15): its count stops at a limit, and the ZIP is
written into a spooled file (streamed from it once it spills to disk), not built three
times over in memory."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.test import override_settings
from django.urls import reverse

from rootmap.web.assessments.models import Assessment
from rootmap.web.privacy import views
from tests.web.test_privacy import world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_the_page_counts_the_assessments_no_further_than_its_limit(world, client, monkeypatch):  # noqa: F811
    client.force_login(world.admin)
    finals = Assessment.objects.filter(status="final", client__organisation=world.org).count()
    assert finals >= 2
    text = client.get(reverse("research-export")).content.decode()
    assert f"one row for each of your organisation's {finals} finalised assessments:" in text
    monkeypatch.setattr(views, "COUNT_SHOWN", 1)
    text = client.get(reverse("research-export")).content.decode()
    assert "one row for each of your organisation's finalised assessments (more than 1):" in text


def test_the_zip_streams_from_a_spooled_file_even_past_its_memory_limit(world, client, monkeypatch):  # noqa: F811
    monkeypatch.setattr(views, "SPOOL_BYTES", 64)  # spills to a temporary file at once
    client.force_login(world.admin)
    with override_settings(ROOTMAP_EXPORT_K=1):
        response = client.post(reverse("research-export"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="rootmap-research-')
    body = response.getvalue()
    assert int(response["Content-Length"]) == len(body)
    bundle = zipfile.ZipFile(io.BytesIO(body))
    assert bundle.testzip() is None
    [csv_name] = [n for n in bundle.namelist() if n.endswith(".csv")]
    rows = list(csv.DictReader(io.StringIO(bundle.read(csv_name).decode("utf-8"))))
    assert len(rows) == Assessment.objects.filter(status="final", client__organisation=world.org).count()


def test_a_small_zip_is_answered_from_memory_with_nothing_left_open(world, client):  # noqa: F811
    client.force_login(world.admin)
    with override_settings(ROOTMAP_EXPORT_K=1):
        response = client.post(reverse("research-export"))
    assert response.status_code == 200 and not response.streaming  # under SPOOL_BYTES: no temporary file
    assert response["Content-Disposition"].startswith('attachment; filename="rootmap-research-')
    assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None
