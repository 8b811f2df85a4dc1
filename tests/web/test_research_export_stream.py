"""The research export streams (issue 15, decision 0029): rows are built and written one
at a time in a second pass, after the first pass kept only the quasi-identifier facts;
the output is the same as the whole-list form, and progress is reported."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction

from rootmap.web.privacy import services
from rootmap.web.privacy.services import research_export_write, research_rows, research_rows_stream
from tests.web.security_fixtures import build_world
from tests.web.test_privacy_k_anonymity import _generate

pytestmark = pytest.mark.django_db


def test_the_streamed_export_writes_what_the_list_holds_and_reports_progress(monkeypatch):
    world = build_world()
    _generate(world, clients_per_org=30)
    listed, metadata = research_rows(k=3)
    built: list[int] = []
    real_row = services._row

    def counting_row(*args, **kwargs):
        built.append(1)
        return real_row(*args, **kwargs)

    monkeypatch.setattr(services, "_row", counting_row)
    with transaction.atomic():
        rows, streamed_meta = research_rows_stream(k=3)
        first_pass = len(built)
        first = next(rows)
        # The second pass has built one row so far, not the whole list.
        assert len(built) == first_pass + 1
        rest = list(rows)
    assert [first, *rest] == listed and streamed_meta == metadata
    assert first_pass == metadata["assessments_finalised"] > metadata["rows"] > 0

    seen: list[tuple[int, int]] = []
    stream = io.StringIO()
    export = research_export_write(stream=stream, k=3, progress=lambda w, t: seen.append((w, t)))
    written = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert len(written) == export.rows == metadata["rows"]
    assert seen[-1] == (metadata["rows"], metadata["rows"])
    assert [r["assessment"] for r in written] == [r["assessment"] for r in listed]
