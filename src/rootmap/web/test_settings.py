"""Settings for the test suite: the normal settings with testing switched on."""

import os

os.environ.setdefault("ROOTMAP_TESTING", "1")

from rootmap.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only

# No checkpoint file unless a test names one: the suite's databases are flushed between
# tests, and one file shared by them would record chains that no longer exist.
ROOTMAP_AUDIT_CHECKPOINT_FILE = os.environ.get("ROOTMAP_AUDIT_CHECKPOINT_FILE", "off")
ROOTMAP_AUDIT_CHECKPOINT_MINUTES = 0

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    import tempfile
    from pathlib import Path

    # A file, not memory: the browser tests' live server answers the page's concurrent
    # requests (autosave while a form posts) on separate connections, which one in-memory
    # database shared across threads cannot do. pytest-django adds a suffix per worker.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"rootmap-test-{os.getpid()}.sqlite3"),
    }

# Finished jobs' files go to a throwaway folder, never beside a developer's own data.
if not os.environ.get("ROOTMAP_JOB_DIR"):
    import tempfile as _tempfile

    ROOTMAP_JOB_DIR = _tempfile.mkdtemp(prefix="rootmap-test-jobs-")

# Documents' files too (rootmap.web.sources.storage).
if not os.environ.get("ROOTMAP_DOCUMENT_DIR"):
    import tempfile as _tempfile_documents

    ROOTMAP_DOCUMENT_DIR = _tempfile_documents.mkdtemp(prefix="rootmap-test-documents-")
