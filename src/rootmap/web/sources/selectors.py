"""Reads of documents' files: which file an assessment names, and which a client still needs."""

from __future__ import annotations

from typing import Any

from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import Client
from rootmap.web.sources.models import DocumentFile


def documents_of(assessment: Assessment) -> list[dict[str, Any]]:
    """The document rows as the page shows them: a signed assessment's from its snapshot
    (what was signed), a draft's from its inputs."""
    if assessment.status == Assessment.Status.FINAL and assessment.snapshot:
        signed = next((a for a in assessment.snapshot.get("assessments") or []
                       if a.get("id") == assessment.reference), None)
        if signed is not None:
            return list(signed.get("documents") or [])
    return list((assessment.inputs or {}).get("documents") or [])


def file_of(assessment: Assessment, sha256: str) -> tuple[dict[str, Any], DocumentFile] | None:
    """The row naming `sha256` and its stored file, when this assessment names that file."""
    row = next((d for d in documents_of(assessment) if (d.get("file") or {}).get("sha256") == sha256), None)
    if row is None:
        return None
    stored = DocumentFile.objects.filter(client_id=assessment.client_id, sha256=sha256).first()
    return (row, stored) if stored is not None else None


def referenced_sha256s(client: Client) -> set[str]:
    """Every file SHA-256 any assessment of `client` names, in its inputs or its snapshot."""
    found: set[str] = set()
    for inputs, snapshot in Assessment.objects.filter(client=client).values_list("inputs", "snapshot"):
        rows = list((inputs or {}).get("documents") or [])
        for signed in (snapshot or {}).get("assessments") or []:
            rows += signed.get("documents") or []
        found |= {str(r["file"]["sha256"]) for r in rows if isinstance(r, dict) and isinstance(r.get("file"), dict)}
    return found
