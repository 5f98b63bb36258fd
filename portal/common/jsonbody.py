"""Request bodies of the JSON APIs (django-ninja), read strictly and refused with a reason.

Python's json module accepts NaN, Infinity and -Infinity (and turns 1e999 into infinity), none of
which is JSON (RFC 8259): stored, such a value would make every later answer that holds it
unreadable to a JSON client. django-ninja answers any parse failure with a bare "Cannot parse
request body"; the reason is kept on the exception (`__cause__`) for the APIs' error handlers.
"""

import json
import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from ninja.errors import HttpError
from ninja.parser import Parser


class BodyRejected(ValueError):
    """Why a request body could not be read: the message is shown to the client."""


MSG_NOT_UTF8 = "The body is not UTF-8 text."
MSG_TOO_DEEP = "The body is nested too deeply."
MSG_NUMBER_TOO_LONG = "A number in the body has too many digits."


def unreadable_message(exc: SuspiciousOperation, default: str = "The request could not be read.") -> str:
    """Why Django could not read a request (its limits), for the client (both JSON APIs)."""
    if isinstance(exc, RequestDataTooBig):
        return f"The body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
    if isinstance(exc, TooManyFieldsSent):
        return f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters."
    return default


def _constant(name: str):
    raise BodyRejected(f"{name} is not a JSON number; send a finite number or null.")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyRejected(f"{text} is too large for a number.")
    return value


def loads(body: bytes | str):
    """json.loads that refuses NaN and infinities and bytes that are not UTF-8 (BodyRejected), and
    says where JSON is broken."""
    try:
        return json.loads(body, parse_constant=_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise BodyRejected(f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    except UnicodeDecodeError:
        raise BodyRejected(MSG_NOT_UTF8) from None
    except BodyRejected:  # NaN, an infinity (_constant, _finite)
        raise
    except ValueError:  # an integer of more than sys.get_int_max_str_digits() (4300) digits
        raise BodyRejected(MSG_NUMBER_TOO_LONG) from None


class StrictJSONParser(Parser):
    def parse_body(self, request):
        try:
            body = request.body
        except RequestDataTooBig:
            raise BodyRejected(unreadable_message(RequestDataTooBig())) from None
        return loads(body)


def http_error_message(exc: HttpError) -> str:
    """The message for an HttpError: the reason a body was refused, when that is what it is."""
    if isinstance(exc.__cause__, BodyRejected):
        return str(exc.__cause__)
    return str(exc)


class ObjectJSONParser(StrictJSONParser):
    """StrictJSONParser for an API whose every body is a JSON object (the Portal API): django-ninja's
    Schema would otherwise read "str", 123 or [] as an empty object and apply the defaults."""

    def parse_body(self, request):
        try:
            data = super().parse_body(request)
        except RecursionError:  # Python's recursion limit, some thousand levels deep
            raise BodyRejected(MSG_TOO_DEEP) from None
        if not isinstance(data, dict):
            raise BodyRejected("The body must be a JSON object.")
        return data
