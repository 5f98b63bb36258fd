"""A person's name is one line of visible text (accounts.validators.validate_person_name, from now
on checked on Profile and in the admin). Names saved before with a line break, tab or other control
character get a space in its place, and text-direction controls are dropped: a carriage return in a
name stopped every invitation email its owner sent (the name is in the subject line), and a line
break split the subject."""

from django.db import migrations

from accounts.validators import one_line_name


def clean_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, name in User.objects.exclude(name="").values_list("pk", "name").iterator(chunk_size=2000):
        cleaned = one_line_name(name)
        if cleaned != name:
            User.objects.filter(pk=pk).update(name=cleaned)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_lowercase_emails")]

    operations = [migrations.RunPython(clean_names, migrations.RunPython.noop, elidable=True)]
