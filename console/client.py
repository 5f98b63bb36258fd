"""The console's HTTP client for core APIs: one place for timeouts, the response size limit and
the in-process transport to the built-in core API.

`core_request(...)` sends one request and returns a `CoreResponse`:
- URLs under `{PORTAL_BASE_URL}/core/` (the built-in core API) are answered by this Django
  application in-process (`_builtin_request`): the same routing, middleware and HTTP semantics
  (status, headers, body) without a socket, so a sync gunicorn worker never waits on itself and
  test servers' ports don't matter.
- Any other URL (an operator-configured remote OrderCloud-compatible API) goes over real HTTP with
  connect/read timeouts and a limit on the whole request (CONSOLE_REQUEST_SECONDS, and together
  within a console action's call_budget), streamed and cut off at CONSOLE_MAX_RESPONSE_BYTES.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from urllib.parse import unquote_to_bytes, urlencode, urlsplit

import requests
from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.utils.module_loading import import_string
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions

from organizations import environments
from portal.common.errors import ApplicationError

ERR_UNREACHABLE = "Could not connect to the core API at {host}. Check the environment's core API URL."
ERR_TIMEOUT = "The core API at {host} did not answer within {seconds}."
ERR_TOO_LARGE = (
    "The response is larger than {limit} and was cut off. Ask for less (a smaller pageSize, filters)."
)
ERR_BAD_URL = "This is not a valid core API URL."

USER_AGENT = "PortalConsole/1.0"


class CoreApiUnavailable(ApplicationError):
    status_code = 502
    code = "CoreApiUnavailable"


def _timeout_error(host: str, seconds: float) -> CoreApiUnavailable:
    """What the user reads when a request ran out of time: to a tenth of a second, so a 1 s limit
    of which 8 ms went to an earlier request of the call reads "1 second", not "0.99 seconds"."""
    shown = max(round(seconds, 1), 0.1)
    return CoreApiUnavailable(ERR_TIMEOUT.format(host=host, seconds="1 second" if shown == 1 else f"{shown:g} seconds"))


class ResponseTooLarge(ApplicationError):
    status_code = 502
    code = "ResponseTooLarge"


@dataclass
class CoreResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    content: bytes
    elapsed_ms: float
    url: str
    meta: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.content)

    def header(self, name: str, default: str = "") -> str:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def json(self):
        import json

        return json.loads(self.content.decode("utf-8"))


def _limit() -> int:
    return int(getattr(settings, "CONSOLE_MAX_RESPONSE_BYTES", 5 * 1024 * 1024))


def _timeouts() -> tuple[float, float]:
    """(connect, read) timeouts of one request to a remote core API. The read timeout bounds each wait
    for a byte, not the whole answer: see _request_seconds and call_budget."""
    connect, read = getattr(settings, "CONSOLE_TIMEOUTS", (3.05, 20.0))
    return float(connect), float(read)


def _request_seconds() -> float:
    """The longest one request to a remote core API may take in all (an API answering a byte at a
    time is cut off), as the staging restore webhook's attempts are."""
    return float(getattr(settings, "CONSOLE_REQUEST_SECONDS", 20.0))


def _call_seconds() -> float:
    """The longest the requests of one console action (token refresh, call, refresh and retry on a
    401) may take together: below gunicorn's worker timeout (30 s), which would otherwise kill the
    worker first and the user would get the proxy's error page instead of the message."""
    return float(getattr(settings, "CONSOLE_CALL_SECONDS", 25.0))


_budget = threading.local()


@contextmanager
def call_budget(seconds: float | None = None):
    """Within this block, requests to remote core APIs end by `seconds` (CONSOLE_CALL_SECONDS) from
    now, all together; nested blocks keep the earlier end."""
    previous = getattr(_budget, "end", None)
    end = time.monotonic() + (_call_seconds() if seconds is None else seconds)
    _budget.end = end if previous is None else min(previous, end)
    try:
        yield
    finally:
        _budget.end = previous


def within_call_budget(func):
    """Run `func` within a call_budget (one console action: its requests end together in time)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        with call_budget():
            return func(*args, **kwargs)

    return wrapper


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


# --- in-process transport to the built-in core API ------------------------------------------------
# The middleware (of settings.MIDDLEWARE, in its order) that acts on a /core/ request or its
# response: security headers and HTTPS redirect, CORS headers, Content-Length, X-Frame-Options, and
# the core API's own (X-oc-logid, JSON 404s, NUL guard). The others (sessions, CSRF, users, OTP, messages,
# allauth, htmx, the username check) do nothing for a bearer-authenticated /core/ call but cost
# ~0.7 ms per call in function calls; console/tests/test_client.py checks that the in-process
# answer's status, headers and body equal those of the same request through the whole stack.
CORE_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "portal.common.cors.ApiCorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coreapi.middleware.CoreApiMiddleware",
)


class CoreApiHandler(WSGIHandler):
    """This application's request handler with only the CORE_MIDDLEWARE part of the chain."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed([m for m in settings.MIDDLEWARE if m in CORE_MIDDLEWARE]):
            middleware = import_string(path)(handler)
            for hook in ("process_view", "process_template_response", "process_exception"):
                # none of CORE_MIDDLEWARE has one; a hook added later must be wired in here
                assert not hasattr(middleware, hook), f"{path}.{hook} is not supported here"
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


_handler: WSGIHandler | None = None
_handler_lock = threading.Lock()


def _wsgi_handler() -> WSGIHandler:
    global _handler
    if _handler is None:
        with _handler_lock:
            if _handler is None:
                _handler = CoreApiHandler()
    return _handler


def _builtin_request(
    *, method: str, url: str, headers: dict, params: list | None, data: dict | None, body: bytes | str | None
) -> CoreResponse:
    """Answer one request with this Django application, in-process: a WSGI environ built as a
    server would build it, run through the handler (`get_response`, CoreApiHandler), so routing,
    middleware and HTTP semantics (status, headers, body) are those of a real call, without a
    socket (a gunicorn worker never waits on itself) and without an HTTP client's per-request work.

    The request_started/request_finished signals are not sent: they close the thread's database
    connection, which belongs to the calling request (and may be inside a transaction, e.g. a
    token refresh under select_for_update)."""
    started = time.perf_counter()
    parts = urlsplit(url)
    query = parts.query
    if params:
        query = f"{query}&{urlencode(params)}" if query else urlencode(params)
    if data is not None:
        payload = urlencode(data).encode("ascii")
        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    elif isinstance(body, str):
        payload = body.encode("utf-8")
    else:
        payload = body or b""
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("iso-8859-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(payload)),
        "HTTP_HOST": parts.netloc,
        "HTTP_USER_AGENT": USER_AGENT,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(payload),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    response = _wsgi_handler().get_response(WSGIRequest(environ))
    try:
        content = b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        for closer in getattr(response, "_resource_closers", []):
            closer()
    if len(content) > _limit():
        raise ResponseTooLarge(ERR_TOO_LARGE.format(limit=human_size(_limit())))
    return CoreResponse(
        status=response.status_code,
        reason=response.reason_phrase or "",
        headers=list(response.items()),
        content=content,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        url=f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else ""),
    )


_local = threading.local()


def session() -> requests.Session:
    """A per-thread Session for remote core APIs (connection pooling without sharing a Session
    across threads)."""
    s = getattr(_local, "session", None)
    if s is None:
        s = requests.Session()
        s.headers["User-Agent"] = USER_AGENT
        s.mount("http://", HTTPAdapter(pool_maxsize=32, max_retries=0))
        s.mount("https://", HTTPAdapter(pool_maxsize=32, max_retries=0))
        s.trust_env = False  # never route console calls through ambient proxies
        _local.session = s
    return s


def _socket_timeout(response: requests.Response, seconds: float) -> None:
    """Let the next read of the response's socket wait at most `seconds`."""
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def is_builtin(url: str) -> bool:
    return environments.is_builtin(url)


def core_request(
    *,
    method: str,
    url: str,
    headers: dict | None = None,
    params: list[tuple[str, str]] | None = None,
    data: dict | None = None,
    body: bytes | str | None = None,
) -> CoreResponse:
    """Send one request; raises CoreApiUnavailable (no connection, timeout) or ResponseTooLarge."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CoreApiUnavailable(ERR_BAD_URL)
    if is_builtin(url):
        return _builtin_request(method=method.upper(), url=url, headers=headers or {}, params=params, data=data,
                                body=body)
    host = parts.netloc
    limit = _limit()
    connect, read = _timeouts()
    started = time.perf_counter()
    now = time.monotonic()
    end = now + _request_seconds()
    if getattr(_budget, "end", None) is not None:
        end = min(end, _budget.end)
    allowed = max(end - now, 0.0)
    waited = min(read, allowed)  # what the message says it waited for
    if allowed <= 0:
        raise _timeout_error(host, waited)
    try:
        response = session().request(
            method.upper(),
            url,
            headers=headers or {},
            params=params,
            data=data if data is not None else body,
            timeout=(min(connect, allowed), min(read, allowed)),
            stream=True,
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        raise _timeout_error(host, min(connect, waited) if isinstance(exc, requests.ConnectTimeout) else waited) from exc
    except requests.RequestException as exc:
        raise CoreApiUnavailable(ERR_UNREACHABLE.format(host=host)) from exc
    try:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(ERR_TOO_LARGE.format(limit=human_size(limit)))
        chunks, total, cut_at_end = [], 0, False
        try:
            while True:
                # one socket read at a time (read1, not iter_content, which waits to fill its chunk),
                # each allowed no longer than what is left: a byte-at-a-time answer ends by `end`
                left = end - time.monotonic()
                if left <= 0:
                    raise _timeout_error(host, allowed)
                cut_at_end = left < read  # a timeout of this read is the whole request's limit
                _socket_timeout(response, min(read, left))
                chunk = response.raw.read1(64 * 1024, decode_content=True)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise ResponseTooLarge(ERR_TOO_LARGE.format(limit=human_size(limit)))
                chunks.append(chunk)
        except (requests.Timeout, urllib3_exceptions.TimeoutError, TimeoutError) as exc:
            seconds = allowed if cut_at_end else waited
            raise _timeout_error(host, seconds) from exc
        except (requests.RequestException, urllib3_exceptions.HTTPError, OSError) as exc:
            raise CoreApiUnavailable(ERR_UNREACHABLE.format(host=host)) from exc
    finally:
        response.close()
    return CoreResponse(
        status=response.status_code,
        reason=response.reason or "",
        headers=list(response.headers.items()),
        content=b"".join(chunks),
        elapsed_ms=(time.perf_counter() - started) * 1000,
        url=response.url,
    )
