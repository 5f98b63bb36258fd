"""CORS on the JSON APIs (portal.common.cors): preflights answered 204, every API answer (errors
included) readable from any origin without credentials, and no CORS header on the web pages."""

import re

import pytest
from django.test import Client, override_settings

from coreapi.testing import core_world
from portal.common import cors
from tests.portal_api import PortalApi, access_token_for
from tests.sdk import harness

pytestmark = pytest.mark.django_db

ORIGIN = "http://localhost:3000"
PREFLIGHT = {"Origin": ORIGIN, "Access-Control-Request-Method": "PATCH",
             "Access-Control-Request-Headers": "authorization,content-type"}  # fmt: skip
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
)


def assert_readable_cross_origin(response):
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"x-oc-logid", "retry-after", "www-authenticate", "allow"} <= exposed
    assert not response.has_header("Access-Control-Allow-Credentials")


def assert_no_cors(response):
    assert [h for h in CORS_HEADERS if response.has_header(h)] == []


@pytest.fixture
def world():
    return core_world()


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


# --- preflights ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/core/sandbox/oauth/token",
        "/core/sandbox/v1/products/some-product",  # a route with a path parameter
        "/core/sandbox/v1/me",
        "/api/v1/oauth/token",
        "/api/v1/organizations/acme",
        "/api/v1/me",
        "/api/v1/no-such-route",  # answered before routing: the real call then gets its JSON 404
    ],
)
def test_preflight_is_answered_204_with_the_allowed_methods_and_headers(anonymous, path):
    response = anonymous.options(path, headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "accept"} <= allowed
    assert int(response["Access-Control-Max-Age"]) == 7200
    assert "Access-Control-Request-Method" in response["Vary"]
    assert not response.has_header("Access-Control-Allow-Credentials")


def test_options_without_a_request_method_is_no_preflight(anonymous):
    """It gets the API's usual answer (a JSON 405 saying what is allowed), readable cross-origin."""
    response = anonymous.options("/api/v1/me", headers={"Origin": ORIGIN})
    assert response.status_code == 405
    assert response.json()["Errors"][0]["ErrorCode"] == "MethodNotAllowed"
    assert response.has_header("Allow")
    assert_readable_cross_origin(response)


def test_preflight_on_web_pages_gets_no_cors_headers(anonymous):
    for path in ("/dashboard/", "/accounts/login/", "/admin/", "/console/", "/"):
        response = anonymous.options(path, headers=PREFLIGHT)
        assert response.status_code != 204, path
        assert_no_cors(response)


# --- answers of the core API ---------------------------------------------------------------------


def test_core_token_and_calls_are_readable_cross_origin(world):
    token_response = world.token_response(grant_type="password", client_id=world.client_id,
                                          username=world.admin_username, password=world.password)  # fmt: skip
    assert token_response.status_code == 200
    assert_readable_cross_origin(token_response)
    token = token_response.json()["access_token"]

    me = world.call("GET", "/v1/me", token, HTTP_ORIGIN=ORIGIN)
    assert me.status_code == 200
    assert me.has_header("X-oc-logid")
    assert_readable_cross_origin(me)
    patched = world.call("PATCH", "/v1/me", token, {"FirstName": "Cors"}, HTTP_ORIGIN=ORIGIN)
    assert patched.status_code == 200, patched.content
    assert_readable_cross_origin(patched)


def test_core_errors_are_readable_cross_origin(world, anonymous):
    no_token = anonymous.get("/core/sandbox/v1/me", headers={"Origin": ORIGIN})
    assert no_token.status_code == 401
    unknown = anonymous.get("/core/sandbox/v1/no-such-resource", headers={"Origin": ORIGIN})
    assert unknown.status_code == 404 and unknown.json()["Errors"][0]["ErrorCode"] == "NotFound"
    nul = anonymous.get("/core/sandbox/v1/products?search=%00", headers={"Origin": ORIGIN})
    assert nul.status_code == 400 and "NUL" in nul.json()["Errors"][0]["Message"]
    bad_method = anonymous.put("/core/sandbox/oauth/token", headers={"Origin": ORIGIN})
    assert bad_method.status_code == 405
    for response in (no_token, unknown, nul, bad_method):
        assert response.has_header("X-oc-logid")
        assert_readable_cross_origin(response)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_too_large_bodies_are_refused_readably_on_both_apis_and_as_a_413_page_elsewhere(world, anonymous):
    """The APIs refuse a body over the limit in their own shape (400 InvalidRequest, the limit
    named), the web pages with their 413 page: only the former carry CORS headers."""
    form = {"grant_type": "password", "username": "x" * 2000, "password": "y"}
    core = anonymous.post("/core/sandbox/oauth/token", form, headers={"Origin": ORIGIN})
    portal = anonymous.post("/api/v1/oauth/token", form, headers={"Origin": ORIGIN})
    for response in (core, portal):
        assert response.status_code == 400, response.content
        assert "larger than 1,000 bytes" in response.content.decode()
        assert_readable_cross_origin(response)
    page = anonymous.post("/accounts/login/", form, headers={"Origin": ORIGIN})
    assert page.status_code == 413
    assert_no_cors(page)


def test_a_server_error_page_on_an_api_path_is_readable_cross_origin(world, anonymous, monkeypatch):
    """An exception outside any view (here in the core API's middleware) becomes the 500 page
    below this middleware, which still marks it."""

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr("coreapi.middleware._refusal", broken)
    response = anonymous.get("/core/sandbox/v1/me", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert_readable_cross_origin(response)


# --- answers of the Portal API -------------------------------------------------------------------


def test_portal_api_answers_and_errors_are_readable_cross_origin(user, password, anonymous):
    token = anonymous.post("/api/v1/oauth/token", {"grant_type": "password", "username": user.username,
                                                   "password": password}, headers={"Origin": ORIGIN})  # fmt: skip
    assert token.status_code == 200
    me = PortalApi(user=user).get("/me")
    assert me.status_code == 200
    no_token = anonymous.get("/api/v1/me", headers={"Origin": ORIGIN})
    assert no_token.status_code == 401 and no_token.has_header("WWW-Authenticate")
    unknown = anonymous.get("/api/v1/no-such-route", headers={"Origin": ORIGIN})
    assert unknown.status_code == 404 and unknown.json()["Errors"][0]["ErrorCode"] == "NotFound"
    bad_method = anonymous.delete("/api/v1/me", headers={"Origin": ORIGIN, "Authorization": "Bearer x"})
    assert bad_method.status_code == 405 and bad_method.has_header("Allow")
    nul = PortalApi(user=user).get("/organizations", Environment="Sandbox\x00")
    assert nul.status_code == 400 and nul.json()["Errors"][0]["ErrorCode"] == "InvalidRequest"
    for response in (token, me, no_token, unknown, bad_method, nul):
        assert response.has_header("X-oc-logid")
        assert_readable_cross_origin(response)


# --- web pages and the session cookie -------------------------------------------------------------


def test_web_pages_carry_no_cors_headers(user, client):
    for path in ("/", "/accounts/login/", "/admin/", "/admin/login/", "/no-such-page/", "/healthz"):
        assert_no_cors(client.get(path, headers={"Origin": ORIGIN}))
    client.force_login(user)
    for path in ("/dashboard/", "/organizations/", "/console/", "/accounts/email/"):
        response = client.get(path, headers={"Origin": ORIGIN})
        assert response.status_code in (200, 302), (path, response.status_code)
        assert_no_cors(response)


def test_no_api_endpoint_accepts_the_session_cookie(user, world):
    """What makes allowing any origin safe: a signed-in browser's session cookie, sent along,
    authenticates nothing on either API; only the Bearer token does."""
    browser = Client()
    browser.force_login(user)
    assert browser.get("/dashboard/").status_code == 200
    assert browser.get("/api/v1/me").status_code == 401
    assert browser.get("/api/v1/organizations", {"Environment": "Sandbox"}).status_code == 401
    assert browser.get("/core/sandbox/v1/me").status_code == 401
    with_token = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token_for(user)}"})
    assert with_token.status_code == 200


SDK_BUNDLES = (
    (harness.ensure_sdk_installed, "ordercloud-javascript-sdk/dist/index.js"),
    (harness.ensure_portal_sdk_installed, "@ordercloud/portal-javascript-sdk/dist/index.js"),
)


@pytest.mark.parametrize(("install", "bundle"), SDK_BUNDLES, ids=["ordercloud-javascript-sdk", "portal-sdk"])
def test_allowed_headers_cover_what_the_official_sdks_send(install, bundle):
    """Every request header the official SDKs set (`headers: {...}`, `config.headers.X = ...`) is
    allowed by the preflight. The pinned bundles are installed as the SDK tests install them."""
    source = (install() / bundle).read_text()
    sent = set(re.findall(r"headers\.([A-Za-z]+)\s*=", source))
    for block in re.findall(r"headers:\s*\{([^{}]*)\}", source):
        sent |= {key.strip("'\"") for key in re.findall(r"""(['"]?[A-Za-z-]+['"]?)\s*:""", block)}
    assert {"Authorization", "Content-Type"} <= sent
    allowed = {h.strip() for h in cors.ALLOW_HEADERS.split(",")}
    assert {h.lower() for h in sent} <= allowed
