"""An organization's name is one line of visible text (organizations.services.validate_name, from
now on checked on create, rename, the Portal API and production requests). Names saved before with
a line break, tab or other control character get a space in its place, and text-direction controls
are dropped: the name is written into the subject line of every email about the organization, where
a line break split the subject and put the rest of the name into the email's text. A name with
nothing else left becomes the organization's Id."""

from django.db import migrations

from accounts.validators import one_line_name


def clean_names(apps, schema_editor):
    for model in ("Organization", "ProductionRequest"):
        Model = apps.get_model("organizations", model)
        for pk, oc_id, name in Model.objects.values_list("pk", "oc_id", "name").iterator(chunk_size=2000):
            cleaned = one_line_name(name)
            if cleaned != name:
                Model.objects.filter(pk=pk).update(name=cleaned or oc_id)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0008_restore_webhook_delivery_final")]

    operations = [migrations.RunPython(clean_names, migrations.RunPython.noop, elidable=True)]
