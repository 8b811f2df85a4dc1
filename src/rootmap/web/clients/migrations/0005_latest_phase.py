"""Client.latest_phase (decision 0033): the phase of the latest current finalised
assessment, stored so that the dashboard's phase filter reads a column and an index.

The column is added with "unassessed" (no assessment), then filled for every client by
primary key in batches of 1,000 clients, one UPDATE per batch computing in SQL what the
dashboard's subquery computed (clients.latest_phase.latest_phase_value, written out here
on the historical models): constant memory at any size. The index is built after the
fill, once, instead of being updated row by row.
"""

from django.db import migrations, models
from django.db.models import Case, CharField, Exists, OuterRef, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform

BATCH = 1000


def fill(apps, schema_editor):
    Assessment = apps.get_model("assessments", "Assessment")
    Client = apps.get_model("clients", "Client")
    superseded = Assessment.objects.filter(amends=OuterRef("pk"), status="final")
    current = Assessment.objects.filter(status="final", client=OuterRef("pk")).filter(~Exists(superseded))
    latest = current.order_by("-date", "-id").annotate(p=KeyTextTransform("phase", "result")).values("p")[:1]
    value = Case(When(Exists(current), then=Subquery(latest)), default=Value("unassessed"),
                 output_field=CharField())
    ids = Client.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        batch = list(ids.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        Client.objects.filter(pk__in=batch).update(latest_phase=value)
        last = batch[-1]


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_pages_follow_up_fill"),
        ("assessments", "0006_pages_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="latest_phase",
            field=models.CharField(blank=True, default="unassessed", editable=False, max_length=20, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        # Dashboard / client list and API v1 client list filtered by phase (clients.models).
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["organisation", "latest_phase", "display_name", "id"],
                               name="client_org_phase_name_idx"),
        ),
    ]
