"""A cap on the bytes of an uploaded file, applied while the request is read.

Django keeps no limit on a file's size (DATA_UPLOAD_MAX_MEMORY_SIZE counts only the other
fields). This handler, put first, skips a file as soon as it passes the limit, so nothing
larger than the limit is spooled to disk, and notes it: the view then says the file is too
big instead of failing (never a 500). Put `client_max_body_size` in front, too (docs).
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


class SizeCap(FileUploadHandler):
    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.refused: list[tuple[str, int]] = []  # (file name, bytes seen before skipping)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > self.limit:
            self.refused.append((str(self.file_name or ""), self.received))
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def cap_uploads(request: HttpRequest, limit: int) -> SizeCap:
    """Install the cap before anything reads the body (the view must be csrf_exempt and
    check the token itself, since the CSRF check reads the form)."""
    cap = SizeCap(request, limit)
    request.upload_handlers.insert(0, cap)
    return cap
