"""The database not answering: a 503 that says so, not "Something went wrong (500)".

PostgreSQL stopped or restarting, too many connections, SQLite's write lock held past its wait, a
statement cancelled by a timeout: Django raises OperationalError (or InterfaceError for a
connection that is gone). None of these is a bug in the request, and trying again later may work,
so pages answer 503 with a Retry-After and the APIs answer 503 `ServiceUnavailable` in their
`{"Errors": [...]}` shape. Used by `server_error` (portal.urls' handler500, which also sees errors
raised while the middleware loads the session) and by both APIs' catch-all exception handlers.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
ERR_DATABASE_UNAVAILABLE = "The portal's database is not answering. Try again in a minute."
RETRY_AFTER_SECONDS = 30
ERROR_CODE = "ServiceUnavailable"


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE)


def api_body() -> dict:
    return {"Errors": [{"ErrorCode": ERROR_CODE, "Message": ERR_DATABASE_UNAVAILABLE, "Data": None}]}


def server_error(request, template_name: str = "500.html") -> HttpResponse:
    """handler500: Django's page, or the 503 page when the error is the database not answering
    (Django calls the handler inside its `except`, so sys.exc_info() is the error)."""
    exc = sys.exc_info()[1]
    if not is_database_unavailable(exc):
        return defaults.server_error(request, template_name)
    if request.path.startswith(("/api/", "/core/")):
        response = JsonResponse(api_body(), status=503)
    else:  # no request context: the layout of error pages needs no database
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
