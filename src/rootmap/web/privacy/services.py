"""De-identified research export: one CSV row per finalised assessment.

What is kept and what goes (docs/decisions/0006-security-controls.md):
- ids become keyed pseudonyms, HMAC-SHA256 with the pseudonym key (rootmap.web.keys):
  stable across exports made with one key, not reversible and not guessable without it;
- every date is shifted by the client's own offset (-180..+180 days, never 0, derived
  from the key), so intervals between one client's assessments stay true;
- ages in months (from the real dates) are kept, as are the kind, instrument version,
  every rating and every score;
- names, birth dates, references, interests, event notes and sources, informants,
  documents and amendment reasons are dropped; events keep only category and timing
  in months.

>>> count = research_export_write(stream=f, user=admin, organisation_id=admin.organisation_id)
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterator
from typing import Any, TextIO

from django.db import transaction

from rootmap.core.ages import age_in_months
from rootmap.instruments import load_instrument
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.services import audit_record
from rootmap.web.keys import pseudonym_key

MAX_SHIFT_DAYS = 180


def _mac(message: str, key: bytes) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def pseudonym(kind: str, pk: int, *, key: bytes | None = None) -> str:
    """`kind` is "client" or "assessment": the two never share a pseudonym."""
    prefix = {"client": "C", "assessment": "A"}[kind]
    return f"{prefix}-{_mac(f'{kind}:{pk}', key or pseudonym_key()).hex()[:16]}"


def date_shift_days(client_pk: int, *, key: bytes | None = None) -> int:
    """The client's offset in days, -180..-1 or 1..180."""
    raw = int.from_bytes(_mac(f"date-shift:{client_pk}", key or pseudonym_key())[:8], "big")
    offset = raw % (2 * MAX_SHIFT_DAYS) + 1  # 1..360
    return offset if offset <= MAX_SHIFT_DAYS else MAX_SHIFT_DAYS - offset  # 1..180 or -1..-180


def _columns() -> list[str]:
    instrument = load_instrument("1")
    columns = [
        "client", "assessment", "amends", "kind", "instrument_version", "date_shifted",
        "age_months", "trigger", "event_count", "event_categories",
        "developmental_risk", "risk_band", "peak_period", "ace_count",
        "functioning_index", "relational_health", "relational_band", "resilience",
        "entry_region", "phase",
    ]
    for domain in instrument.domain_ids:
        columns += [f"domain_{domain}_index", f"domain_{domain}_band", f"domain_{domain}_status"]
    for period in instrument.period_ids:
        columns += [f"history_{period}_adversity", f"history_{period}_relational_health"]
    columns += [f"functioning_{item}" for item in instrument.item_ids]
    columns += [f"relational_{item}" for item in instrument.relational_item_ids]
    return columns


def _number(value: Any) -> Any:
    return "" if value is None else value


def _row(assessment: Assessment, key: bytes) -> dict[str, Any]:
    client = assessment.client
    shift = dt.timedelta(days=date_shift_days(client.pk, key=key))
    inputs = assessment.inputs or {}
    result = assessment.result or {}
    # A signed assessment counts the events it was signed with, not ones added later.
    signed_events = (assessment.snapshot or {}).get("events") if assessment.snapshot else None
    events_so_far = [
        e for e in (client.events if signed_events is None else signed_events) or []
        if isinstance(e, dict) and isinstance(e.get("onset_months"), int)
        and e["onset_months"] <= age_in_months(client.birth_date, assessment.date)
    ]
    row: dict[str, Any] = {
        "client": pseudonym("client", client.pk, key=key),
        "assessment": pseudonym("assessment", assessment.pk, key=key),
        "amends": pseudonym("assessment", assessment.amends_id, key=key) if assessment.amends_id else "",
        "kind": assessment.kind,
        "instrument_version": assessment.instrument_version,
        "date_shifted": (assessment.date + shift).isoformat(),
        "age_months": age_in_months(client.birth_date, assessment.date),
        "trigger": inputs.get("trigger") or "",
        "event_count": len(events_so_far),
        "event_categories": ";".join(sorted({str(e.get("category", "")) for e in events_so_far})),
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
    return row


def research_rows(*, organisation_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Rows of every finalised assessment (of one organisation, or of all)."""
    key = pseudonym_key()
    assessments = Assessment.objects.filter(status=Assessment.Status.FINAL).select_related("client")
    if organisation_id is not None:
        assessments = assessments.filter(client__organisation_id=organisation_id)
    for assessment in assessments.order_by("client_id", "date", "id").iterator(chunk_size=500):
        yield _row(assessment, key)


def research_export_write(*, stream: TextIO, user: Any = None, request: Any = None,
                          organisation_id: int | None = None, via: str = "web") -> int:
    """Write the CSV to `stream` and record the export in the audit log; returns the rows."""
    columns = _columns()
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore", restval="",
                            lineterminator="\n")
    with transaction.atomic():
        writer.writeheader()
        count = 0
        for row in research_rows(organisation_id=organisation_id):
            writer.writerow(row)
            count += 1
        audit_record(action="export", request=request, user=user, organisation_id=organisation_id,
                     detail={"export": "de-identified research CSV", "rows": count, "via": via,
                             "scope": "organisation" if organisation_id is not None else "all"})
    return count
