from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "portal.common"
    label = "common"

    def ready(self):
        from portal.common import checks  # noqa: F401 - registers the deploy checks
        from portal.common import sqlite  # noqa: F401 - LIKE that folds every letter's case on SQLite
