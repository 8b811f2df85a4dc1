"""Children in a household are linked by the client's primary key, not its reference.

A client's reference can be edited and the old one given to another client; a link by
reference would then move the ratings to another child (decision 0011). This migration
turns every household child's `client_id` (a reference) into `client_pk`, and records
for each stored estimate which client each child was, resolved once, here, while the
references still name the clients they named when the estimates were made.
"""

from django.db import migrations, models


def _references(apps, organisation_id):
    Client = apps.get_model("clients", "Client")
    return dict(Client.objects.filter(organisation_id=organisation_id).values_list("reference", "pk"))


def link_by_primary_key(apps, schema_editor):
    Household = apps.get_model("caregiving", "Household")
    Estimate = apps.get_model("caregiving", "Estimate")
    for household in Household.objects.all().iterator():
        by_reference = _references(apps, household.organisation_id)
        inputs = dict(household.inputs or {})
        children = []
        for child in inputs.get("children", []) or []:
            child = dict(child)
            reference = child.pop("client_id", None)
            pk = by_reference.get(reference) if reference else None
            child["client_pk"] = pk
            if pk is not None:
                child["name"] = ""  # a client's name follows the client record
            elif reference:
                # No client holds this reference any more: keep the child, unlinked, so the
                # page asks for an age rather than guessing who it was.
                child["name"] = child.get("name") or f"formerly {reference}"
            child.setdefault("challenge_shared", False)
            children.append(child)
        inputs["children"] = children
        household.inputs = inputs
        household.save(update_fields=["inputs"])
        for estimate in Estimate.objects.filter(household=household).iterator():
            file_children = (estimate.inputs or {}).get("children", []) or []
            estimate.child_clients = [by_reference.get(c.get("client_id")) if c.get("client_id") else None
                                      for c in file_children]
            estimate.save(update_fields=["child_clients"])


def link_by_reference(apps, schema_editor):
    Household = apps.get_model("caregiving", "Household")
    Client = apps.get_model("clients", "Client")
    for household in Household.objects.all().iterator():
        by_pk = dict(Client.objects.filter(organisation_id=household.organisation_id)
                     .values_list("pk", "reference"))
        inputs = dict(household.inputs or {})
        children = []
        for child in inputs.get("children", []) or []:
            child = dict(child)
            pk = child.pop("client_pk", None)
            child.pop("challenge_shared", None)
            child["client_id"] = by_pk.get(pk) if pk is not None else None
            children.append(child)
        inputs["children"] = children
        household.inputs = inputs
        household.save(update_fields=["inputs"])


class Migration(migrations.Migration):

    dependencies = [
        ("caregiving", "0002_household_inputs"),
        ("clients", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="estimate",
            name="child_clients",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(link_by_primary_key, link_by_reference),
    ]
