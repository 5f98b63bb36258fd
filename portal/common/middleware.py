"""Refuse a page request whose body is over DATA_UPLOAD_MAX_MEMORY_SIZE with a readable answer.

Django raises RequestDataTooBig wherever the body is first read (the CSRF check reads the form),
and answers it with its bare 400 page, or with the debug page under DEBUG: swapped into an htmx
target such as the console's response panel, that is a wall of settings. The JSON APIs (/api/,
/core/) answer it in their own error shape and are left alone. The portal takes no file uploads,
so the whole body counts (a page that accepts uploads would need its own limit here).
"""

import json

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.html import escape

from portal.common.nul import address_has_nul

SKIPPED_PREFIXES = ("/api/", "/core/")


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request is too large: at most {limit:,} bytes ({limit / 1024 / 1024:.1f} MB) can be sent."


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and not request.path.startswith(SKIPPED_PREFIXES)
            and int(request.META.get("CONTENT_LENGTH") or 0) > limit
        ):
            return _too_large(request)
        return self.get_response(request)


def _too_large(request) -> HttpResponse:
    return _refused(request, too_large_message(), status=413, template="413.html")


ERR_NUL_IN_ADDRESS = "The address contains a NUL character (%00), which no page accepts. Check the link."


class NulCharacterMiddleware:
    """Refuse a page address with a NUL character in its path or query string (a search box's
    q=%00, an Id of %00) with a readable 400, before any query: PostgreSQL can neither store nor
    compare NUL, so every lookup or search with one would end in a 500. Form fields refuse NUL
    themselves (Django's form fields say so next to the field, keeping what was typed); the JSON
    APIs have their own guards (coreapi.middleware, portal.api_auth)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(SKIPPED_PREFIXES) and address_has_nul(request):
            return _refused(request, ERR_NUL_IN_ADDRESS, status=400, template="400.html")
        return self.get_response(request)


ERR_CSRF_FAILED = (
    "This form has expired and nothing was saved: the page it came from is out of date, for example because "
    "you signed in or out in another tab. Reload the page and try again. If this keeps happening, allow "
    "cookies for this site."
)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a stale form (a second tab's sign-in form after signing in in the first,
    a console page from before signing in again) gets what to do, in the portal's layout or, for
    htmx, in the panel it targets; not Django's bare "CSRF verification failed" page."""
    return _refused(request, ERR_CSRF_FAILED, status=403, template="403_csrf.html")


def _refused(request, message: str, *, status: int, template: str) -> HttpResponse:
    """The message alone for an htmx request (swapped into a panel), else the error page."""
    if request.headers.get("HX-Request") == "true":
        body = f'<div class="card"><div class="errorlist nonfield" role="alert">{escape(message)}</div></div>'
    else:
        body = render_to_string(template, {"message": message})
    return HttpResponse(body, status=status)


PORTAL_API_PREFIX = "/api/"


class PortalApiMiddleware:
    """The Portal REST API answers every request in its own shape: an unknown path (Django's 404)
    or a method the path does not take (django-ninja's 405) becomes {"Errors": [...]} JSON with
    the X-oc-logid header, like every other answer of the API (405 also says what is allowed); any
    answer still without that header (204s) gets one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(PORTAL_API_PREFIX):
            return response
        from portal.api import LOG_ID_HEADER, _log_id

        if response.status_code not in (404, 405) or response.get("Content-Type", "").startswith("application/json"):
            if not response.has_header(LOG_ID_HEADER):  # e.g. a 204: django-ninja sends it as built
                response[LOG_ID_HEADER] = _log_id(request)
            return response

        if response.status_code == 404:
            code, message = "NotFound", f"No such endpoint: {request.method} {request.path}"
        else:
            code, message = "MethodNotAllowed", f"{request.method} is not allowed on {request.path}."
        body = {"Errors": [{"ErrorCode": code, "Message": message, "Data": None}]}
        answer = HttpResponse(json.dumps(body), status=response.status_code, content_type="application/json")
        if response.has_header("Allow"):
            answer["Allow"] = response["Allow"]
        answer[LOG_ID_HEADER] = _log_id(request)
        return answer


class MethodNotAllowedPageMiddleware:
    """A page address opened with the wrong method (a GET on an action that only takes a form
    submission, e.g. after reloading the page a failed form left in the address bar) answers with
    the portal's 405 page instead of an empty body the browser shows as its own error. The JSON
    APIs keep their own answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path.startswith(("/api/", "/core/")):
            return response
        from django.template.loader import render_to_string

        allowed = {m.strip().upper() for m in response.get("Allow", "").split(",") if m.strip()}
        # a page (it answers GET) sent a form post or another method; otherwise an action opened as a page
        is_page = "GET" in allowed
        page = HttpResponse(render_to_string("405.html", {"is_page": is_page}, request=request), status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


class HtmxVaryMiddleware:
    """A page answers htmx with a part of itself (a list's results) at the same address as the whole
    page (`hx-push-url` puts that address in the history). Said in `Vary: HX-Request`, the browser's
    cache keeps the two apart: without it, Back to /organizations/?q=... after leaving the page was
    served the cached results alone, a bare unstyled table. The JSON APIs are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(SKIPPED_PREFIXES) and response.get("Content-Type", "").startswith("text/html"):
            patch_vary_headers(response, ("HX-Request",))
        return response
