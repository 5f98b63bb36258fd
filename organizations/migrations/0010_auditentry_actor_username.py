"""Activity log entries keep the actor's username (AuditEntry.actor_username, written by
services._audit): the actor FK is SET_NULL, so a deleted account's actions showed as "system".
Existing entries are filled in from their actor where the account still exists; entries whose
account is already gone cannot be recovered and stay empty (shown as "system")."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    AuditEntry = apps.get_model("organizations", "AuditEntry")
    User = AuditEntry._meta.get_field("actor").related_model
    AuditEntry.objects.filter(actor__isnull=False, actor_username="").update(
        actor_username=Subquery(User.objects.filter(pk=OuterRef("actor_id")).values("username")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0009_one_line_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="actor_username",
            field=models.CharField(blank=True, default="", max_length=150),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
