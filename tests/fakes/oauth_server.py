"""A fake GitHub + Google OAuth2 server on 127.0.0.1, so allauth's real provider code runs in tests.

Test settings point allauth at `settings.FAKE_OAUTH_URL` (GitHub through GITHUB_URL, Google through
AUTHORIZE_URL / ACCESS_TOKEN_URL / IDENTITY_URL). Use the `fake_oauth` fixture (tests/fixtures.py):

    fake_oauth.next_identity("github", uid="4242", login="octocat", email="octo@example.com", name="Octo Cat")

The next authorization for that provider returns that identity (a FIFO queue per provider; when it
is empty the provider's default identity is used). `fake_oauth.next_identity("github", deny=True)`
makes the user press "Cancel" on the provider's consent page (redirect with error=access_denied).

Endpoints (stack-notes §3):
  GitHub  GET  /login/oauth/authorize      -> 302 redirect_uri?code=..&state=..
          POST /login/oauth/access_token   -> {"access_token", "token_type": "bearer", "scope"}
          GET  /api/v3/user                -> {"id", "login", "name", "email"}   (Authorization: token ..)
          GET  /api/v3/user/emails         -> [{"email", "primary", "verified", "visibility"}]
  Google  GET  /google/auth                -> 302 redirect_uri?code=..&state=..
          POST /google/token               -> {"access_token", "token_type": "Bearer", "expires_in"} (no id_token:
                                              allauth then calls the userinfo endpoint)
          GET  /google/userinfo            -> {"id", "email", "verified_email", "name", ...}  (Authorization: Bearer ..)
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

DEFAULT_IDENTITIES = {
    "github": {"uid": "4242", "login": "octocat", "email": "octocat@example.com", "name": "The Octocat"},
    "google": {"uid": "108000000000000000001", "login": "", "email": "jane.doe@example.com", "name": "Jane Doe"},
}


@dataclass
class FakeOAuthState:
    queues: dict[str, deque] = field(default_factory=lambda: {"github": deque(), "google": deque()})
    codes: dict[str, tuple[str, dict]] = field(default_factory=dict)  # code -> (provider, identity)
    tokens: dict[str, tuple[str, dict]] = field(default_factory=dict)  # access token -> (provider, identity)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) seen, for assertions
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeOAuthServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.state = FakeOAuthState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-oauth", daemon=True)

    def start(self) -> "FakeOAuthServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- test API -------------------------------------------------------------------------
    def next_identity(self, provider: str, *, uid: str | int | None = None, login: str | None = None,
                      email: str | None = None, name: str | None = None, deny: bool = False,
                      email_verified: bool = True) -> dict:
        """Queue the identity the next authorization of `provider` returns; missing parts come
        from the provider's default identity."""
        identity = {**DEFAULT_IDENTITIES[provider], "deny": deny, "email_verified": email_verified}
        identity.update({k: v for k, v in {"uid": uid, "login": login, "email": email, "name": name}.items() if v is not None})
        identity["uid"] = str(identity["uid"])
        with self.state.lock:
            self.state.queues[provider].append(identity)
        return identity

    def reset(self) -> None:
        with self.state.lock:
            for q in self.state.queues.values():
                q.clear()
            self.state.codes.clear()
            self.state.tokens.clear()
            self.state.requests.clear()


class _Handler(BaseHTTPRequestHandler):
    state: FakeOAuthState
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - keep test output clean
        pass

    # --- plumbing ---------------------------------------------------------------------------
    def _send(self, status: int, body=None, headers: dict | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {k: v[0] for k, v in parse_qs(raw).items()}

    def _bearer(self) -> tuple[str, dict] | None:
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else ""
        with self.state.lock:
            return self.state.tokens.get(token)

    # --- routes -----------------------------------------------------------------------------
    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        self.state.requests.append(("GET", url.path))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/login/oauth/authorize":
            return self._authorize("github", query)
        if url.path == "/google/auth":
            return self._authorize("google", query)
        if url.path in ("/api/v3/user", "/api/v3/user/emails", "/google/userinfo"):
            found = self._bearer()
            if found is None:
                return self._send(401, {"message": "Bad credentials"})
            provider, ident = found
            if url.path == "/api/v3/user" and provider == "github":
                return self._send(200, {"id": int(ident["uid"]) if ident["uid"].isdigit() else ident["uid"],
                                        "login": ident["login"], "name": ident["name"], "email": ident["email"],
                                        "html_url": f"https://github.example/{ident['login']}", "avatar_url": ""})
            if url.path == "/api/v3/user/emails" and provider == "github":
                return self._send(200, [{"email": ident["email"], "primary": True,
                                         "verified": ident["email_verified"], "visibility": "public"}])
            if url.path == "/google/userinfo" and provider == "google":
                given, _, family = ident["name"].partition(" ")
                return self._send(200, {"id": ident["uid"], "email": ident["email"],
                                        "verified_email": ident["email_verified"], "name": ident["name"],
                                        "given_name": given, "family_name": family, "picture": ""})
        return self._send(404, {"message": "Not Found"})

    def do_POST(self):  # noqa: N802
        path = urlparse(self.path).path
        self.state.requests.append(("POST", path))
        form = self._form()
        if path in ("/login/oauth/access_token", "/google/token"):
            with self.state.lock:
                found = self.state.codes.pop(form.get("code", ""), None)
                if found is None:
                    return self._send(400, {"error": "bad_verification_code"})
                token = secrets.token_urlsafe(16)
                self.state.tokens[token] = found
            if found[0] == "github":
                return self._send(200, {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"})
            return self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3599,
                                    "scope": "openid email profile"})
        return self._send(404, {"message": "Not Found"})

    def _authorize(self, provider: str, query: dict) -> None:
        redirect_uri, state = query.get("redirect_uri"), query.get("state", "")
        if not redirect_uri or not query.get("client_id"):
            return self._send(400, {"error": "invalid_request"})
        with self.state.lock:
            queue = self.state.queues[provider]
            ident = queue.popleft() if queue else {**DEFAULT_IDENTITIES[provider], "deny": False, "email_verified": True}
            if ident["deny"]:
                params = {"error": "access_denied", "error_description": "The user denied access", "state": state}
            else:
                code = secrets.token_urlsafe(12)
                self.state.codes[code] = (provider, ident)
                params = {"code": code, "state": state}
        sep = "&" if "?" in redirect_uri else "?"
        self._send(302, headers={"Location": f"{redirect_uri}{sep}{urlencode(params)}"})


_server: FakeOAuthServer | None = None
_server_lock = threading.Lock()


def start(url: str) -> FakeOAuthServer:
    """Start the fake server once per process on the port of `url` (settings.FAKE_OAUTH_URL).

    Under pytest-xdist every worker inherits the controller's FAKE_OAUTH_URL, so the port may be
    taken by a sibling worker. Then this process's server takes a free port and allauth's provider
    adapters (whose URLs are class attributes computed at import) are pointed at it."""
    global _server
    with _server_lock:
        if _server is not None:
            return _server
        parsed = urlparse(url)
        try:
            server = FakeOAuthServer(parsed.hostname or "127.0.0.1", parsed.port or 0)
        except OSError:
            server = FakeOAuthServer(parsed.hostname or "127.0.0.1", 0)
            _point_allauth_at(server.url)
        _server = server.start()
        return _server


def _point_allauth_at(url: str) -> None:
    from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
    from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter

    GitHubOAuth2Adapter.web_url = url
    GitHubOAuth2Adapter.api_url = f"{url}/api/v3"
    GitHubOAuth2Adapter.access_token_url = f"{url}/login/oauth/access_token"
    GitHubOAuth2Adapter.authorize_url = f"{url}/login/oauth/authorize"
    GitHubOAuth2Adapter.profile_url = f"{url}/api/v3/user"
    GitHubOAuth2Adapter.emails_url = f"{url}/api/v3/user/emails"
    GoogleOAuth2Adapter.authorize_url = f"{url}/google/auth"
    GoogleOAuth2Adapter.access_token_url = f"{url}/google/token"
    GoogleOAuth2Adapter.identity_url = f"{url}/google/userinfo"
