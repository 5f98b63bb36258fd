"""Deployment checks (`manage.py check --deploy`) of the portal's own settings."""

from django.conf import settings
from django.core import checks

W001 = "portal.W001"


@checks.register(checks.Tags.caches, deploy=True)
def cache_shared_by_processes(app_configs=None, **kwargs):
    """Tasks run in worker processes, but the cache is each process's own memory: the page would
    never see a restore's progress, and sign-in failures would be counted per process."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.CELERY_TASK_ALWAYS_EAGER or not backend.endswith("LocMemCache"):
        return []
    return [
        checks.Warning(
            "The cache is per process while tasks run in workers: staging restore progress is not "
            "shown and sign-in lockouts count per process.",
            hint="Set REDIS_URL (or use a Redis CELERY_BROKER_URL, whose server the cache then shares).",
            id=W001,
        )
    ]
