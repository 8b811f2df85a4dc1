from django.db import migrations, models


class Migration(migrations.Migration):
    """A signed assessment keeps the case file it was scored from, and the reason it was
    signed when too little was rated to say where to start.

    No back-fill: finalised rows never change (the integrity triggers refuse it), and
    today's client data would not be what those assessments were signed with. Their pages
    keep reading the live client data, as before.
    """

    dependencies = [
        ("assessments", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="undetermined_reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="assessment",
            name="snapshot",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
