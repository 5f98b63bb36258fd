"""CORS for the two JSON APIs: the built-in core API (/core/...) and the Portal REST API (/api/...).

A storefront or admin app built with ordercloud-javascript-sdk (or @ordercloud/portal-javascript-sdk)
runs in a browser on its own origin (http://localhost:3000, a shop's domain) and calls the APIs
with fetch/axios; real OrderCloud lets it, so the portal does too. Web pages (/, /accounts/,
/console/, /organizations/, /admin/, ...) get no CORS header at all: another origin can still
send to them what a form could, but never read the answer.

- A preflight (OPTIONS with Origin and Access-Control-Request-Method) on an API path is answered
  204 here, before routing: ninja would answer it 405. The allowed headers are those the official
  SDKs send (Authorization, Content-Type, Accept; axios adds no other one to a cross-origin call).
  An OPTIONS without Access-Control-Request-Method is no preflight and goes on as before.
- Every other answer on an API path, success or error, carries Access-Control-Allow-Origin: * and
  exposes the headers a client reads: X-oc-logid (both APIs, to quote in a support request),
  Retry-After (503, database down), WWW-Authenticate (401) and Allow (405). This middleware sits
  right after SecurityMiddleware, so the early refusals of the middlewares below it (a body or
  query with NUL, an unreadable body, JSON 404/405 of unknown routes) and the 500 page carry them
  as well. The headers do not depend on the request's Origin, so no `Vary: Origin` is needed on
  them; the 204 varies on the preflight's request headers and says so.

Why allowing any origin is safe here: both APIs authenticate by a Bearer token in the
Authorization header only, which a page must hold to send; none reads the session cookie.
The core API's auth is coreapi.auth.CoreBearer, the Portal API's portal.api_auth.PortalBearer
(both ninja HttpBearer; the OAuth, sign-up and password-reset endpoints take no auth at all), no
API operation reads request.user or request.session, and the session middlewares that act on a
signed-in user (accounts.middleware) skip /api/ and /core/. A session cookie sent along to an API
path is ignored (tests: portal/tests/test_cors.py, signed in and without a token, 401). And
Access-Control-Allow-Credentials is never sent: with "*" a browser lets a page read an answer only
to a request it made without cookies, so another origin reads nothing a non-browser client
without the user's cookies could not fetch itself. CSRF is unchanged: CsrfViewMiddleware still
guards the web pages' forms; the APIs were already exempt (ninja) because they use no cookie.
(A portal reachable only on an intranet becomes callable from any page its users open, as a
script outside the intranet cannot; it still needs a token or a password like any client.)
"""

from django.http import HttpResponse

API_PREFIXES = ("/core/", "/api/")

ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
# what ordercloud-javascript-sdk 12 and @ordercloud/portal-javascript-sdk send (through axios 1.x)
ALLOW_HEADERS = "authorization, content-type, accept"
EXPOSE_HEADERS = "X-oc-logid, Retry-After, WWW-Authenticate, Allow"
MAX_AGE_SECONDS = 7200  # Chromium's cap; Firefox takes up to a day
PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def is_preflight(request) -> bool:
    return (
        request.method == "OPTIONS"
        and "Origin" in request.headers
        and "Access-Control-Request-Method" in request.headers
    )


def preflight_response() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = ALLOW_METHODS
    response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
    response["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
    response["Vary"] = PREFLIGHT_VARY
    return response


class ApiCorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request.path):
            return self.get_response(request)
        if is_preflight(request):
            return preflight_response()
        response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        return response
