"""`rootmap demo --clients N`: the synthetic organisations of rootmap.web.scale, with progress."""

from __future__ import annotations

import sys

MAX_CLIENTS = 1_000_000  # ten times the benchmark's largest (docs/performance.md); more never ends


def load_scale(clients: int, seed: int) -> bool:
    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.scale.seed import SeedRefused, scale_load

    if not 0 <= clients <= MAX_CLIENTS:
        print(f"rootmap demo: --clients must be from 0 to {MAX_CLIENTS:,}, not {clients:,}", file=sys.stderr)
        return False
    try:
        summary = scale_load(clients=clients, seed=seed, command_line=command_line_actor(),
                             progress=lambda text: print(f"  {text}", flush=True))
    except SeedRefused as error:
        print(f"rootmap demo: {error}", file=sys.stderr)
        return False
    if summary.already:
        print(f"Scale data already loaded: {clients} synthetic clients (seed {seed}).")
    else:
        print(f"Scale data loaded in {summary.seconds:.0f} s: {clients} synthetic clients, "
              f"{summary.assessments} assessments, {summary.households} households, "
              f"{summary.audit_entries} audit entries (seed {seed}).")
    return True
