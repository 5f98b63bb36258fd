"""An independent fake OrderCloud-compatible core API on 127.0.0.1 (its own port), standing in for
an operator-configured remote environment in the console tests.

    fake = RemoteCoreApi(client_id="remote-console", client_secret="s3cret").start()
    fake.url                      # base URL: {url}/oauth/token, {url}/v1/...
    fake.grants                   # [(grant_type, form), ...] seen by /oauth/token
    fake.expire_all()             # every issued access token now answers 401 (InvalidToken)
    fake.answer("/oauth/token", 200, b"<html>", "text/html")   # a canned answer for one path
    fake.answer_clear()           # back to the normal answers
    fake.state.marketplace_id = "acme"   # tokens name their marketplace (`mkt`, as the built-in API's do)
    fake.stop()

Endpoints:
  POST /oauth/token        client_credentials (client_id + client_secret, scope -> `role` claim) and
                           refresh_token (single use, rotated). Access tokens are unsigned JWT-shaped
                           strings with usr/cid/usrtype/role/exp claims (and `mkt` while
                           `marketplace_id` is set; real OrderCloud tokens have none).
  GET  /v1/me              the token's user
  GET  /v1/products        a ListPage of `product_count` products (page, pageSize, Name filter)
  GET  /v1/big             a body of `big_bytes` bytes (response size limit)
  GET  /v1/slow            answers after `slow_seconds` (read timeout)
  GET  /v1/drip            `drip_bytes` bytes, one every `drip_seconds` (a whole-answer time limit)
Errors use OrderCloud's {"Errors": [{"ErrorCode", "Message", "Data"}]}.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class RemoteState:
    client_id: str
    client_secret: str
    access_seconds: int = 600
    product_count: int = 30
    big_bytes: int = 2 * 1024 * 1024
    slow_seconds: float = 3.0
    marketplace_id: str = ""  # set: tokens carry it as `mkt`
    drip_bytes: int = 20
    drip_seconds: float = 0.2
    tokens: dict[str, dict] = field(default_factory=dict)  # access token -> claims
    refresh: dict[str, dict] = field(default_factory=dict)  # refresh token -> claims (unused ones)
    grants: list[tuple[str, dict]] = field(default_factory=list)
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, bearer)
    canned: dict[str, tuple[int, bytes, str]] = field(default_factory=dict)  # path -> (status, body, type)
    lock: threading.Lock = field(default_factory=threading.Lock)


class RemoteCoreApi:
    def __init__(self, *, client_id: str = "remote-console", client_secret: str = "s3cret", **options):
        self.state = RemoteState(client_id=client_id, client_secret=client_secret, **options)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-remote-core", daemon=True)

    def start(self) -> "RemoteCoreApi":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def grants(self) -> list[tuple[str, dict]]:
        return list(self.state.grants)

    @property
    def calls(self) -> list[tuple[str, str, str]]:
        return list(self.state.calls)

    def answer(self, path: str, status: int, body: bytes, content_type: str = "application/json") -> None:
        """Answer every request for `path` (GET or POST) with this, whatever it asks."""
        with self.state.lock:
            self.state.canned[path] = (status, body, content_type)

    def answer_clear(self) -> None:
        with self.state.lock:
            self.state.canned.clear()

    def expire_all(self) -> None:
        with self.state.lock:
            for claims in self.state.tokens.values():
                claims["exp"] = 0


class _Handler(BaseHTTPRequestHandler):
    state: RemoteState
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status: int, body, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-oc-logid", secrets.token_hex(8))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _canned(self, path: str) -> bool:
        with self.state.lock:
            canned = self.state.canned.get(path)
        if canned is None:
            return False
        status, body, content_type = canned
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return True

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"Errors": [{"ErrorCode": code, "Message": message, "Data": None}]})

    def _issue(self, claims: dict) -> dict:
        state = self.state
        access = ".".join([_b64({"alg": "none", "typ": "JWT"}), _b64({**claims, "exp": int(time.time()) + state.access_seconds}), "fake"])
        refresh = secrets.token_urlsafe(24)
        state.tokens[access] = {**claims, "exp": int(time.time()) + state.access_seconds}
        state.refresh[refresh] = claims
        return {"access_token": access, "token_type": "bearer", "expires_in": state.access_seconds, "refresh_token": refresh}

    def do_POST(self):  # noqa: N802
        parsed = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if self._canned(parsed.path):
            return None
        if parsed.path != "/oauth/token":
            return self._error(404, "NotFound", "No such endpoint.")
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        state = self.state
        with state.lock:
            state.grants.append((form.get("grant_type", ""), form))
            grant = form.get("grant_type")
            if grant == "client_credentials":
                if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
                    return self._send(400, {"error": "InvalidGrant", "error_description": "Unknown client or wrong secret."})
                roles = [r for r in (form.get("scope") or "").split() if r]
                claims = {"usr": "remote-admin", "cid": state.client_id, "usrtype": "admin", "role": roles}
                if state.marketplace_id:
                    claims["mkt"] = state.marketplace_id
                return self._send(200, self._issue(claims))
            if grant == "refresh_token":
                claims = state.refresh.pop(form.get("refresh_token", ""), None)
                if claims is None:
                    return self._send(400, {"error": "InvalidGrant", "error_description": "Refresh token is invalid."})
                return self._send(200, self._issue(claims))
        return self._send(400, {"error": "UnsupportedGrantType", "error_description": "Unsupported grant_type."})

    def do_GET(self):  # noqa: N802
        parsed = urlparse(self.path)
        if self._canned(parsed.path):
            return None
        bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        state = self.state
        with state.lock:
            state.calls.append(("GET", self.path, bearer))
            claims = state.tokens.get(bearer)
        if claims is None or claims["exp"] <= time.time():
            return self._error(401, "InvalidToken", "Access token is invalid or expired.")
        query = {k: v[-1] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
        if parsed.path == "/v1/me":
            return self._send(200, {"ID": "remote-admin", "Username": claims["usr"], "AvailableRoles": claims["role"]})
        if parsed.path == "/v1/products":
            items = [{"ID": f"p{i}", "Name": f"Remote product {i}"} for i in range(1, state.product_count + 1)]
            name = query.get("Name")
            if name:
                needle = name.strip("*").lower()
                items = [p for p in items if needle in p["Name"].lower()]
            try:
                page, size = int(query.get("page", 1)), int(query.get("pageSize", 20))
            except ValueError:
                return self._error(400, "InvalidRequest", "page and pageSize must be numbers.")
            if size < 1 or size > 100:
                return self._error(400, "InvalidRequest", "pageSize must be between 1 and 100.")
            chunk = items[(page - 1) * size : page * size]
            total = len(items)
            meta = {"Page": page, "PageSize": size, "TotalCount": total, "TotalPages": -(-total // size),
                    "ItemRange": [(page - 1) * size + 1, (page - 1) * size + len(chunk)]}
            return self._send(200, {"Items": chunk, "Meta": meta})
        if parsed.path == "/v1/big":
            return self._send(200, b'"' + b"x" * state.big_bytes + b'"')
        if parsed.path == "/v1/drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(state.drip_bytes))
            self.end_headers()
            try:
                for _ in range(state.drip_bytes):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(state.drip_seconds)
            except OSError:  # the client gave up
                pass
            return None
        if parsed.path == "/v1/slow":
            time.sleep(state.slow_seconds)
            return self._send(200, {"slow": True})
        return self._error(404, "NotFound", "No such endpoint.")
