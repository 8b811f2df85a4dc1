"""Run every benchmark and print its measurements: `python -m benchmarks [name ...]`."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["ratios_bench", "scoring_bench", "report_bench", "sqlite_load", "entry_bench"]


def main(names: list[str]) -> int:
    for name in names or BENCHMARKS:
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as error:
            print(f"{name}: not available ({error})")
            continue
        print(f"== {name}: {(module.__doc__ or '').strip().splitlines()[0]}")
        for key, value in module.run().items():
            print(f"   {key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
