"""Report rendering: the full clinician PDF of the richest example, end to end.

Target: under 2 seconds per report on this machine, the first one included (a clinician
waits for it after clicking "download"). Measured from a parsed case file: scoring,
HTML, and WeasyPrint's layout and PDF output. CPU time is reported too: wall time swings
when other work shares the machine.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "school-age-foster.json"
TARGET_SECONDS = 2.0


def run(repeat: int = 5) -> dict[str, Any]:
    from rootmap.core.case import parse_case
    from rootmap.core.scoring import score_history
    from rootmap.render import report_pdf

    case = parse_case(json.loads(EXAMPLE.read_text("utf-8")))
    times: list[float] = []
    cpu: list[float] = []
    size = 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = report_pdf(case=case, results=score_history(case), audience="clinician")
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        size = len(pdf)
    return {
        "example": EXAMPLE.name,
        "runs": repeat,
        "first_seconds": round(times[0], 3),
        "mean_seconds": round(statistics.mean(times), 3),
        "max_seconds": round(max(times), 3),
        "cpu_mean_seconds": round(statistics.mean(cpu), 3),  # steadier on a busy machine
        "pdf_bytes": size,
        "target_seconds": TARGET_SECONDS,
        "meets_target": max(times) < TARGET_SECONDS,
    }


if __name__ == "__main__":  # pragma: no cover
    for key, value in run().items():
        print(f"{key}: {value}")
