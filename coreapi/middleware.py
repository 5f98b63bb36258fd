"""Give every core API response an `X-oc-logid` request id, answer unknown /core/ paths in
OrderCloud's error shape instead of Django's HTML 404 page, and refuse NUL characters in any
input (PostgreSQL cannot store them; without this guard they surface as 500s), and a body over
DATA_UPLOAD_MAX_MEMORY_SIZE or more than DATA_UPLOAD_MAX_NUMBER_FIELDS parameters, with the limit in
the message (Django's bare 400 page otherwise)."""

import json
import uuid

from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse

from portal.common.jsonbody import unreadable_message
from portal.common.nul import request_has_nul

CORE_PREFIX = "/core/"
MSG_NUL = "Input may not contain NUL characters."


def _refusal(request) -> str | None:
    """Why the request is refused before any view reads it, or None."""
    try:
        return MSG_NUL if request_has_nul(request) else None
    except SuspiciousOperation as exc:
        return unreadable_message(exc)


def refused_response(request, message: str) -> HttpResponse:
    """A 400 InvalidRequest in the core API's shape (and OAuth's, on the token endpoint)."""
    error = {"ErrorCode": "InvalidRequest", "Message": message, "Data": None}
    body: dict = {"Errors": [error]}
    if request.path.endswith("/oauth/token"):
        body = {"error": "InvalidRequest", "error_description": message, **body}
    return HttpResponse(json.dumps(body), status=400, content_type="application/json")


def endpoint_not_found_data(request) -> dict:
    """`Data` of a NotFound for a route the API does not have. The official SDK words every
    NotFound as "{Data.ObjectType} {Data.ObjectID} not found": with Data null its OrderCloudError
    threw a TypeError ("Cannot read properties of null (reading 'ObjectType')") instead of the
    404, e.g. for Orders.List, which the built-in API does not have."""
    return {"ObjectType": "Endpoint", "ObjectID": f"{request.method} {request.path}"}


class CoreApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(CORE_PREFIX):
            return self.get_response(request)
        logid = str(uuid.uuid4())
        request.oc_logid = logid
        refusal = _refusal(request)
        response = refused_response(request, refusal) if refusal else self.get_response(request)
        if response.status_code in (404, 405) and not response.get("Content-Type", "").startswith("application/json"):
            code = "NotFound" if response.status_code == 404 else "MethodNotAllowed"
            body = {"Errors": [{"ErrorCode": code, "Message": f"No such endpoint: {request.method} {request.path}",
                                "Data": endpoint_not_found_data(request) if code == "NotFound" else None}]}  # fmt: skip
            allow = response.get("Allow")
            response = HttpResponse(json.dumps(body), status=response.status_code, content_type="application/json")
            if allow:
                response["Allow"] = allow
        response["X-oc-logid"] = logid
        return response
