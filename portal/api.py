"""The Portal REST API (/api/v1), as the official @ordercloud/portal-javascript-sdk calls it.

Each app contributes a ninja Router from its `apis.py`; they are attached here.
See ../shared/docs/portal-api-contract.md.

Conventions every operation shares:
- Bearer authentication (portal.api_auth); `POST /oauth/token` and `/oauth/revoke` are open.
- Errors are `{"Errors": [{"ErrorCode", "Message", "Data"}]}` (OAuth endpoints: `{"error",
  "error_description"}`). Invalid input is a 400 `InvalidRequest` (never ninja's 422), a
  missing or invalid token 401, another organization's anything 404 `NotFound`.
- Lists are `ListPage<T>` (portal.api_lists). Every response carries an `X-oc-logid` header to
  quote in support requests; unexpected errors are logged with it.
"""

import logging
import uuid

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from portal.api_auth import portal_bearer
from portal.apiauth.services import ERR_TOKEN_MISSING, OAuthError
from portal.common import dbdown
from portal.common.errors import ApplicationError
from portal.common.jsonbody import ObjectJSONParser, http_error_message, unreadable_message

logger = logging.getLogger("portal.api")

LOG_ID_HEADER = "X-oc-logid"
ERR_INTERNAL = "Something went wrong on our side. Quote the X-oc-logid header when you report it."
ERR_NOT_FOUND = "Not found."
ERR_INVALID_REQUEST = "The request is invalid."
ERR_BODY_MISSING = "The request has no body; send a JSON object."  # as the core API says
# Retry-After of a 429 whose error does not say how long it lasts: the longest window of the
# portal's limits (failed sign-ins and code mails: 15 minutes)
RETRY_AFTER_DEFAULT_SECONDS = 900


class ApiErrorOut(Schema):
    ErrorCode: str
    Message: str
    Data: dict | None = None


class ApiErrorsOut(Schema):
    Errors: list[ApiErrorOut]


def _log_id(request: HttpRequest) -> str:
    log_id = getattr(request, "portal_log_id", None)
    if log_id is None:
        log_id = request.portal_log_id = uuid.uuid4().hex
    return log_id


class PortalNinjaAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        response[LOG_ID_HEADER] = _log_id(request)
        return response

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Documents the shared error answers (400 InvalidRequest, 401, 404) on every operation."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ApiErrorOut"] = ApiErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components["ApiErrorsOut"] = {
            "title": "ApiErrorsOut",
            "type": "object",
            "properties": {"Errors": {"type": "array", "items": {"$ref": "#/components/schemas/ApiErrorOut"}}},
            "required": ["Errors"],
        }
        error_ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiErrorsOut"}}}}
        retry_after = {"Retry-After": {"description": "Seconds until the limit's window ends (when to try again)",
                                       "schema": {"type": "integer"}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                responses = operation["responses"]
                if "/oauth/" in path:
                    for status in (429, "429"):
                        if isinstance(responses.get(status), dict):
                            responses[status].setdefault("headers", {}).update(retry_after)
                    continue
                responses.setdefault(400, {"description": "Invalid request (InvalidRequest)", **error_ref})
                if operation.get("security"):
                    responses.setdefault(401, {"description": "Missing, invalid or expired token", **error_ref})
                if "{" in path:
                    responses.setdefault(404, {"description": "Not found, or not yours (NotFound)", **error_ref})
                if "/organizations/{id}" in path and operation.get("security"):
                    responses.setdefault(403, {"description": "Your access to the organization does not allow it "
                                                              "(Forbidden, ConfirmationRequired)", **error_ref})
                if 501 in responses or "501" in responses:  # accounts.apis: left to the web pages
                    responses.pop("501", None)
                    responses[501] = {"description": "Not offered by this portal's API (NotImplemented): the "
                                                     "message names the web page that does it", **error_ref}
                if 429 in responses or "429" in responses or path.endswith(
                        ("/confirmation", "/me/verifyemail", "/me/password")):
                    responses.pop("429", None)
                    responses.pop(429, None)
                    responses.setdefault(429, {"description": "Too many attempts or a code sent too recently "
                                                              "(TooManyRequests)", **error_ref})
                if method == "post" and path.endswith(("/stagingrestores", "/stagingrestorewebhook/test")):
                    responses.setdefault(503, {"description": "The task queue is down: nothing was started "
                                                              "(ServiceUnavailable)", **error_ref})
                for status in (429, "429"):
                    if isinstance(responses.get(status), dict):
                        responses[status].setdefault("headers", {}).update(retry_after)
                responses.pop(422, None)
        return schema


api = PortalNinjaAPI(
    title="Portal API",
    version="1.0",
    description=(
        "Organizations, contributors and API-console tokens of the developer portal. Wire-compatible "
        "with the OrderCloud Portal API as @ordercloud/portal-javascript-sdk calls it. Sign in with "
        "POST /oauth/token (form-encoded), then send `Authorization: Bearer <access_token>`. "
        "Errors are {\"Errors\":[{\"ErrorCode\",\"Message\",\"Data\"}]}; invalid input is 400."
    ),
    urls_namespace="portal_api",
    auth=portal_bearer,
    parser=ObjectJSONParser(),
    docs_decorator=require_safe,  # the docs page and openapi.json are read with GET only (else 405)
)


def _retry_after(response: HttpResponse, exc: BaseException | None = None) -> HttpResponse:
    """Every 429 says when to try again: Retry-After is the error's `retry_after` (seconds until its
    window ends), or that of the error it was raised from (/me/password's wrong passwords are the
    sign-in failures'), else RETRY_AFTER_DEFAULT_SECONDS."""
    if response.status_code == 429 and not response.has_header("Retry-After"):
        seconds = getattr(exc, "retry_after", None) or getattr(getattr(exc, "__cause__", None), "retry_after", None)
        response["Retry-After"] = str(max(1, int(seconds or RETRY_AFTER_DEFAULT_SECONDS)))
    return response


def _errors(request, status: int, code: str, message: str, data: dict | None = None) -> HttpResponse:
    return api.create_response(
        request, {"Errors": [{"ErrorCode": code, "Message": message, "Data": data or None}]}, status=status
    )


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    extra = exc.extra or getattr(exc, "data", None)  # coreapi errors carry OrderCloud's Data
    data = dict(extra) if isinstance(extra, dict) and extra else None
    message = exc.message
    if exc.status_code == 404 and data and data.get("ObjectType") and data.get("ObjectID") is not None:
        message = f"{data['ObjectType']} {data['ObjectID']} not found"  # what the portal SDK expects
    response = _errors(request, exc.status_code, exc.code, message, data)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return _retry_after(response, exc)


@api.exception_handler(OAuthError)
def _oauth_error(request, exc: OAuthError):
    return _retry_after(api.create_response(
        request, {"error": exc.error, "error_description": exc.description}, status=exc.status_code
    ), exc)


@api.exception_handler(AuthenticationError)
def _authentication_error(request, exc: AuthenticationError):
    response = _errors(request, 401, "Unauthorized", ERR_TOKEN_MISSING)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _location(loc) -> str:
    parts = [str(p) for p in loc or ()]
    # ninja prefixes the source and the schema argument ("body", "payload", "Name")
    if len(parts) >= 2 and parts[0] in {"body", "query", "path", "form"}:
        source, rest = parts[0], parts[1:]
        if source == "body" and len(rest) > 1:
            rest = rest[1:]
        if source == "query" and len(rest) > 1:
            rest = rest[1:]
        return ".".join(rest)
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc") or ()]
        if len(loc) == 2 and loc[0] == "body" and error.get("type") == "missing":
            # the body as a whole (ninja's schema argument, "payload") is missing: no "payload: Field required"
            errors.append({"ErrorCode": "InvalidRequest", "Message": ERR_BODY_MISSING, "Data": None})
            continue
        field = _location(error.get("loc"))
        message = str(error.get("msg", ERR_INVALID_REQUEST))
        errors.append(
            {
                "ErrorCode": "InvalidRequest",
                "Message": f"{field}: {message}" if field else message,
                "Data": {"Field": field, "Type": str(error.get("type", ""))},
            }
        )
    return api.create_response(
        request, {"Errors": errors or [{"ErrorCode": "InvalidRequest", "Message": ERR_INVALID_REQUEST, "Data": None}]}, status=400
    )


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            {"ErrorCode": "InvalidRequest", "Message": message, "Data": {"Field": name}}
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"ErrorCode": "InvalidRequest", "Message": message, "Data": None} for message in exc.messages]
    return api.create_response(request, {"Errors": errors}, status=400)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    codes = {400: "InvalidRequest", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 429: "TooManyRequests"}
    return _retry_after(_errors(request, exc.status_code, codes.get(exc.status_code, "Error"), http_error_message(exc)), exc)


@api.exception_handler(Http404)
def _http404(request, exc: Http404):
    return _errors(request, 404, "NotFound", ERR_NOT_FOUND)


OAUTH_PATHS = ("/oauth/token", "/oauth/revoke")


@api.exception_handler(SuspiciousOperation)
def _suspicious(request, exc: SuspiciousOperation):
    # e.g. RequestDataTooBig, TooManyFieldsSent: Django answers these with 400 too. The OAuth
    # endpoints answer in their own shape, which the SDK reads (it shows {"Errors"} as "Unknown error").
    message = unreadable_message(exc, default=ERR_INVALID_REQUEST)
    if request.path.endswith(OAUTH_PATHS):
        return _oauth_error(request, OAuthError("invalid_request", message))
    return _errors(request, 400, "InvalidRequest", message)


ERR_MULTIPART = "The multipart/form-data body could not be read: {reason}."


@api.exception_handler(MultiPartParserError)
def _multipart_unreadable(request, exc: MultiPartParserError):
    # e.g. `Content-Type: multipart/form-data` without a boundary: Django raises it as the POST
    # fields are first read (the NUL check of every operation), which answered 500
    message = ERR_MULTIPART.format(reason=str(exc).rstrip(".") or "malformed")
    if request.path.endswith(OAUTH_PATHS):
        return _oauth_error(request, OAuthError("invalid_request", message))
    return _errors(request, 400, "InvalidRequest", message)


@api.exception_handler(PermissionDenied)
def _permission_denied(request, exc: PermissionDenied):
    return _errors(request, 403, "Forbidden", str(exc) or "You may not do this.")


@api.exception_handler(Exception)
def _unexpected(request, exc: Exception):
    logger.exception("Portal API error %s on %s %s", _log_id(request), request.method, request.path)
    if dbdown.is_database_unavailable(exc):
        response = _errors(request, 503, dbdown.ERROR_CODE, dbdown.ERR_DATABASE_UNAVAILABLE)
        response["Retry-After"] = str(dbdown.RETRY_AFTER_SECONDS)
        return response
    return _errors(request, 500, "InternalServerError", ERR_INTERNAL)


# --- Routers ------------------------------------------------------------------
from accounts.apis import router as accounts_router  # noqa: E402
from organizations.apis import router as organizations_router  # noqa: E402
from portal.api_auth import router as oauth_router  # noqa: E402

api.add_router("", oauth_router)
api.add_router("", accounts_router)
api.add_router("", organizations_router)
