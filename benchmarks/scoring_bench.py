"""Scoring throughput and memory: 10,000 assessments (full + follow-ups) through the public API.

Target: at least 5,000 assessments per second on one core, and peak memory that does not
grow with the number of assessments scored in a stream.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import rootmap
from rootmap.core.ages import add_months

ASSESSMENTS_PER_CASE = 3  # a full assessment and two follow-ups


def synthetic_cases(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """Realistic-shaped case files, generated one at a time (nothing is kept)."""
    instrument = rootmap.load_instrument("1")
    rng = random.Random(seed)
    categories = list(instrument.event_categories)
    for n in range(count):
        age = rng.randint(36, 200)
        birth = add_months(date(2024, 1, 1), -age)
        assessments = []
        for k, kind in enumerate(("full", "follow_up", "follow_up")):
            months = age + 6 * k
            functioning = {
                i.id: rng.choice((None, 0, 1, 2, 3, 4, 4, 5))
                for i in instrument.functioning_items if i.min_age_months <= months
            }
            history = {
                p.id: {"adversity": rng.choice((None, 0, 1, 2, 3, 4)),
                       "relational_health": rng.choice((None, 0, 1, 2, 3, 4))}
                for p in instrument.periods if p.start <= age
            } if kind == "full" else {}
            assessments.append({
                "id": f"A-{k + 1}", "kind": kind, "date": add_months(date(2024, 1, 1), 6 * k).isoformat(),
                "history": history, "functioning": functioning,
                "relational": {i: rng.randint(0, 4) for i in instrument.relational_item_ids},
            })
        yield {
            "format": "rootmap-case/1",
            "client": {"id": f"C-{n}", "birth_date": birth.isoformat()},
            "interests": rng.sample(["music", "animals", "sport", "art", "water", "building"], 2),
            "events": [{"category": rng.choice(categories), "onset_months": rng.randint(-9, age - 1),
                        "end_months": None, "severity": rng.randint(1, 4)} for _ in range(rng.randint(0, 6))],
            "assessments": assessments,
        }


def score_stream(cases: int) -> int:
    scored = 0
    for data in synthetic_cases(cases):
        scored += len(rootmap.score_history(rootmap.parse_case(data)))
    return scored


def _peak_rss_streaming(cases: int) -> int:
    """Peak resident memory (KiB) of a fresh process that scores `cases` generated cases."""
    code = (
        "import resource, benchmarks.scoring_bench as b; "
        f"b.score_stream({cases}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(completed.stdout.strip())


def _command_wall_time(runs: int = 7) -> float:
    """Median wall time of `rootmap score FILE` in a new process, as a clinician would run it."""
    example = Path(__file__).resolve().parents[1] / "examples" / "school-age-foster.json"
    command = [sys.executable, "-m", "rootmap", "score", str(example)]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(assessments: int = 10_000) -> dict[str, Any]:
    cases = assessments // ASSESSMENTS_PER_CASE
    score_stream(50)  # warm caches (instrument, catalogue) outside the timing
    inputs = list(synthetic_cases(cases))
    start = time.perf_counter()
    scored = 0
    for data in inputs:
        scored += len(rootmap.score_history(rootmap.parse_case(data)))
    elapsed = time.perf_counter() - start
    del inputs

    small_rss = _peak_rss_streaming(cases // 10)
    large_rss = _peak_rss_streaming(cases)
    return {
        "`rootmap score FILE` median wall time (s)": round(_command_wall_time(), 3),
        "target wall time (s)": 0.3,
        "assessments scored": scored,
        "seconds": round(elapsed, 3),
        "assessments per second": round(scored / elapsed),
        "target per second": 5000,
        f"peak RSS streaming {cases // 10 * ASSESSMENTS_PER_CASE} assessments (MiB)": round(small_rss / 1024, 1),
        f"peak RSS streaming {cases * ASSESSMENTS_PER_CASE} assessments (MiB)": round(large_rss / 1024, 1),
        "memory grows with the stream": large_rss > 1.10 * small_rss,
    }
