"""A small team on the embedded SQLite database: 20 writers at once against the real server.

`rootmap serve` (waitress, 8 threads) on a fresh SQLite demo file, 20 users signing in,
reading and autosaving their own drafts at the same time (benchmarks/sqlite_load.py, also
run by `make bench`). Before WAL, the busy timeout and BEGIN IMMEDIATE, about one request
in four failed with "database is locked" (docs/decisions/0010). Runs against SQLite whichever database the rest
of the suite uses.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.sqlite_load import audit_changes, demo_database, locked_in_log, run_load, running_server


def test_twenty_concurrent_writers_get_no_server_error_and_every_write_is_audited(tmp_path: Path) -> None:
    database = demo_database(tmp_path)
    with running_server(database) as server:
        result = run_load(server.base, users=20, rounds=4, seconds=120)
        log = server.output()

    assert result.failures == []
    assert result.server_errors == 0, result.statuses
    assert locked_in_log(log) == 0 and "database is locked" not in log
    assert len(result.draft_ids) == 20, "every user signed in and started a draft"
    # 20 users x 4 rounds x 2 autosaves, each changing a value: all written...
    assert result.writes == 20 * 4 * 2, result.statuses
    # ...each with exactly one audit entry, committed with it.
    assert audit_changes(database, result.draft_ids) == result.writes
