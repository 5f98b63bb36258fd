"""Older data had a "Manage Contributors" permission on a contributor. It is now part of
Organization Admin: every such grant becomes is_admin=True and the old flag is cleared
(0003 then drops the column)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Contributor = apps.get_model("organizations", "Contributor")
    Contributor.objects.filter(manage_contributors=True).update(is_admin=True, manage_contributors=False)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    # Backwards is a no-op: admins cannot be told apart from former "Manage Contributors" holders.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
