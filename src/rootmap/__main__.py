"""`python -m rootmap` is the `rootmap` command."""

from rootmap.cli import main

raise SystemExit(main())
