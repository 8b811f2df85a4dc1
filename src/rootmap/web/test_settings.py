"""Settings for the test suite: the normal settings with testing switched on."""

import os

os.environ.setdefault("ROOTMAP_TESTING", "1")

from rootmap.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
