"""Settings for the test suite: the normal settings with testing switched on."""

import os

os.environ.setdefault("ROOTMAP_TESTING", "1")

from rootmap.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    import tempfile
    from pathlib import Path

    # A file, not memory: the browser tests' live server answers the page's concurrent
    # requests (autosave while a form posts) on separate connections, which one in-memory
    # database shared across threads cannot do. pytest-django adds a suffix per worker.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"rootmap-test-{os.getpid()}.sqlite3"),
    }
