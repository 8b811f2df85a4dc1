"""Where Rootmap keeps files of its own that are not in the database (audit checkpoints,
job files): beside an SQLite database file, otherwise in the user's data folder, one name
per database so that two installations on one machine never share a file."""

from __future__ import annotations

import os
from pathlib import Path

from django.db import connections


def beside_database(suffix: str) -> Path:
    """`<sqlite file><suffix>`; for a server database, `<data folder>/<host>-<port>-<name><suffix>`
    (ROOTMAP_DATA_DIR, else $XDG_DATA_HOME/rootmap, else ~/.local/share/rootmap)."""
    database = connections["default"].settings_dict
    name = str(database.get("NAME") or "")
    if database["ENGINE"].endswith("sqlite3") and name and ":memory:" not in name \
            and not name.startswith("file:"):
        return Path(f"{name}{suffix}")
    data_dir = os.environ.get("ROOTMAP_DATA_DIR") or ""
    if not data_dir:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        data_dir = str(Path(xdg) / "rootmap")
    where = f"{database.get('HOST') or 'local'}-{database.get('PORT') or 'default'}-{name or 'rootmap'}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in where)
    return Path(data_dir) / f"{safe}{suffix}"
