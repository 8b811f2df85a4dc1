"""SQLite backend: WAL journal on every file database, a flush that lifts the triggers, and
the searches' fold function (`rootmap_fold`, rootmap.web.search) on every connection.

Django flushes SQLite with row-by-row DELETEs (the test suite does so after every
transactional test), which the triggers rightly refuse. The flush emits post_migrate
afterwards, which puts the triggers back (rootmap.web.integrity.apps).

Write-ahead logging lets readers go on while one writer commits (the default rollback
journal blocks every reader during a write), which a team of clinicians autosaving needs;
the settings add the busy timeout and BEGIN IMMEDIATE (docs/decisions/0010).

A database file this backend creates is readable by its owner only (0600), as backups and
exports are; SQLite gives its -wal and -shm files the database file's mode. A file that
exists already keeps the mode its operator gave it.
"""

import os

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        # Imported here: Django loads the backend before the app registry is ready.
        from rootmap.web.integrity.triggers import sqlite_drop_statements

        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        return [*sqlite_drop_statements(), *statements]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params):
        if not self.is_in_memory_db():
            _create_private(str(conn_params["database"]))
        conn = super().get_new_connection(conn_params)
        # The searches' case and accent fold (rootmap.web.search, decision 0034): SQLite's
        # LIKE folds ASCII only.
        from rootmap.web.search import register_sqlite

        register_sqlite(conn)
        if not self.is_in_memory_db():
            # Persistent in the file; asking again on each connection is cheap and covers a
            # database created before this setting existed.
            conn.execute("PRAGMA journal_mode=WAL")
        return conn


def _create_private(name: str) -> None:
    """Create the database file 0600 before SQLite creates it with the process's umask."""
    if name.startswith("file:"):  # a URI: SQLite's own way of naming a file; left to it
        return
    try:
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError:  # a missing folder, say: SQLite's own error says it better
        return
    os.close(fd)
