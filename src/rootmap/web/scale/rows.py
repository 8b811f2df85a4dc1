"""Many rows at once: COPY on PostgreSQL, bulk_create elsewhere (SQLite).

Rows carry primary keys chosen here (`next_ids`), so that rows referring to each other
(clients, their assessments, amendments, audit entries) are built before any is written;
the sequences are moved past them at the end (`sequences_reset`). The columns are the
model's own concrete fields, so a column another change adds (with its default) is written too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone


class EncodedJSON(dict):  # type: ignore[type-arg]
    """A JSON object whose text is already made: COPY writes the text as it is.

    The seed's snapshots and results share most of their content between clients; their
    text is built once from shared parts instead of encoded again for each row.
    """

    __slots__ = ("text",)

    def __init__(self, data: dict, text: str) -> None:  # type: ignore[type-arg]
        super().__init__(data)
        self.text = text


def next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def _value(field: models.Field, obj: models.Model) -> object:
    # Plain attribute values (int, str, date, aware datetime) go to COPY as they are; only
    # JSON is encoded here, once. Cheaper than get_db_prep_save per value, at a million rows.
    value = getattr(obj, field.attname)
    if isinstance(field, models.DateTimeField) and value is None and (field.auto_now or field.auto_now_add):
        value = timezone.now()
    if isinstance(value, EncodedJSON):
        return value.text
    if isinstance(field, models.JSONField):
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Write `objs` (each with its primary key set) in one statement per table."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=500)
        return
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([_value(f, obj) for f in fields])


def sequences_reset(models_written: Sequence[type[models.Model]]) -> None:
    """After explicit primary keys, the next row the application writes gets a new one."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_written))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
