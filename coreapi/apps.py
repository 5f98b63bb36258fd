from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _row_count_triggers(sender, using, **kwargs):
    """Put back row count triggers a migration dropped (SQLite rebuilds tables); see rowcounts."""
    from django.db import connections

    from coreapi import rowcounts

    rowcounts.ensure_installed(connection=connections[using])


class CoreapiConfig(AppConfig):
    verbose_name = "Built-in core API"
    name = "coreapi"

    def ready(self):
        post_migrate.connect(_row_count_triggers, sender=self, dispatch_uid="coreapi_row_count_triggers")
