"""SQLite backend whose flush drops the integrity triggers before its DELETEs.

Django flushes SQLite with row-by-row DELETEs (the test suite does so after every
transactional test), which the triggers rightly refuse. The flush emits post_migrate
afterwards, which puts the triggers back (rootmap.web.integrity.apps).
"""

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        from rootmap.web.integrity.triggers import sqlite_drop_statements

        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        return [*sqlite_drop_statements(), *statements]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
