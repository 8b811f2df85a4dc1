"""What an uploaded file is, read from its bytes: never from its name or the browser's word.

A document's file is accepted when its content is a PDF, a PNG or a JPEG, and refused with
a message saying why otherwise: an HTML page or a script renamed `.pdf` starts with other
bytes and is refused. A PDF that carries JavaScript (a /JS or /JavaScript action anywhere
in its objects, compressed object streams included, found by walking them with pypdf) is
refused too: reviewed records need no scripts, and a viewer might run them. So is a PDF with
a Launch action (`/S /Launch`: "open this program or file", the other way a PDF reaches
beyond the viewer); printing to a new PDF drops both. Images are
checked by Pillow, which reads their structure, not just their first bytes.
"""

from __future__ import annotations

import io
import re
import warnings

MEDIA_TYPES = {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image"}
_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_JS = re.compile(rb"/(?:JavaScript|JS)\b")
_LAUNCH = re.compile(rb"/Launch\b")
_MAX_OBJECTS = 200_000  # a bound on the walk: a real record has thousands at most


class ContentRefused(ValueError):
    """The file is not one Rootmap keeps; the message says why, in the clinician's words."""


def sniff(head: bytes) -> str | None:
    """The media type the first bytes say, or None."""
    if head.startswith(_PDF):
        return "application/pdf"
    if head.startswith(_PNG):
        return "image/png"
    if head.startswith(_JPEG):
        return "image/jpeg"
    return None


def _pdf_has_script(data: bytes) -> str | None:
    """What a PDF would run, if anything: "script" (JavaScript), "launch" (a Launch action) or None."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if _JS.search(data):
        return "script"
    if _LAUNCH.search(data):
        return "launch"
    reader = PdfReader(io.BytesIO(data), strict=False)
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]
    while stack:
        if len(seen) > _MAX_OBJECTS:
            raise ContentRefused("the PDF has too many objects to check")
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if "/JS" in node or node.get("/S") == NameObject("/JavaScript") or "/JavaScript" in node:
                return "script"
            if node.get("/S") == NameObject("/Launch"):
                return "launch"
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def checked_media_type(data: bytes, name: str) -> str:
    """The media type of `data`, or ContentRefused naming the file and what was expected."""
    shown = name[:80] or "The file"
    media_type = sniff(data[:16])
    if media_type is None:
        raise ContentRefused(f"{shown}: is not a PDF, PNG or JPEG file (its content says otherwise, whatever "
                             "its name); attach a PDF or an image")
    if media_type == "application/pdf":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scripted = _pdf_has_script(data)
        except ContentRefused as error:
            raise ContentRefused(f"{shown}: {error}") from None
        except Exception:  # pypdf raises many kinds on a damaged file: all mean "cannot be read"
            raise ContentRefused(f"{shown}: starts like a PDF but cannot be read as one (damaged or "
                                 "incomplete); attach the file again or a copy printed to PDF") from None
        if scripted == "script":
            raise ContentRefused(f"{shown}: the PDF contains JavaScript, which Rootmap does not keep; print it "
                                 "to a new PDF (which drops scripts) and attach that")
        if scripted == "launch":
            raise ContentRefused(f"{shown}: the PDF contains an action that opens another program or file, "
                                 "which Rootmap does not keep; print it to a new PDF (which drops such "
                                 "actions) and attach that")
        return media_type
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except Exception:  # Pillow's errors for a damaged image vary by format
        raise ContentRefused(f"{shown}: starts like an image but cannot be read as one (damaged or "
                             "incomplete); attach the file again") from None
    if {"PNG": "image/png", "JPEG": "image/jpeg"}.get(kind or "") != media_type:
        raise ContentRefused(f"{shown}: is not a PNG or JPEG image; attach a PDF or an image")
    return media_type
