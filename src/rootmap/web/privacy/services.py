"""De-identified research export: one CSV row per finalised assessment, k-anonymous.

What is kept and what goes (docs/decisions/0006-security-controls.md, 0013):
- ids become keyed pseudonyms, HMAC-SHA256 with the pseudonym key (rootmap.web.keys):
  stable across exports made with one key, not reversible and not guessable without it;
- no calendar date: each assessment carries the days since its client's first finalised
  assessment, so intervals stay true;
- ages in whole years, and in months only under 3 years;
- the quasi-identifiers (age, sex where recorded, trigger, event categories and count,
  organisation) are generalised, then suppressed, until every combination in the file is
  shared by at least k clients (rootmap.web.privacy.anonymity; k from ROOTMAP_EXPORT_K,
  default 5); what was generalised and suppressed is said in the export's metadata,
  written beside the CSV;
- the kind, instrument version, every rating and every score are kept;
- names, birth dates, references, interests, event notes and sources, informants,
  documents and amendment reasons are dropped.

>>> export = research_export_write(stream=f, user=admin, organisation_id=admin.organisation_id)
>>> export.rows, export.metadata["rows_suppressed"]
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from rootmap.core.ages import age_in_months
from rootmap.core.context import SEXES
from rootmap.instruments import current
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.services import audit_record
from rootmap.web.keys import pseudonym_key
from rootmap.web.privacy.anonymity import (
    QUASI_COLUMNS,
    STEPS,
    WITHHELD,
    Facts,
    k_anonymise,
    quasi_values,
)

METADATA_FORMAT = "rootmap-research-export-metadata/1"


def _mac(message: str, key: bytes) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def pseudonym(kind: str, pk: int, *, key: bytes | None = None) -> str:
    """`kind` is "client", "assessment" or "organisation": no two share a pseudonym."""
    prefix = {"client": "C", "assessment": "A", "organisation": "O"}[kind]
    return f"{prefix}-{_mac(f'{kind}:{pk}', key or pseudonym_key()).hex()[:16]}"


def default_k() -> int:
    return int(getattr(settings, "ROOTMAP_EXPORT_K", 5))


def _columns(*, with_sex: bool) -> list[str]:
    # Column names are ids every version shares (rootmap.instruments.check); each row names
    # its own instrument_version.
    instrument = current()
    columns = [
        "client", "assessment", "amends", "organisation", "kind", "instrument_version",
        "days_since_first_assessment", "age_years", "age_months", "sex", "trigger",
        "event_count", "event_categories", "developmental_risk", "risk_band", "peak_period", "ace_count",
        "functioning_index", "relational_health", "relational_band", "resilience",
        "entry_region", "phase",
    ]
    for domain in instrument.domain_ids:
        columns += [f"domain_{domain}_index", f"domain_{domain}_band", f"domain_{domain}_status"]
    for period in instrument.period_ids:
        columns += [f"history_{period}_adversity", f"history_{period}_relational_health"]
    columns += [f"functioning_{item}" for item in instrument.item_ids]
    columns += [f"relational_{item}" for item in instrument.relational_item_ids]
    # The column appears once some client in the export has a recorded sex.
    return columns if with_sex else [c for c in columns if c != "sex"]


def _number(value: Any) -> Any:
    return "" if value is None else value


def _recorded_sex(client: Any) -> str:
    """The sex recorded in the client's context (rootmap.core.context), "" when none is.
    It read a `sex` attribute no record has, and so left the column out of every export."""
    value = (client.context or {}).get("sex") if isinstance(client.context, dict) else None
    return value if value in SEXES and value != "not_recorded" else ""


def _row(assessment: Assessment, key: bytes, first_date: Any) -> tuple[dict[str, Any], Facts]:
    """The row without its quasi-identifiers, and the facts they are made from."""
    client = assessment.client
    inputs = assessment.inputs or {}
    result = assessment.result or {}
    age = age_in_months(client.birth_date, assessment.date)
    # A signed assessment counts the events it was signed with, not ones added later.
    signed_events = (assessment.snapshot or {}).get("events") if assessment.snapshot else None
    events_so_far = [
        e for e in (client.events if signed_events is None else signed_events) or []
        if isinstance(e, dict) and isinstance(e.get("onset_months"), int) and e["onset_months"] <= age
    ]
    facts = Facts(
        client=pseudonym("client", client.pk, key=key),
        age_months=age,
        sex=_recorded_sex(client),
        trigger=str(inputs.get("trigger") or ""),
        event_count=len(events_so_far),
        event_categories=tuple(sorted({str(e.get("category", "")) for e in events_so_far})),
        organisation=pseudonym("organisation", client.organisation_id, key=key),
    )
    row: dict[str, Any] = {
        "client": facts.client,
        "assessment": pseudonym("assessment", assessment.pk, key=key),
        "amends": pseudonym("assessment", assessment.amends_id, key=key) if assessment.amends_id else "",
        "kind": assessment.kind,
        "instrument_version": assessment.instrument_version,
        "days_since_first_assessment": (assessment.date - first_date).days,
    }
    for name in ("developmental_risk", "risk_band", "peak_period", "ace_count",
                 "functioning_index", "relational_health", "relational_band", "resilience",
                 "entry_region", "phase"):
        row[name] = _number(result.get(name))
    for domain, values in (result.get("domains") or {}).items():
        if isinstance(values, dict):
            row[f"domain_{domain}_index"] = _number(values.get("index"))
            row[f"domain_{domain}_band"] = _number(values.get("band"))
            row[f"domain_{domain}_status"] = _number(values.get("status"))
    for period, ratings in (inputs.get("history") or {}).items():
        if isinstance(ratings, dict):
            row[f"history_{period}_adversity"] = _number(ratings.get("adversity"))
            row[f"history_{period}_relational_health"] = _number(ratings.get("relational_health"))
    for item, rating in (inputs.get("functioning") or {}).items():
        row[f"functioning_{item}"] = _number(rating)
    for item, rating in (inputs.get("relational") or {}).items():
        row[f"relational_{item}"] = _number(rating)
    return row, facts


@dataclass(frozen=True)
class ResearchExport:
    rows: int
    metadata: dict[str, Any] = field(default_factory=dict)


Progress = Callable[[int, int], None]  # (rows written, rows in all)


def _final_assessments(organisation_id: int | None) -> Any:
    assessments = Assessment.objects.filter(status=Assessment.Status.FINAL).select_related("client")
    if organisation_id is not None:
        assessments = assessments.filter(client__organisation_id=organisation_id)
    return assessments.order_by("client_id", "date", "id")


def _rows_in_order(organisation_id: int | None, key: bytes) -> Iterator[tuple[dict[str, Any], Facts]]:
    first_dates: dict[int, Any] = {}  # one date per client, not per row
    for assessment in _final_assessments(organisation_id).iterator(chunk_size=500):
        first = first_dates.setdefault(assessment.client_id, assessment.date)
        yield _row(assessment, key, first)


def research_rows_stream(*, organisation_id: int | None = None, k: int | None = None,
                         progress: Progress | None = None,
                         ) -> tuple[Iterator[dict[str, Any]], dict[str, Any]]:
    """The k-anonymous rows, one at a time, and the metadata. Two passes over the
    finalised assessments, in one order: the first keeps only each row's quasi-identifier
    facts (k-anonymity must see them all before the first row is written), the second
    builds each row again and yields it with its generalised values; the rows themselves
    are never all in memory. Run both inside one transaction (REPEATABLE READ on
    PostgreSQL, as research_export_write does) so that the passes see the same rows."""
    k = default_k() if k is None else k
    if k < 1:
        raise ValueError("k must be a whole number of at least 1")
    key = pseudonym_key()
    facts = [row_facts for _row_data, row_facts in _rows_in_order(organisation_id, key)]
    anonymised = k_anonymise(facts, k=k)
    with_sex = any(f.sex for f in facts)
    clients_in = {f.client for f in facts}
    clients_out = {f.client for f, level in zip(facts, anonymised.levels, strict=True)
                   if level is not None}
    kept = sum(1 for level in anonymised.levels if level is not None)
    metadata = {
        "format": METADATA_FORMAT,
        "k": k,
        "scope": "organisation" if organisation_id is not None else "all organisations",
        "quasi_identifiers": [c for c in QUASI_COLUMNS if with_sex or c != "sex"],
        "withheld_marker": WITHHELD,
        "assessments_finalised": len(facts),
        "rows": kept,
        "clients": len(clients_out),
        "rows_suppressed": anonymised.suppressed,
        "clients_suppressed": len(clients_in - clients_out),
        "generalised": [
            {"step": step, "rows": anonymised.rows_at_or_above(number)}
            for number, step in enumerate(STEPS, start=1) if anonymised.rows_at_or_above(number)
        ],
        "ages": "age_years in whole years (or a band); age_months only under 3 years",
        "dates": "none; days_since_first_assessment counts from the client's first finalised "
                 "assessment",
    }

    def rows() -> Iterator[dict[str, Any]]:
        written = 0
        second = _rows_in_order(organisation_id, key)
        for (row, row_facts), first_facts, level in zip(second, facts, anonymised.levels, strict=True):
            if row_facts != first_facts:  # the passes must agree, or the guarantee is void
                raise RuntimeError("the finalised assessments changed during the export")
            if level is not None:
                yield {**row, **quasi_values(row_facts, level)}
                written += 1
                if progress is not None and written % 1000 == 0:
                    progress(written, kept)
        if progress is not None:
            progress(written, kept)

    return rows(), metadata


def research_rows(*, organisation_id: int | None = None, k: int | None = None,
                  ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The k-anonymous rows of every finalised assessment (of one organisation, or of all)
    and the metadata saying what was generalised and suppressed."""
    with transaction.atomic():
        rows, metadata = research_rows_stream(organisation_id=organisation_id, k=k)
        return list(rows), metadata


def research_export_write(*, stream: TextIO, user: Any = None, request: Any = None,
                          organisation_id: int | None = None, via: str = "web",
                          k: int | None = None, command_line: Any = None,
                          progress: Progress | None = None) -> ResearchExport:
    """Write the CSV to `stream` and record the export in the audit log; returns the number
    of rows and the metadata (what was generalised and suppressed) to write beside it.
    `command_line` (audit.services.CommandLineActor) names who ran `rootmap export`."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # both passes read one snapshot
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        rows, metadata = research_rows_stream(organisation_id=organisation_id, k=k,
                                              progress=progress)
        metadata["created_at"] = timezone.now().isoformat()
        columns = _columns(with_sex="sex" in metadata["quasi_identifiers"])
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", restval="",
                                lineterminator="\n")
        writer.writeheader()
        for row in rows:  # written as built: memory does not grow with the rows
            writer.writerow(row)
        audit_record(action="export", request=request, user=user, organisation_id=organisation_id,
                     command_line=command_line,
                     detail={"export": "de-identified research CSV", "rows": metadata["rows"], "via": via,
                             "scope": "organisation" if organisation_id is not None else "all",
                             "k": metadata["k"], "rows_suppressed": metadata["rows_suppressed"]})
    return ResearchExport(rows=metadata["rows"], metadata=metadata)
