"""Triggers that make finalised assessments and audit entries unchangeable in the database.

A finalised assessment is a clinical record someone signed: neither UPDATE nor DELETE may
touch it (an amendment is a new row that points at it). Audit entries are append-only.
The triggers raise an integrity error, so a code path that tries gets an IntegrityError
whatever it went through: a form, the API, an ORM `update()`, or raw SQL.

`suspended()` lifts them inside one transaction, for `rootmap restore --force` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

FINAL_MESSAGE = "rootmap-integrity: a finalised assessment cannot be changed or deleted"
AUDIT_MESSAGE = "rootmap-integrity: audit entries are append-only"
# Supervisor review rows (decision 0022): a request, a comment, a co-signature is written once.
REVIEW_MESSAGE = "rootmap-integrity: review requests, comments and co-signatures are append-only"
REVIEW_TABLES = ("assessments_reviewrequest", "assessments_reviewcomment", "assessments_cosignature")

_SQLITE_TRIGGERS = (
    "rootmap_final_assessment_no_update",
    "rootmap_final_assessment_no_delete",
    "rootmap_audit_no_update",
    "rootmap_audit_no_delete",
    *(f"rootmap_{t}_no_{op}" for t in REVIEW_TABLES for op in ("update", "delete")),
)


def _tables() -> tuple[str, str]:
    # Imported here: this module is loaded by the database backend and apps.py before
    # the app registry is ready, when models cannot be imported yet.
    from rootmap.web.assessments.models import Assessment
    from rootmap.web.audit.models import AuditEntry

    return Assessment._meta.db_table, AuditEntry._meta.db_table


def sqlite_drop_statements() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name};" for name in _SQLITE_TRIGGERS]


def _sqlite_create_statements() -> list[str]:
    assessments, audit = _tables()
    final = f"'{FINAL_MESSAGE}'"
    append_only = f"'{AUDIT_MESSAGE}'"
    return [
        f"CREATE TRIGGER IF NOT EXISTS rootmap_final_assessment_no_update "
        f"BEFORE UPDATE ON {assessments} FOR EACH ROW WHEN OLD.status = 'final' "
        f"BEGIN SELECT RAISE(ABORT, {final}); END;",
        f"CREATE TRIGGER IF NOT EXISTS rootmap_final_assessment_no_delete "
        f"BEFORE DELETE ON {assessments} FOR EACH ROW WHEN OLD.status = 'final' "
        f"BEGIN SELECT RAISE(ABORT, {final}); END;",
        f"CREATE TRIGGER IF NOT EXISTS rootmap_audit_no_update "
        f"BEFORE UPDATE ON {audit} FOR EACH ROW BEGIN SELECT RAISE(ABORT, {append_only}); END;",
        f"CREATE TRIGGER IF NOT EXISTS rootmap_audit_no_delete "
        f"BEFORE DELETE ON {audit} FOR EACH ROW BEGIN SELECT RAISE(ABORT, {append_only}); END;",
        *(f"CREATE TRIGGER IF NOT EXISTS rootmap_{table}_no_{op} BEFORE {op.upper()} ON {table} "
          f"FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{REVIEW_MESSAGE}'); END;"
          for table in REVIEW_TABLES for op in ("update", "delete")),
    ]


def _postgres_create_statements() -> list[str]:
    assessments, audit = _tables()
    # SQLSTATE 23000 (integrity_constraint_violation) reaches Django as IntegrityError.
    return [
        f"""CREATE OR REPLACE FUNCTION rootmap_forbid_final_assessment_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'final' THEN
                RAISE EXCEPTION '{FINAL_MESSAGE}' USING ERRCODE = '23000';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$;""",
        f"""CREATE OR REPLACE FUNCTION rootmap_forbid_audit_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{AUDIT_MESSAGE}' USING ERRCODE = '23000';
        END $$;""",
        f"DROP TRIGGER IF EXISTS rootmap_final_assessment_guard ON {assessments};",
        f"CREATE TRIGGER rootmap_final_assessment_guard BEFORE UPDATE OR DELETE ON {assessments} "
        f"FOR EACH ROW EXECUTE FUNCTION rootmap_forbid_final_assessment_change();",
        f"DROP TRIGGER IF EXISTS rootmap_audit_guard ON {audit};",
        f"CREATE TRIGGER rootmap_audit_guard BEFORE UPDATE OR DELETE ON {audit} "
        f"FOR EACH ROW EXECUTE FUNCTION rootmap_forbid_audit_change();",
        f"""CREATE OR REPLACE FUNCTION rootmap_forbid_review_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{REVIEW_MESSAGE}' USING ERRCODE = '23000';
        END $$;""",
        *(statement for table in REVIEW_TABLES for statement in (
            f"DROP TRIGGER IF EXISTS rootmap_{table}_guard ON {table};",
            f"CREATE TRIGGER rootmap_{table}_guard BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION rootmap_forbid_review_change();")),
    ]


def _postgres_drop_statements() -> list[str]:
    assessments, audit = _tables()
    return [
        f"DROP TRIGGER IF EXISTS rootmap_final_assessment_guard ON {assessments};",
        f"DROP TRIGGER IF EXISTS rootmap_audit_guard ON {audit};",
        *(f"DROP TRIGGER IF EXISTS rootmap_{table}_guard ON {table};" for table in REVIEW_TABLES),
    ]


def _tables_exist(using: str) -> bool:
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    # The review tables come with the same app's migrations as the assessments table.
    return set(_tables()) | set(REVIEW_TABLES) <= existing


def install(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Create the triggers (idempotent). Returns False when the tables do not exist yet."""
    if not _tables_exist(using):
        return False
    connection = connections[using]
    if connection.vendor == "sqlite":
        statements = _sqlite_create_statements()
    elif connection.vendor == "postgresql":
        statements = _postgres_create_statements()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"no integrity triggers for the {connection.vendor} database")
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return True


def drop(using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    statements = (
        sqlite_drop_statements() if connection.vendor == "sqlite" else _postgres_drop_statements()
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def installed(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Names of the integrity triggers present in the database."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall() if row[0].startswith("rootmap_")}


@contextmanager
def suspended(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Lift the triggers for the body of one transaction; they are back when it ends.

    Both SQLite and PostgreSQL roll DDL back with the transaction, so an error inside
    leaves the triggers as they were.
    """
    with transaction.atomic(using=using):
        drop(using)
        yield
        install(using)


def install_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    install(using)
