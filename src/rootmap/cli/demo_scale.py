"""`rootmap demo --clients N`: the synthetic organisations of rootmap.web.scale, with progress."""

from __future__ import annotations

import sys


def load_scale(clients: int, seed: int) -> bool:
    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.scale.seed import SeedRefused, scale_load

    if clients < 0:
        print("rootmap demo: --clients must be 0 or more", file=sys.stderr)
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
