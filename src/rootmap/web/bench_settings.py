"""Settings for `make bench-web` only: the demo settings plus a measuring middleware.

Never production: these settings refuse to load unless demo mode (ROOTMAP_DEMO) is on,
and the normal settings (rootmap.web.settings) never name the middleware.
"""

import os

if os.environ.get("ROOTMAP_DEMO") != "1":
    raise RuntimeError("rootmap.web.bench_settings is for `make bench-web` on a demo database "
                       "(ROOTMAP_DEMO=1); production uses rootmap.web.settings")

from rootmap.web.settings import *  # noqa: F403

# Outermost, so that it counts every query of the request and every allocation.
MIDDLEWARE = ["rootmap.web.bench_middleware.MeasureMiddleware", *MIDDLEWARE]  # noqa: F405
