"""Fill Client.next_follow_up_due for existing clients with the core schedule rule.

Streams the current finalised assessments in client order (constant memory) and writes
the due dates in batches; a client with none keeps NULL (nothing scheduled).
"""

import datetime as dt
from itertools import groupby

from django.db import migrations
from django.db.models import Exists, OuterRef

BATCH = 1000


def fill(apps, schema_editor):
    from rootmap.core.schedule import follow_up_status  # the one rule (decision 0027)

    Assessment = apps.get_model("assessments", "Assessment")
    Client = apps.get_model("clients", "Client")
    superseded = Assessment.objects.filter(amends=OuterRef("pk"), status="final")
    rows = (Assessment.objects.filter(status="final").filter(~Exists(superseded))
            .order_by("client_id", "date", "id").values_list("client_id", "kind", "date")
            .iterator(chunk_size=5000))
    pending = []
    for client_id, group in groupby(rows, key=lambda row: row[0]):
        due = follow_up_status([(kind, date) for _cid, kind, date in group], dt.date(2000, 1, 1)).next_due
        if due is not None:
            pending.append(Client(pk=client_id, next_follow_up_due=due))
        if len(pending) >= BATCH:
            Client.objects.bulk_update(pending, ["next_follow_up_due"])
            pending = []
    if pending:
        Client.objects.bulk_update(pending, ["next_follow_up_due"])


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_pages_indexes"),
        ("assessments", "0006_pages_indexes"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
