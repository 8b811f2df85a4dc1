"""Writes of documents' files: attach a file to a document row of a draft, remove it.

A file is checked by its content (rootmap.web.sources.content) and kept once per client
and SHA-256 (two rows or an amendment naming the same bytes share it). The row records
the file's name, media type, size and SHA-256, so the snapshot signed with the
assessment names exactly which file was reviewed; a finalised assessment never changes,
so its files cannot be removed. Each write commits with its audit entry.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from rootmap.web.assessments.errors import FieldInvalid
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import _conflict, _lock, _save, _stale
from rootmap.web.audit.services import audit_record
from rootmap.web.sources import storage
from rootmap.web.sources.content import ContentRefused, checked_media_type
from rootmap.web.sources.models import DocumentFile
from rootmap.web.sources.selectors import referenced_sha256s


def max_bytes() -> int:
    return int(settings.ROOTMAP_DOCUMENT_MAX_MB) * 1024 * 1024


def too_big_message(name: str, size: int | None = None) -> str:
    got = f" ({size / 1_048_576:.1f} MB)" if size else ""
    return (f"{name[:80] or 'The file'}: is larger than the limit of {settings.ROOTMAP_DOCUMENT_MAX_MB} MB{got}; "
            "attach a smaller copy (for example scanned at a lower resolution)")


def _row(locked: Assessment, index: int, field: str) -> dict[str, Any]:
    rows = (locked.inputs or {}).get("documents") or []
    if not 0 <= index < len(rows):
        raise FieldInvalid(field, f"Document {index + 1}: this row no longer exists; reload the page")
    row: dict[str, Any] = rows[index]
    return row


def _clean_name(name: str) -> str:
    # Only the last part of a path a browser may send, without control characters, 200 at most.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:200] or "document"


def document_file_attach(
    *, assessment: Assessment, user: Any, index: int, name: str, content: bytes, revision: int,
    request: HttpRequest | None = None,
) -> Assessment:
    """Attach `content` to document row `index` (replacing a file it had). Raises
    FieldInvalid (too big, not a PDF/PNG/JPEG, a PDF with JavaScript: nothing kept),
    AssessmentConflict or AssessmentLocked."""
    field = f"documents.{index}.file"
    name = _clean_name(name)
    if len(content) > max_bytes():
        raise FieldInvalid(field, too_big_message(name, len(content)))
    if not content:
        raise FieldInvalid(field, f"{name}: is empty; attach the document's file")
    try:
        media_type = checked_media_type(content, name)
    except ContentRefused as error:
        raise FieldInvalid(field, str(error)) from None
    sha256 = hashlib.sha256(content).hexdigest()
    written: str | None = None
    try:
        with transaction.atomic():
            locked = _lock(assessment)
            if _stale(locked, revision):
                raise _conflict(revision, locked.revision)
            row = _row(locked, index, field)
            previous = (row.get("file") or {}).get("sha256")
            stored = DocumentFile.objects.select_for_update().filter(client=locked.client, sha256=sha256).first()
            if stored is None:
                written = storage.store(content)
                stored = DocumentFile.objects.create(client=locked.client, sha256=sha256, stored_name=written,
                                                     media_type=media_type, size=len(content), uploaded_by=user)
            row["file"] = {"name": name, "media_type": media_type, "size": len(content), "sha256": sha256}
            _save(locked)
            audit_record(action="upload", request=request, user=user, obj=locked,
                         detail={"document": index + 1, "sha256": sha256, "media_type": media_type,
                                 "size": len(content), "replaces": previous})
            if previous and previous != sha256:
                _forget_unused(locked, previous)
    except BaseException:
        if written:  # the row was not saved: no file without its record
            storage.discard(written)
        raise
    return locked


def _forget_unused(locked: Assessment, sha256: str) -> None:
    """Delete a client's file no assessment names any more (drafts, finalised, snapshots).
    The bytes go after the commit, so a rolled-back removal keeps them."""
    if sha256 in referenced_sha256s(locked.client):
        return
    stored = DocumentFile.objects.filter(client=locked.client, sha256=sha256).first()
    if stored is None:
        return
    name = stored.stored_name
    stored.delete()
    transaction.on_commit(lambda: storage.discard(name))


def document_file_remove(
    *, assessment: Assessment, user: Any, index: int, revision: int, request: HttpRequest | None = None,
) -> Assessment:
    """Take the file off document row `index` of a draft (the row stays). A finalised
    assessment's files are frozen: AssessmentLocked."""
    field = f"documents.{index}.file"
    with transaction.atomic():
        locked = _lock(assessment)
        if _stale(locked, revision):
            raise _conflict(revision, locked.revision)
        row = _row(locked, index, field)
        file = row.pop("file", None)
        if not file:
            raise FieldInvalid(field, f"Document {index + 1}: has no file to remove")
        _save(locked)
        audit_record(action="remove_file", request=request, user=user, obj=locked,
                     detail={"document": index + 1, "sha256": file.get("sha256")})
        _forget_unused(locked, str(file.get("sha256")))
    return locked


def source_row_remove(
    *, assessment: Assessment, user: Any, section: str, index: int, revision: int,
    request: HttpRequest | None = None,
) -> Assessment:
    """Remove an informant or document row; a document's file goes with it (audited as a removal)."""
    from rootmap.web.assessments.services import assessment_row_remove

    with transaction.atomic():
        rows = (assessment.inputs or {}).get(section) or []
        if section == "documents" and 0 <= index < len(rows) and (rows[index] or {}).get("file"):
            assessment = document_file_remove(assessment=assessment, user=user, index=index,
                                              revision=revision, request=request)
            revision = assessment.revision
        return assessment_row_remove(assessment=assessment, user=user, section=section, index=index,
                                     revision=revision, request=request)
