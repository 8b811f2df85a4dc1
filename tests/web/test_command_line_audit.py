"""End to end through the `rootmap` command on a fresh SQLite database, with the
production code paths (no test settings): a command-line import is audited with the
operating-system user and host, the log is anchored in a checkpoint file beside the
database, and emptying the log with SQL is reported by `rootmap audit verify`."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path


def _rootmap(*args: str, cwd: Path, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DJANGO_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", ROOTMAP_DEMO="1", LOGNAME="demo-operator",
               USER="demo-operator")
    return subprocess.run([sys.executable, "-m", "rootmap", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


def test_a_demo_import_is_audited_anchored_and_an_emptied_log_is_reported(tmp_path):
    database = tmp_path / "demo.sqlite3"
    loaded = _rootmap("demo", "--no-serve", "--password", "a long demo password", cwd=tmp_path,
                      database=database)
    assert loaded.returncode == 0, loaded.stderr

    db = sqlite3.connect(database)
    imports = db.execute("select actor_id, actor_name, detail from audit_auditentry "
                         "where action = 'import'").fetchall()
    assert len(imports) == 3  # one per example client
    for actor_id, actor_name, detail in imports:
        assert actor_id is None and actor_name == f"demo-operator@{socket.gethostname()}"
        assert json.loads(detail)["via"] == "command line"

    # The first entry a process writes is anchored beside the database file.
    anchor = Path(f"{database}.audit-checkpoints.jsonl")
    assert anchor.exists() and (anchor.stat().st_mode & 0o777) == 0o600
    verify = _rootmap("audit", "verify", cwd=tmp_path, database=database)
    assert verify.returncode == 0, verify.stderr
    assert "Audit log intact" in verify.stdout and "matches the checkpoint" in verify.stdout

    # The attack of the issue: delete every entry and the head with SQL.
    db.execute("drop trigger rootmap_audit_no_delete")
    db.execute("delete from audit_auditentry")
    db.execute("delete from audit_audithead")
    db.execute("delete from audit_auditchainhead")  # one head per chain (decision 0029)
    db.commit()
    db.close()
    verify = _rootmap("audit", "verify", cwd=tmp_path, database=database)
    assert verify.returncode == 1
    assert "the audit log is empty but the database holds" in verify.stderr
    assert "Traceback" not in verify.stderr

    # Without the checkpoint file too, the records give it away; and a checkpoint is refused.
    anchor.unlink()
    assert _rootmap("audit", "verify", cwd=tmp_path, database=database).returncode == 1
    refused = _rootmap("audit", "checkpoint", cwd=tmp_path, database=database)
    assert refused.returncode == 1 and "No checkpoint was written" in refused.stderr
    assert not anchor.exists()
