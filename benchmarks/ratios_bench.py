"""The scoring path against its floor, as ratios, each with the functions the time went to.

- scoring: parse_case + score_history through the public API over json.loads of the same
  files (target at most 3x), and parse_case alone (pydantic's share of the budget);
- `rootmap score FILE`: median wall time of a new process (target under 0.15 s), the share
  of it spent importing (`python -X importtime`), and the floor of the libraries it stands
  on: a bare interpreter, and one that imports pydantic and prints a one-row rich table;
- clinician PDF: report_pdf over WeasyPrint rendering a plain document of the same page
  count (target at most 2x), and the same report without its tables and without its
  figures, to size what each part of the report costs (decision 0032).

Wall times swing when other work shares the machine: the load average is printed too.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "school-age-foster.json"


def _top(profile: cProfile.Profile, n: int = 5) -> str:
    """The n functions with the most time of their own, as 'name (file) s'."""
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:n]  # type: ignore[attr-defined]
    return "; ".join(f"{func} ({Path(file).name}:{line}) {tottime:.3f}s"
                     for (file, line, func), (_, _, tottime, _, _) in rows)


def _best(function: Any, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def scoring(cases: int = 600) -> dict[str, Any]:
    import rootmap
    from benchmarks.scoring_bench import synthetic_cases

    texts = [json.dumps(case) for case in synthetic_cases(cases)]
    rootmap.score_history(rootmap.parse_case(json.loads(texts[0])))  # load the instrument first

    def parse_only() -> None:
        for text in texts:
            json.loads(text)

    def score_all() -> None:
        for text in texts:
            rootmap.score_history(rootmap.parse_case(json.loads(text)))

    def validate_only() -> None:
        for text in texts:
            rootmap.parse_case(json.loads(text))

    floor, scored, validated = _best(parse_only), _best(score_all), _best(validate_only)
    profile = cProfile.Profile()
    profile.runcall(score_all)
    return {
        "scoring / json.loads": f"{scored / floor:.1f}x (target <= 3x; {cases / scored:,.0f} files/s "
                                f"vs {cases / floor:,.0f})",
        "parse_case alone / json.loads": f"{validated / floor:.1f}x (the case-file check, before any scoring)",
        "scoring profile (top own time)": _top(profile),
    }


# What any command that checks with pydantic and prints with rich pays before its own code.
_STACK_FLOOR = ("from pydantic import BaseModel\n"
                "from rich.console import Console\n"
                "from rich.table import Table\n"
                "table = Table()\ntable.add_column('a')\ntable.add_row('x')\nConsole().print(table)")


def _median_wall(command: list[str], environment: dict[str, str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=environment)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command() -> dict[str, Any]:
    import compileall

    import rootmap

    # Bytecode as an installed package has it (pip compiles on install): with
    # PYTHONDONTWRITEBYTECODE set, a fresh tree would otherwise compile every module from
    # source on every run, a tenth of a second that no user pays.
    compileall.compile_dir(Path(rootmap.__file__).parent, quiet=1)
    run = [sys.executable, "-m", "rootmap", "score", str(EXAMPLE)]
    # The same environment the command sets for itself (rootmap.cli: no pydantic plugins).
    environment = {**os.environ, "PYDANTIC_DISABLE_PLUGINS": "__all__"}
    bare = _median_wall([sys.executable, "-c", "pass"], environment)
    stack = _median_wall([sys.executable, "-c", _STACK_FLOOR], environment)
    median = _median_wall(run, environment)
    imports = subprocess.run([sys.executable, "-X", "importtime", *run[1:]], capture_output=True,
                             text=True, check=True).stderr
    rows = [re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line) for line in imports.splitlines()]
    top_level = [m for m in rows if m and not m.group(3).strip(" ")[1:]]
    total = sum(int(m.group(2)) for m in rows if m and len(m.group(3)) == 1) / 1e6
    heaviest = sorted((m for m in top_level if m), key=lambda m: -int(m.group(1)))[:5]
    return {
        "`rootmap score FILE` wall": f"{median:.3f} s median of 7 (target < 0.15 s); imports {total:.3f} s",
        "floor of its libraries": f"{stack:.3f} s for python + pydantic's BaseModel + a one-row rich "
                                  f"table; {bare:.3f} s for a bare python",
        "heaviest modules (own import time)": "; ".join(
            f"{m.group(4)} {int(m.group(1)) / 1e6:.3f}s" for m in heaviest),
    }


def report() -> dict[str, Any]:
    from weasyprint import HTML  # type: ignore[import-untyped]

    from rootmap.core.case import parse_case
    from rootmap.core.scoring import score_history
    from rootmap.render import report_pdf
    from rootmap.render.report import report_html

    case = parse_case(json.loads(EXAMPLE.read_text("utf-8")))
    results = score_history(case)
    report_pdf(case=case, results=results, audience="clinician")  # fonts and caches loaded once

    def clinician() -> None:
        report_pdf(case=case, results=results, audience="clinician")

    ours = _best(clinician)
    html = report_html(case=case, results=results, audience="clinician")
    pages = len(HTML(string=html).render().pages)
    # Removal experiments: they change pages and words, so they only size the parts.
    no_tables = re.sub(r"<table\b.*?</table>", "", html, flags=re.S)
    no_figures = re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)
    without_tables = _best(lambda: HTML(string=no_tables).write_pdf())
    without_figures = _best(lambda: HTML(string=no_figures).write_pdf())
    text = "<p>" + "A plain paragraph of a plain document, as long as a report's. " * 40 + "</p>"
    plain = "<html><body>" + "".join(
        f"<section style='page-break-after: always'>{text}</section>" for _ in range(pages)) + "</body></html>"
    HTML(string=plain).write_pdf()

    def baseline() -> None:
        HTML(string=plain).write_pdf()

    floor = _best(baseline)
    profile = cProfile.Profile()
    profile.runcall(clinician)
    return {
        "clinician PDF / plain WeasyPrint": f"{ours / floor:.1f}x (target <= 2x; {ours:.2f} s vs "
                                            f"{floor:.2f} s for {pages} pages)",
        "the same report without its tables / plain": f"{without_tables / floor:.1f}x "
                                                      f"({html.count('<td')} table cells removed)",
        "the same report without its figures / plain": f"{without_figures / floor:.1f}x "
                                                       f"({html.count('<svg')} SVG figures removed)",
        "PDF profile (top own time)": _top(profile),
    }


def run() -> dict[str, Any]:
    results: dict[str, Any] = {"load average": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    for part in (scoring, command, report):
        results.update(part())
    return results


if __name__ == "__main__":  # pragma: no cover
    for key, value in run().items():
        print(f"{key}: {value}")
