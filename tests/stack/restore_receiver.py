"""A receiver of staging restore webhooks, as an integration would run it (used by the restore
tests and the real-stack test).

It verifies `X-oc-hash` = base64(HMAC-SHA256(raw body, HashKey)) and answers 401 on a mismatch
(what @ordercloud/catalyst's withOcWebhookAuth does). After a verified, non-test restore payload it
re-creates what the restore disabled (before it answers): it signs in to the Staging core API with a password grant and
PATCHes the webhook's ApiClientIDs back (and its Url and HashKey, which the restore leaves as Production's, when
given), through the built-in API, like a real integration.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reassign:
    """Which webhook to re-assign, and how to sign in to the Staging core API."""

    core_base_url: str  # e.g. http://127.0.0.1:8000/core/staging
    webhook_id: str
    api_client_ids: list[str]
    client_id: str
    username: str
    password: str
    headers: dict = field(default_factory=dict)  # e.g. Host / X-Forwarded-Proto behind a proxy
    # The restore keeps Production's Url and HashKey on the webhook (only ApiClientIDs are emptied):
    # a real receiver points it at its Staging endpoint too, or Staging's events go to Production's.
    url: str | None = None
    hash_key: str | None = None


class RestoreReceiver:
    def __init__(self, *, hash_key: str, reassign: Reassign | None = None, statuses: list[int] | None = None):
        self.hash_key = hash_key
        self.reassign = reassign
        self.statuses = list(statuses or [])  # answers to give first (e.g. [500, 503]), then 200
        self.received: list[dict] = []  # {"payload", "signature_ok", "headers"}
        self.reassigned: list[dict] = []  # the core API's answers to the PATCH
        self.errors: list[str] = []
        self.got_payload = threading.Event()
        self.done = threading.Event()  # a restore payload was verified and the webhook re-assigned
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver._handle(self, raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/staging-restored"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        self.url = self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- handling ---------------------------------------------------------------------------
    def signature(self, raw: bytes) -> str:
        return base64.b64encode(hmac.new(self.hash_key.encode(), raw, hashlib.sha256).digest()).decode()

    def _answer(self, handler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()

    def _handle(self, handler, raw: bytes) -> None:
        ok = hmac.compare_digest(self.signature(raw), handler.headers.get("X-oc-hash", ""))
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = None
        self.received.append({"payload": payload, "signature_ok": ok, "headers": dict(handler.headers)})
        if not ok:
            self._answer(handler, 401, {"ErrorCode": "Unauthorized", "Message": "X-oc-hash does not match"})
            return
        if self.statuses:
            self._answer(handler, self.statuses.pop(0), {"Retry": True})
            return
        # Like many integrations, do the work first and answer when it is done (the sender's
        # read timeout is 10 s); a failure is answered 500, so the sender retries.
        if self.reassign and payload and not payload.get("Test"):
            try:
                self.reassigned.append(self._reassign_webhook())
            except Exception as exc:  # noqa: BLE001 - reported to the test through .errors
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self._answer(handler, 500, {"Error": str(exc)})
                return
            finally:
                self.done.set()
        self._answer(handler, 200, {"Received": True})
        self.got_payload.set()

    def _reassign_webhook(self) -> dict:
        r = self.reassign
        form = urllib.parse.urlencode({"grant_type": "password", "client_id": r.client_id, "username": r.username,
                                       "password": r.password, "scope": "WebhookAdmin"}).encode()
        request = urllib.request.Request(f"{r.core_base_url}/oauth/token", data=form, headers={
            **r.headers, "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=20) as response:
            token = json.loads(response.read())["access_token"]
        patch = {"ApiClientIDs": r.api_client_ids}
        patch.update({name: value for name, value in (("Url", r.url), ("HashKey", r.hash_key)) if value is not None})
        body = json.dumps(patch).encode()
        request = urllib.request.Request(f"{r.core_base_url}/v1/webhooks/{r.webhook_id}", data=body, method="PATCH",
                                         headers={**r.headers, "Content-Type": "application/json",
                                                  "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())
