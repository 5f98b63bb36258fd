"""Legacy accounts may have an email address (or another invalid value) as username. Clear it, so
those users must choose a portal username on their next sign-in (accounts.middleware). They can
still sign in with their email address."""

from django.db import migrations

from accounts.validators import is_valid_portal_username


def clear_invalid_usernames(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    invalid = [
        pk
        for pk, username in User.objects.filter(username__isnull=False).values_list("pk", "username").iterator()
        if not is_valid_portal_username(username)
    ]
    for start in range(0, len(invalid), 500):
        User.objects.filter(pk__in=invalid[start : start + 500]).update(username=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(clear_invalid_usernames, migrations.RunPython.noop, elidable=True)]
