"""The layers stay apart: the scoring core and instrument data never import Django or the web."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is not installed"
    completed = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert " kept, 0 broken." in completed.stdout
    assert "Interoperability (FHIR, CSV) stays free of Django and the web layer KEPT" in " ".join(
        completed.stdout.split())
