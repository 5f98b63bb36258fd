"""NUL characters in a request: PostgreSQL can neither store nor compare them, so every input that
holds one is refused before any query (pages: portal.common.middleware.NulCharacterMiddleware; the
Portal API: portal.api_auth; the core API: coreapi.middleware), each in its own answer's shape."""

import re

from django.http import HttpRequest
from django.http.request import RawPostDataException

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# the JSON escape \u0000, unless its backslash is itself escaped ("C:\\u0000" is text, not a NUL)
JSON_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def fields_have_nul(fields) -> bool:
    """Every key and every value of a QueryDict: a repeated key has several (`lists()`, not `items()`)."""
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in fields.lists())


def address_has_nul(request: HttpRequest) -> bool:
    """The path or the query string (decoded: an address sends a NUL as %00)."""
    return "\x00" in request.path or fields_have_nul(request.GET)


def request_has_nul(request: HttpRequest) -> bool:
    """The address or the body: a form's fields (decoded), else the raw bytes and JSON's \\u0000.
    Reading the body may raise Django's SuspiciousOperation limits (too large, too many fields)."""
    if address_has_nul(request):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.META.get("CONTENT_LENGTH"):
        return False
    try:
        body = request.body  # read first: once a multipart form is parsed, the body is gone for the JSON parser
    except RawPostDataException:  # a multipart form, already parsed
        return fields_have_nul(request.POST)
    if request.content_type in FORM_CONTENT_TYPES:
        return fields_have_nul(request.POST)
    return b"\x00" in body or JSON_ESCAPED_NUL.search(body) is not None
