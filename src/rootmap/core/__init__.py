"""Rootmap's pure domain code: case files, scoring, the plan, the caregiver estimator.

Nothing here imports Django, WeasyPrint or the web layer, and nothing does I/O; an
import-linter contract (run by `make test`) keeps it so.
"""
