"""The audit log's client filter (`?client=C-0102`, decision 0033) names the organisation's client
by its reference in any case (`iexact`: UPPER(reference) = UPPER(:text)); the unique
(organisation, reference) constraint cannot serve that, so the lookup read every client of the
organisation (26 ms at 25,000)."""

from django.db import migrations, models
from django.db.models.functions import Upper


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_latest_phase"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="client",
            index=models.Index(models.F("organisation"), Upper("reference"), name="client_org_reference_upper_idx"),
        ),
    ]
