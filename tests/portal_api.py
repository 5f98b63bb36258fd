"""Helpers for tests of the Portal REST API (/api/v1): a JSON client that signs in like the SDK.

    api = PortalApi(client, user)           # Bearer token for `user`
    r = api.get("/organizations", Environment="Sandbox")
    assert r.status_code == 200, r.json()
"""

import json as jsonlib

from django.test import Client

from portal.apiauth.services import access_token_encode, portal_session_create

BASE = "/api/v1"


def access_token_for(user) -> str:
    session, _refresh = portal_session_create(user=user)
    return access_token_encode(session=session)


class PortalApi:
    """Calls the API the way @ordercloud/portal-javascript-sdk does: JSON content type on every
    request (GETs too) and `Authorization: Bearer <token>` (a bare `Bearer` when anonymous)."""

    def __init__(self, client: Client | None = None, user=None, *, token: str | None = None):
        self.client = client or Client()
        self.token = token if token is not None else (access_token_for(user) if user is not None else "")

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}".rstrip() if self.token else "Bearer"}

    def request(self, method: str, path: str, body=None, **query):
        url = BASE + path
        if query:
            from urllib.parse import urlencode

            url += "?" + urlencode(query, doseq=True)
        data = jsonlib.dumps(body) if body is not None else ""
        return self.client.generic(method, url, data, content_type="application/json", headers=self._headers())

    def get(self, path, **query):
        return self.request("GET", path, **query)

    def put(self, path, body=None, **query):
        return self.request("PUT", path, body if body is not None else {}, **query)

    def post(self, path, body=None, **query):
        return self.request("POST", path, body, **query)

    def delete(self, path, **query):
        return self.request("DELETE", path, **query)


def error_codes(response) -> list[str]:
    return [e["ErrorCode"] for e in response.json()["Errors"]]


def error_messages(response) -> list[str]:
    return [e["Message"] for e in response.json()["Errors"]]
