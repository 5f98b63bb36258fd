import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

logger = logging.getLogger(__name__)


@require_safe
def home_view(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


@require_safe
@login_required
def dashboard_view(request):
    return render(request, "dashboard.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        logger.exception("healthz: database check failed")
        return False


def _broker_ok() -> bool | None:
    """None when tasks run eagerly (embedded default: there is no broker to check)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        logger.exception("healthz: broker check failed")
        return False


def favicon_view(request):
    """/favicon.ico, which browsers ask for on pages without the layout's icon link (the admin
    site). The static URL is resolved per request: with the manifest storage it needs the
    collected files, which an import-time URL pattern could not wait for."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@never_cache
@require_GET
def healthz_view(request):
    database = _database_ok()
    broker = _broker_ok()
    healthy = database and broker is not False
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if database else "unavailable",
        "broker": {None: "eager", True: "ok", False: "unavailable"}[broker],
    }
    return JsonResponse(body, status=200 if healthy else 503)
