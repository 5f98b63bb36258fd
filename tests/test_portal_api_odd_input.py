"""Odd input on every operation of the Portal REST API (/api/v1), as the owner, a contributor, an
outsider, staff and anonymous callers, with real Portal API tokens (the owner's from the password
grant). schemathesis (organizations/tests/test_api_schema.py) sends schema-valid values with the
owner's token; this module sends what it cannot: NUL and lone surrogates in every JSON field,
query parameter and path Id, 1 MB strings, 1e400, 10**30, -1 and 1.5 for numbers, wrong types,
bodies that are not JSON objects, duplicate and unknown keys, trailing slashes, odd Ids, odd
Authorization headers and odd credentials on the OAuth endpoints. Query strings are at most a few
KB long: gunicorn answers a longer request line itself.

Every answer must be below 500, JSON in the documented shape ({"Errors": [{"ErrorCode",
"Message"}]}, or {"error", "error_description"} on /oauth/) with an X-oc-logid header; another
organization's anything is never a 403; nothing unstorable is kept (scanned after each test).
Each request runs in a savepoint, so on PostgreSQL one failure does not hide the next, and each
test lists all its failures.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import models, transaction
from django.test import Client

from coreapi import models as core_models
from organizations import services as org_services
from organizations.models import Environment
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.portal_api import BASE, access_token_for

pytestmark = pytest.mark.django_db

MB = 1_000_000
# raw JSON fragments put in place of one field's value
ODD_JSON = {
    "nul": r'"a\u0000b"',
    "surrogate": r'"a\ud800b"',
    "low-surrogate": r'"\udc00"',
    "1MB": json.dumps("x" * MB),
    "1e400": "1e400",
    "-1e400": "-1e400",
    "10**30": str(10**30),
    "-1": "-1",
    "1.5": "1.5",
    "list": '["a", "b"]',
    "list-nul": r'["a\u0000"]',
    "object": '{"a": {"b": 1}}',
    "yes": '"yes"',
    "true": "true",
    "null": "null",
    "empty": '""',
    "emoji-rtl": json.dumps("😀 \u202eabc \u05d0"),
}
FEW_JSON = ("nul", "surrogate", "1MB", "1e400", "list", "object")
# raw query values (already percent-encoded)
ODD_QUERY = {
    "nul": "a%00b",
    "surrogate-utf8": "%ED%A0%80",
    "not-utf8": "%FF%FE",
    "4KB": "y" * 4000,  # gunicorn refuses a request line over 4,094 bytes (limit_request_line) itself
    "1e400": "1e400",
    "10**30": str(10**30),
    "-1": "-1",
    "1.5": "1.5",
    "empty": "",
    "yes": "yes",
    "bang": "!",
    "star": "*",
    "stars": "a*" * 2000,
    "ops": "%3E%3D",
    "pipes": "%7C%7C",
    "emoji": quote("😀"),
}
ODD_IDS = {
    "nul": "%00",
    "nul-inside": "acme-sbx%00",
    "long": "x" * 10_000,
    "unicode": quote("ünïcödé"),
    "emoji": quote("😀"),
    "not-utf8": "%FF",
    "surrogate-utf8": "%ED%A0%80",
    "dots": "..",
    "space": "a%20b",
    "minus-one": "-1",
    "huge": str(10**30),
    "5000-digits": "9" * 5000,
    "superscript": quote("²"),
    "arabic-digits": quote("١٢"),
}


# --- the world --------------------------------------------------------------------------------------
@pytest.fixture
def world(db, client):
    """owner (olivia) owns acme-sbx (Sandbox, with an API client and a buyer user), Production "acme"
    and its Staging twin (with a restore webhook); member (mia): ProductReader + impersonate buyer in
    acme-sbx; ivan has a pending invitation to acme-sbx; outsider (oscar) owns other-org; staff (stan)."""
    cache.clear()  # failed sign-ins of an earlier test would lock the owner's sign-in out (429)
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    member = UserFactory(username="mia", name="Mia Member")
    invited = UserFactory(username="ivan", name="Ivan Invited")
    outsider = UserFactory(username="oscar", name="Oscar Outsider")
    staff = UserFactory(username="stan", name="Stan Staff", is_staff=True)
    org = org_services.organization_create(actor=owner, oc_id="acme-sbx", name="Acme", region="usw")
    mp = core_models.Marketplace.objects.get(environment="sandbox", marketplace_id="acme-sbx")
    core_models.ApiClient.objects.create(marketplace=mp, oc_id="buyer-client", app_name="Storefront")
    org_services.contributor_save(actor=owner, organization=org, username="mia", roles=["ProductReader"],
                                  is_admin=False, impersonate_buyer=True)
    org_services.invitation_accept(actor=member, organization=org)
    org_services.contributor_save(actor=owner, organization=org, username="ivan", roles=[], is_admin=False)
    prod = org_services._org_create(actor=owner, oc_id="acme", name="Acme Live", region="usw",
                                    environment=Environment.PRODUCTION)
    twin = org_services.staging_twin_create(actor=owner, production_org=prod)
    from organizations import services_restore

    services_restore.restore_webhook_save(actor=owner, organization=twin, url="https://hooks.example.com/r",
                                          hash_key="k")
    org_services.organization_create(actor=outsider, oc_id="other-org", name="Other", region="usw")
    signed_in = client.post(f"{BASE}/oauth/token", {"grant_type": "password", "username": "olivia",
                                                   "password": DEFAULT_PASSWORD})
    assert signed_in.status_code == 200, signed_in.content
    tokens = {
        "owner": signed_in.json()["access_token"],
        "member": access_token_for(member),
        "invited": access_token_for(invited),
        "outsider": access_token_for(outsider),
        "staff": access_token_for(staff),
        "anonymous": "",
    }
    return Fuzz(tokens)


class Fuzz:
    """Sends requests as an actor and records every failure instead of stopping at the first."""

    def __init__(self, tokens: dict[str, str]):
        self.tokens = tokens
        self.client = Client()
        self.failures: list[str] = []

    def send(self, who: str, method: str, path: str, body: bytes | str | None = None, *,
             content_type: str = "application/json", authorization: str | None = None, foreign: bool = False):
        """`path` is sent as is (percent-encode it yourself); `foreign`: it names an organization
        `who` has no access to, so a 403 would tell them it exists."""
        if authorization is None:
            token = self.tokens[who]
            authorization = f"Bearer {token}" if token else "Bearer"
        if isinstance(body, str):
            body = body.encode()
        label = f"{who} {method} {_short(path)} {_short(body)}"
        savepoint = transaction.savepoint()
        response = None
        try:
            response = self.client.generic(method, BASE + path, body or b"", content_type=content_type,
                                           headers={"Authorization": authorization})
        except Exception as exc:  # noqa: BLE001 - the test client re-raises what a view let through
            self.failures.append(f"{label}: raised {exc!r}")
        finally:
            if response is None or response.status_code >= 500:
                transaction.savepoint_rollback(savepoint)
            else:
                transaction.savepoint_commit(savepoint)
        if response is not None:
            for problem in answer_problems(path, response, foreign=foreign):
                self.failures.append(f"{label}: {problem}")
        return response

    def check(self):
        self.failures += stored_text_problems()
        assert not self.failures, f"{len(self.failures)} failures:\n" + "\n".join(self.failures[:30])


def answer_problems(path: str, response, *, foreign: bool = False) -> list[str]:
    status = response.status_code
    text = response.content.decode(errors="replace")
    problems = []
    if status >= 500:
        problems.append(f"answered {status}: {_short(text)}")
    if foreign and status == 403:
        problems.append(f"403 for another organization's object (must be 404): {_short(text)}")
    if not response.has_header("X-oc-logid"):
        problems.append(f"{status} without an X-oc-logid header")
    if status == 204:
        return problems
    if not response.get("Content-Type", "").startswith("application/json"):
        return [*problems, f"{status} is not JSON ({response.get('Content-Type')}): {_short(text)}"]
    try:
        data = json.loads(response.content)
    except ValueError:
        return [*problems, f"{status} body is not JSON: {_short(text)}"]
    if status < 400:
        return problems
    if path.startswith("/oauth/") and status not in (404, 405):  # those two: the API's own shape (below)
        if not (isinstance(data, dict) and isinstance(data.get("error"), str)
                and isinstance(data.get("error_description"), str) and data["error_description"]):
            problems.append(f"{status} is not an OAuth error: {_short(text)}")
        return problems
    errors = data.get("Errors") if isinstance(data, dict) else None
    if not (isinstance(errors, list) and errors and all(
        isinstance(e, dict) and isinstance(e.get("ErrorCode"), str) and isinstance(e.get("Message"), str)
        and e["Message"].strip() for e in errors
    )):
        problems.append(f"{status} is not {{'Errors': [{{'ErrorCode', 'Message'}}]}}: {_short(text)}")
    return problems


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 200 else text[:180] + f"...({len(text)} chars)"


def _strings(value):
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def stored_text_problems() -> list[str]:
    """Text the portal kept that it should not have: a NUL or a lone surrogate (PostgreSQL refuses
    both; SQLite keeps them) or more characters than the column holds (SQLite does not check)."""
    problems = []
    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "organizations", "apiauth", "account", "common"):
            continue
        fields = [f for f in model._meta.concrete_fields
                  if isinstance(f, models.CharField | models.TextField | models.JSONField)]
        for row in model.objects.values_list("pk", *[f.attname for f in fields]):
            for field, value in zip(fields, row[1:], strict=True):
                text = value if isinstance(value, str) else "".join(_strings(value))
                if "\x00" in text:
                    problems.append(f"{model.__name__}.{field.name} of {row[0]} holds a NUL: {_short(value)}")
                if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
                    problems.append(f"{model.__name__}.{field.name} of {row[0]} holds a surrogate: {_short(value)}")
                if isinstance(value, str) and field.max_length and len(value) > field.max_length:
                    problems.append(f"{model.__name__}.{field.name} of {row[0]} is {len(value)} characters long")
    return problems


# --- JSON bodies: every field of every body, one odd value at a time ------------------------------------
ODD = "@@ODD@@"


def with_odd(template: dict, fragment: str) -> str:
    return json.dumps(template).replace(json.dumps(ODD), fragment)


BODIES = [
    # (id, method, path, template with ODD in one place, actors, values)
    ("org-rename-name", "PUT", "/organizations/acme-sbx", {"Name": ODD}, ("owner", "member", "staff"), ODD_JSON),
    ("org-rename-id", "PUT", "/organizations/acme-sbx", {"Id": ODD, "Name": "A"}, ("owner",), ODD_JSON),
    ("org-rename-ID", "PUT", "/organizations/acme-sbx", {"ID": ODD, "Name": "A"}, ("owner",), ODD_JSON),
    ("org-create-name", "PUT", "/organizations/new-one", {"Name": ODD}, ("owner", "outsider"), ODD_JSON),
    ("org-create-env", "PUT", "/organizations/new-one", {"Name": "N", "Environment": ODD}, ("owner",), ODD_JSON),
    ("org-create-region", "PUT", "/organizations/new-one", {"Name": "N", "Region": ODD}, ("owner",), ODD_JSON),
    ("org-create-region-id", "PUT", "/organizations/new-one", {"Name": "N", "Region": {"Id": ODD}}, ("owner",),
     ODD_JSON),
    ("transfer", "POST", "/organizations/acme-sbx/transfer", {"Username": ODD}, ("owner", "member"), ODD_JSON),
    ("assign-roles", "PUT", "/organizations/acme-sbx/access/users/ivan", {"Roles": ODD}, ("owner", "member"),
     ODD_JSON),
    ("assign-role", "PUT", "/organizations/acme-sbx/access/users/ivan", {"Roles": [ODD]}, ("owner",), ODD_JSON),
    ("assign-admin", "PUT", "/organizations/acme-sbx/access/users/ivan", {"Roles": [], "IsAdmin": ODD},
     ("owner",), ODD_JSON),
    ("assign-impersonate", "PUT", "/organizations/acme-sbx/access/users/mia", {"ImpersonateSeller": ODD},
     ("owner",), ODD_JSON),
    ("confirmation", "POST", "/confirmation", {"Code": ODD}, ("owner", "anonymous"), ODD_JSON),
    ("webhook-url", "PUT", "/organizations/acme/stagingrestorewebhook", {"URL": ODD, "HashKey": "k"},
     ("owner", "member"), ODD_JSON),
    ("webhook-hashkey", "PUT", "/organizations/acme/stagingrestorewebhook",
     {"URL": "https://hooks.example.com/x", "HashKey": ODD}, ("owner",), ODD_JSON),
]


@pytest.mark.parametrize(("method", "path", "template", "actors", "values"),
                         [pytest.param(*case[1:], id=case[0]) for case in BODIES])
def test_every_body_field_takes_odd_values(world, method, path, template, actors, values):
    for who in actors:
        for name in values if who == "owner" else FEW_JSON:
            world.send(who, method, path, with_odd(template, ODD_JSON[name]),
                       foreign=who == "outsider" and "acme" in path)
    world.check()


NOT_OBJECTS = {
    "empty": b"",
    "spaces": b"   ",
    "not-json": b"Name=x",
    "truncated": b'{"Name": "x"',
    "array": b'[{"Name": "x"}]',
    "string": b'"x"',
    "number": b"1",
    "null": b"null",
    "nan": b'{"Name": NaN}',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"Name": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
    "duplicate-keys": b'{"Name": "a", "Name": "b\\u0000"}',
    "unknown-keys": b'{"Name": "x", "Bogus": [1, 2], "\\u0000": 1, "\\ud800": 2}',
    "not-utf8": b'{"Name": "\xff\xfe"}',
    "bom": b'\xef\xbb\xbf{"Name": "x"}',
    "utf16": '{"Name": "x"}'.encode("utf-16"),
    "2MB-over-limit": b'{"Name": "' + b"x" * (3 * MB) + b'"}',
}
JSON_OPERATIONS = [
    ("PUT", "/organizations/acme-sbx"),
    ("PUT", "/organizations/new-one"),
    ("POST", "/organizations/acme-sbx/transfer"),
    ("PUT", "/organizations/acme-sbx/access/users/ivan"),
    ("POST", "/confirmation"),
    ("PUT", "/organizations/acme/stagingrestorewebhook"),
]


@pytest.mark.parametrize(("method", "path"), JSON_OPERATIONS, ids=[p for _, p in JSON_OPERATIONS])
def test_bodies_that_are_not_json_objects(world, method, path):
    for name, body in NOT_OBJECTS.items():
        for who in ("owner", "anonymous") if name in ("empty", "deep", "not-utf8") else ("owner",):
            world.send(who, method, path, body)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
                         "multipart/form-data", "multipart/form-data; boundary="):  # no boundary: POSTs were a 500
        world.send("owner", method, path, b'{"Name": "x"}', content_type=content_type)
    world.check()


# --- query parameters ----------------------------------------------------------------------------------
LISTS = [
    ("/organizations", ("search", "searchOn", "sortBy", "page", "pageSize", "ID", "Name", "Environment",
                        "Owner.Email", "Region", "Bogus", "environment")),
    ("/organizations/acme-sbx/contributors", ("search", "searchOn", "sortBy", "page", "pageSize", "Username",
                                              "Email", "environment")),
    ("/me/regions", ("search", "page", "pageSize")),
    ("/portalusers", ("search", "page", "pageSize")),
    ("/me/orginvites", ("page", "pageSize")),
    ("/organizations/acme-sbx/access/users", ("page", "pageSize", "environment")),
    ("/organizations/acme-sbx/activity", ("page", "pageSize", "environment")),
    ("/organizations/acme-sbx/apiclients", ("search", "page", "pageSize", "environment")),
    ("/organizations/acme-sbx/apiclients/buyer-client/users", ("search", "page", "pageSize")),
    ("/organizations/acme/stagingrestores", ("page", "pageSize", "environment")),
    ("/organizations/acme-sbx", ("environment",)),
    ("/organizations/acme-sbx/token", ("clientid", "username", "environment")),
    ("/organizations/acme/stagingrestorewebhook", ("environment",)),
]


@pytest.mark.parametrize(("path", "params"), LISTS, ids=[path for path, _ in LISTS])
def test_query_parameters_take_odd_values(world, path, params):
    for param in params:
        for name, value in ODD_QUERY.items():
            query = f"{param}={value}"
            if param in ("clientid", "username"):  # they go together
                query += "&clientid=buyer-client" if param == "username" else "&username=buyer"
            world.send("owner", "GET", f"{path}?{query}")
            if name in ("nul", "not-utf8", "1e400"):  # a repeated key: the first value odd, the last one ordinary
                world.send("owner", "GET", f"{path}?{query}&{param}=1")
        world.send("member", "GET", f"{path}?{param}=a%00")
        world.send("outsider", "GET", f"{path}?{param}=a%00", foreign="acme" in path)
    world.send("owner", "GET", f"{path}?%00=1")
    world.send("owner", "GET", f"{path}?%FF=1&=&&=x")
    world.send("owner", "GET", f"{path}?" + "&".join(f"k{i}=v" for i in range(2000)))
    world.check()


# --- Ids in the path -----------------------------------------------------------------------------------
PATHS = [
    ("GET", "/portalusers/{}"),
    ("GET", "/organizations/{}"),
    ("PUT", "/organizations/{}"),
    ("DELETE", "/organizations/{}"),
    ("POST", "/organizations/{}/transfer"),
    ("GET", "/organizations/{}/contributors"),
    ("GET", "/organizations/acme-sbx/contributors/{}"),
    ("GET", "/organizations/{}/access/users"),
    ("PUT", "/organizations/acme-sbx/access/users/{}"),
    ("DELETE", "/organizations/acme-sbx/access/users/{}"),
    ("GET", "/organizations/{}/activity"),
    ("POST", "/me/orginvites/{}/accept"),
    ("POST", "/me/orginvites/{}/decline"),
    ("GET", "/organizations/{}/apiclients"),
    ("GET", "/organizations/acme-sbx/apiclients/{}/users"),
    ("GET", "/organizations/{}/token"),
    ("GET", "/organizations/{}/stagingrestorewebhook"),
    ("PUT", "/organizations/{}/stagingrestorewebhook"),
    ("DELETE", "/organizations/{}/stagingrestorewebhook"),
    ("POST", "/organizations/{}/stagingrestorewebhook/test"),
    ("POST", "/organizations/{}/stagingrestores"),
    ("GET", "/organizations/{}/stagingrestores"),
    ("GET", "/organizations/acme/stagingrestores/{}"),
]
BODY_FOR = {
    "/organizations/{}": b'{"Name": "N"}',
    "/organizations/{}/transfer": b'{"Username": "mia"}',
    "/organizations/acme-sbx/access/users/{}": b'{"Roles": []}',
    "/organizations/{}/stagingrestorewebhook": b'{"URL": "https://hooks.example.com/y"}',
}


@pytest.mark.parametrize(("method", "template"), PATHS, ids=[f"{m} {p}" for m, p in PATHS])
def test_odd_ids_in_the_path(world, method, template):
    body = BODY_FOR.get(template) if method in ("PUT", "POST") else None
    for name, odd in ODD_IDS.items():
        for who in ("owner", "outsider", "invited") if name in ("nul", "long", "superscript") else ("owner",):
            world.send(who, method, template.format(odd), body)
    # trailing slashes and doubled ones: the SDK never sends them, but they must still be the API's answers
    for who in ("owner", "anonymous"):
        world.send(who, method, template.format("acme-sbx") + "/", body)
        world.send(who, method, template.format("acme-sbx").replace("/", "//", 1), body)
    world.check()


def test_unknown_endpoints_and_methods_answer_in_the_api_shape(world):
    for method, path in [("GET", "/"), ("GET", ""), ("GET", "/nope"), ("GET", "/%00"), ("POST", "/me"),
                         ("PATCH", "/organizations/acme-sbx"), ("DELETE", "/organizations"),
                         ("GET", "/organizations/acme-sbx/nope/x")]:
        world.send("owner", method, path)
    world.check()


# --- Authorization headers and the OAuth endpoints -------------------------------------------------------
AUTHORIZATIONS = {
    "1MB": "Bearer " + "x" * MB,
    "three-dots": "Bearer a.b.c",
    "not-base64": "Bearer %%%.%%%.%%%",
    "unicode": "Bearer ünï.cö.dé",
    "alg-none": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwic2lkIjoiMSJ9.",
    "two-tokens": "Bearer a b",
    "basic": "Basic b2xpdmlhOng=",
    "lower-bearer": "bearer x",
    "empty": "",
    "spaces": "   ",
}


def test_odd_authorization_headers_are_unauthorized(world):
    for name, authorization in AUTHORIZATIONS.items():
        for method, path in [("GET", "/me"), ("GET", "/organizations?search=a"), ("PUT", "/organizations/acme-sbx")]:
            response = world.send("anonymous", method, path, b'{"Name": "x"}' if method == "PUT" else None,
                                  authorization=authorization)
            assert response is None or response.status_code == 401, (name, path, response.content[:300])
    world.check()


def _form(**fields) -> bytes:
    return "&".join(f"{k}={v}" for k, v in fields.items()).encode()


ODD_FORM_VALUES = {
    "nul": "a%00b", "nul-only": "%00", "1MB": "z" * MB, "not-utf8": "%FF%FE", "surrogate-utf8": "%ED%A0%80",
    "empty": "", "spaces": "%20%20", "unicode": quote("ölïvïä"), "plus": "olivia+x", "sql": quote("' OR 1=1 --"),
}


def test_the_token_endpoint_takes_odd_credentials(world):
    form = "application/x-www-form-urlencoded"
    for field in ("username", "password", "grant_type", "refresh_token", "recaptchaToken"):
        base = {"grant_type": "refresh_token" if field == "refresh_token" else "password", "username": "olivia",
                "password": "wrong"}
        for name, value in ODD_FORM_VALUES.items():
            cache.clear()  # failed sign-ins are counted: past the limits every answer would be the same 429
            response = world.send("anonymous", "POST", "/oauth/token", _form(**{**base, field: value}),
                                  content_type=form)
            assert response is None or response.status_code != 200, (field, name, response.content[:300])
        world.send("anonymous", "POST", "/oauth/token", _form(**base) + f"&{field}=a%00&{field}=b".encode(),
                   content_type=form)
        world.send("anonymous", "POST", "/oauth/token", json.dumps({**base, field: "x"}))  # JSON, not a form
    world.check()


def test_odd_token_bodies(world):
    form = "application/x-www-form-urlencoded"
    for body, content_type in [
        (b"", form), (b"\xff\xfe\x00", form), (b"grant_type=password&username=\xff&password=\xfe", form),
        (b"grant_type", form), (b"=&=&&", form), ("&".join(f"k{i}=v" for i in range(2000)).encode(), form),
        (b"grant_type=password&username=olivia&password=" + b"p" * (3 * MB), form),
        (b"--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\npassword\x00\r\n--x--\r\n",
         "multipart/form-data; boundary=x"),
        (b"garbage", "multipart/form-data; boundary=x"), (b"grant_type=password", "text/plain"),
        (b"grant_type=password", "multipart/form-data"),  # no boundary: a 500
    ]:
        world.send("anonymous", "POST", "/oauth/token", body, content_type=content_type)
        world.send("anonymous", "POST", "/oauth/revoke", body.replace(b"grant_type", b"token"),
                   content_type=content_type)
    for value in ODD_FORM_VALUES.values():
        world.send("anonymous", "POST", "/oauth/revoke", _form(token=value), content_type=form)
    for method in ("GET", "PUT", "DELETE"):
        world.send("anonymous", method, "/oauth/token")
    world.check()


def test_a_multipart_body_without_a_boundary_is_400_saying_so(world):
    # Django refuses it as the form fields are first read (every operation's NUL check): that was a 500
    for who, path in (("owner", "/me/orginvites/acme-sbx/accept"), ("owner", "/me/verifyemail"),
                      ("anonymous", "/oauth/token")):
        response = world.send(who, "POST", path, b"grant_type=password", content_type="multipart/form-data")
        assert response.status_code == 400, (path, response.content)
        body = response.json()
        message = body["error_description"] if "/oauth/" in path else body["Errors"][0]["Message"]
        assert message.startswith("The multipart/form-data body could not be read: "), message
    world.check()


def test_text_that_only_looks_like_a_nul_is_kept(world):
    """A backslash followed by "u0000" (JSON "\\\\u0000") is text, not a NUL: it is stored as sent."""
    name = "C:\\u0000\\dir"
    response = world.send("owner", "PUT", "/organizations/acme-sbx", json.dumps({"Name": name}))
    assert response.status_code == 200, response.content
    assert world.send("owner", "GET", "/organizations/acme-sbx").json()["Name"] == name
    world.check()


@pytest.mark.parametrize(("body", "message"), [
    (b"[" * 100_000 + b"]" * 100_000, "The body is nested too deeply."),
    (b'{"Name": "\xff\xfe"}', "The body is not UTF-8 text."),
])
def test_a_body_that_cannot_be_read_says_why(world, body, message):
    response = world.send("owner", "PUT", "/organizations/acme-sbx", body)
    assert response.status_code == 400
    assert response.json()["Errors"][0]["Message"] == message
    world.check()
