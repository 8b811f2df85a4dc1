"""`rootmap demo --clients N`: the synthetic organisations of rootmap.web.scale, with progress."""

from __future__ import annotations

import sys

MAX_CLIENTS = 1_000_000  # ten times the benchmark's largest (docs/performance.md); more never ends


def clients_problem(clients: int) -> str | None:
    """Why --clients N is refused before the database is opened (None when it is not)."""
    if not 0 <= clients <= MAX_CLIENTS:
        return f"--clients must be from 0 to {MAX_CLIENTS:,}, not {clients:,}"
    return None


def seed_problem(clients: int, seed: int) -> str | None:
    """Why this database cannot take the scale seed, asked before the demo data is touched."""
    from rootmap.web.scale.seed import seed_refusal

    return seed_refusal(clients, seed) if clients else None


def load_scale(clients: int, seed: int) -> bool:
    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.scale.seed import SeedRefused, scale_load

    problem = clients_problem(clients)
    if problem:
        print(f"rootmap demo: {problem}", file=sys.stderr)
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
