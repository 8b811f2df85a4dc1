"""A file of a document reviewed, kept once per client and content (its SHA-256).

The document rows live in the assessment's inputs (the case-file format); a row with a
file names it by `file.sha256`. The bytes are on disk under `stored_name`
(rootmap.web.sources.storage), never in the web root.
"""

from django.conf import settings
from django.db import models

from rootmap.web.clients.models import Client


class DocumentFile(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="document_files")
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=32, unique=True)
    media_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "sha256"], name="document_file_per_client_content")
        ]

    def __str__(self) -> str:
        return f"file {self.sha256[:12]} of client {self.client_id}"
