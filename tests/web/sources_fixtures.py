"""Real files for the sources tests: a PDF made by WeasyPrint, a PNG and a JPEG made by
Pillow, and a document row with a file on an assessment (stored the way an upload is)."""

from __future__ import annotations

import functools
import hashlib
import io
from typing import Any

from PIL import Image


@functools.cache
def pdf_bytes() -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string="<h1>School report</h1><p>Attendance 82%.</p>").write_pdf())


def png_bytes(colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "orange").save(out, format="JPEG")
    return out.getvalue()


HTML_AS_PDF = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf_with_javascript() -> bytes:
    """A real PDF (WeasyPrint's) with an OpenAction that runs JavaScript, added by pypdf."""
    from pypdf.generic import NameObject, TextStringObject

    return _pdf_with_open_action({"/S": NameObject("/JavaScript"), "/JS": TextStringObject("app.alert('hello');")})


def pdf_with_launch(*, hex_escaped: bool = False) -> bytes:
    """A real PDF with an OpenAction that launches a program; `hex_escaped` writes the name
    as /L#61unch, which a reader decodes to /Launch but a search of the bytes does not find."""
    from pypdf.generic import NameObject, TextStringObject

    data = _pdf_with_open_action({"/S": NameObject("/Launch"), "/F": TextStringObject("cmd.exe")})
    return data.replace(b"/Launch", b"/L#61unch") if hex_escaped else data


def _pdf_with_open_action(action: dict[str, Any]) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    entries = DictionaryObject({NameObject(k): v for k, v in action.items()})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(entries)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_file(assessment: Any, content: bytes | None = None, *, title: str = "School report") -> str:
    """Give `assessment` (a draft) a document row with `content` as its file; the SHA-256."""
    from rootmap.web.sources import storage
    from rootmap.web.sources.models import DocumentFile

    content = content if content is not None else png_bytes()
    sha = hashlib.sha256(content).hexdigest()
    if not DocumentFile.objects.filter(client=assessment.client, sha256=sha).exists():
        DocumentFile.objects.create(client=assessment.client, sha256=sha, stored_name=storage.store(content),
                                    media_type="image/png", size=len(content), uploaded_by=assessment.created_by)
    inputs = dict(assessment.inputs or {})
    inputs["documents"] = [*(inputs.get("documents") or []), {
        "title": title, "source": "School", "date": None,
        "file": {"name": "report.png", "media_type": "image/png", "size": len(content), "sha256": sha}}]
    assessment.inputs = inputs
    assessment.save(update_fields=["inputs"])
    return sha
