"""The in-process transport to the built-in core API answers exactly as the same request through
the whole middleware stack would (status, headers, body): CoreApiHandler runs only the middleware
that acts on /core/ requests."""

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from console.client import core_request
from console import services

IGNORED = {"x-oc-logid"}  # a fresh request id on every answer


def through_the_stack(method, url, headers, params=None, body=None):
    parts = urlsplit(url)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower() != "content-type"}
    kwargs = dict(HTTP_HOST=parts.netloc, **extra)
    if parts.scheme == "https":
        kwargs["secure"] = True
    client = Client()
    if method == "GET":
        return client.get(parts.path, params or {}, **kwargs)
    return client.generic(method, parts.path, body or b"", content_type="application/json", **kwargs)


def compare(method, path, token, params=None, body=None, org=None):
    url = org.core_api_url.rstrip("/") + path
    headers = {"Accept": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    inner = core_request(method=method, url=url, headers=headers, params=list((params or {}).items()),
                         body=body.encode() if body else None)
    full = through_the_stack(method, url, headers, params, body)
    assert inner.status == full.status_code
    assert {k.lower(): v for k, v in inner.headers if k.lower() not in IGNORED} == {
        k.lower(): v for k, v in full.items() if k.lower() not in IGNORED
    }
    return inner, full


@pytest.fixture
def token(team, owner):
    return services.console_token_get(user=owner, organization=team).access_token


class TestInProcessEqualsTheWholeStack:
    def test_list(self, team, token):
        inner, full = compare("GET", "/v1/products", token, {"pageSize": "2", "sortBy": "Name"}, org=team)
        assert inner.status == 200 and inner.content == full.content
        assert [p["Name"] for p in json.loads(inner.content)["Items"]] == ["Blue shirt", "Green hat"]

    def test_unknown_path_and_missing_token(self, team, token):
        inner, full = compare("GET", "/v1/nothing-here", token, org=team)
        assert inner.status == 404 and inner.content == full.content
        inner, full = compare("GET", "/v1/products", None, org=team)
        assert inner.status == 401 and inner.content == full.content

    def test_bad_body_and_create(self, team, token):
        inner, full = compare("POST", "/v1/products", token, body="{not json", org=team)
        assert inner.status == 400 and inner.content == full.content
        body = json.dumps({"ID": "p-eq", "Name": "Same"})
        core_request(method="PUT", url=team.core_api_url + "/v1/products/p-eq", body=body.encode(),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        inner, full = compare("PUT", "/v1/products/p-eq", token, body=body, org=team)  # updates: 200 both
        assert inner.status == 200 and json.loads(inner.content)["Name"] == "Same"

    def test_nul_guard_runs_in_process(self, team, token):
        inner, full = compare("GET", "/v1/products", token, {"search": "a\x00b"}, org=team)
        assert inner.status == 400 and inner.content == full.content
