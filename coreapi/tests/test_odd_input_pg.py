"""Odd input the schemathesis run does not reach, sent to the core API as raw bodies and query
strings: lone UTF-16 surrogates, deeply nested JSON, deep xp paths. Each is a 400 InvalidRequest in
OrderCloud's error shape with a readable Message, never a 500, and nothing is stored. Written for
PostgreSQL (which cannot store a lone surrogate in text or jsonb); they hold on SQLite too."""

import json

import pytest

from coreapi import models as m

pytestmark = pytest.mark.django_db


def send(world, token, method: str, path: str, raw: str):
    return world.call(method, path, token, data=raw, content_type="application/json")


def refused(response) -> str:
    """The Message of a 400 InvalidRequest (and the only error)."""
    assert response.status_code == 400, response.content
    [error] = response.json()["Errors"]
    assert error["ErrorCode"] == "InvalidRequest", error
    return error["Message"]


@pytest.fixture
def parties(call):
    call("post", "/v1/buyers", {"ID": "b", "Name": "B"}, status=201)
    call("post", "/v1/securityprofiles", {"ID": "sp", "Name": "SP"}, status=201)
    call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201)


# A lone surrogate is a \ud800-\udfff escape without its pair: valid JSON, but not a character.
# pydantic refuses it in the plain text fields with a length limit; everywhere else it reached the
# database, which cannot encode it (UnicodeEncodeError or DataError: a 500).
SURROGATES = [
    ("post", "/v1/products", r'{"ID": "s1", "Name": "S", "xp": {"note": "a\ud800b"}}', "xp.note"),
    ("post", "/v1/products", r'{"ID": "s2", "Name": "S", "xp": {"\udc00": 1}}', "xp"),
    ("post", "/v1/products", r'{"ID": "s3", "Name": "S", "xp": {"list": [1, {"x": "\udbff"}]}}', "xp.list.1.x"),
    ("post", "/v1/securityprofiles/assignments", r'{"SecurityProfileID": "sp", "BuyerID": "\ud800"}', "BuyerID"),
    ("post", "/v1/webhooks", r'{"ID": "w", "Name": "\ud800", "Url": "https://hooks.example.com/w"}', "Name"),
    ("patch", "/v1/securityprofiles/sp", r'{"CustomRoles": ["\udfff"]}', "CustomRoles.0"),
    ("put", "/v1/products/p", r'{"Name": "P", "xp": {"k": "\ud83d"}}', "xp.k"),
]


@pytest.mark.parametrize(("method", "path", "raw", "field"), SURROGATES, ids=[f"{c[1]} {c[3]}" for c in SURROGATES])
def test_a_lone_surrogate_anywhere_in_a_body_is_a_400_naming_the_field(world, admin_token, call, parties,
                                                                       method, path, raw, field):  # fmt: skip
    message = refused(send(world, admin_token, method, path, raw))
    assert message.startswith(f"{field}: ") and "surrogate" in message, message
    assert not m.Product.objects.filter(oc_id__in=["s1", "s2", "s3"]).exists()
    assert not m.Webhook.objects.exists()
    assert m.SecurityProfileAssignment.objects.filter(security_profile_id="sp").count() == 0
    assert call("get", "/v1/securityprofiles/sp", status=200).json()["CustomRoles"] == []
    assert call("get", "/v1/products/p", status=200).json()["xp"] == {}


def test_a_surrogate_pair_is_a_character_and_is_kept(world, admin_token, call):
    created = send(world, admin_token, "post", "/v1/products", r'{"ID": "e", "Name": "\ud83d\ude00", "xp": {"\ud83d\ude00": "\ud83d\ude00"}}')
    assert created.status_code == 201, created.content
    product = call("get", "/v1/products/e", status=200).json()
    assert product["Name"] == "😀" and product["xp"] == {"😀": "😀"}


def nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize("depth", [300, 1_000, 100_000])
def test_a_body_nested_too_deeply_is_a_400_with_the_limit(world, admin_token, call, depth):
    """xp 300 levels deep was a 500 (pydantic: "Maximum serialization depth exceeded"); 1,000 or
    more a 400 "Cannot parse request body" (Python's recursion limit), which says nothing."""
    raw = '{"ID": "deep", "Name": "D", "xp": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    assert refused(send(world, admin_token, "post", "/v1/products", raw)) == "The body is nested more than 100 levels deep."
    call("get", "/v1/products/deep", status=404)


def test_xp_nested_within_the_limit_is_stored_patched_and_filtered(call):
    xp = nested(90)
    call("post", "/v1/products", {"ID": "deep", "Name": "D", "xp": xp}, status=201)
    call("patch", "/v1/products/deep", {"xp": nested(90)}, status=200)
    path = "xp." + ".".join(["a"] * 89) + ".leaf"
    listed = call("get", f"/v1/products?{path}=1&sortBy={path}&searchOn={path}&search=1", status=200).json()
    assert [p["ID"] for p in listed["Items"]] == ["deep"]


@pytest.mark.parametrize("parameter", ["filter", "sortBy", "searchOn"])
@pytest.mark.parametrize("depth", [250, 2_000])
def test_an_xp_path_too_deep_for_a_query_is_a_400_not_a_500(call, parameter, depth):
    """`?xp.a.a.....=1` 250 levels deep was a 500 (RecursionError in the ORM)."""
    path = "xp." + ".".join(["a"] * depth)
    query = {"filter": f"{path}=1", "sortBy": f"sortBy={path}", "searchOn": f"searchOn={path}&search=1"}[parameter]
    message = refused(call("get", f"/v1/products?{query}"))
    assert "at most 100 levels" in message, message


# Integers inside objects stored as JSON: the API's other integer fields (MinQuantity,
# QuantityMultiplier...) are 32-bit as on OrderCloud and refuse 10**30, these stored it (and a
# JavaScript client reads it back as 1e+30).
NESTED_INTEGERS = [
    ("/v1/priceschedules", {"ID": "x", "Name": "X", "PriceBreaks": [{"Quantity": "{n}", "Price": 1}]}, "PriceBreaks.0.Quantity"),
    ("/v1/products", {"ID": "x", "Name": "X", "Inventory": {"QuantityAvailable": "{n}"}}, "Inventory.QuantityAvailable"),
    ("/v1/products", {"ID": "x", "Name": "X", "Inventory": {"NotificationPoint": "{n}"}}, "Inventory.NotificationPoint"),
    # within its documented range too (coreapi.schemas.PasswordConfig); test_password_config.py has the others
    ("/v1/securityprofiles", {"ID": "x", "Name": "X", "PasswordConfig": {"LockoutDuration": "{n}"}}, "PasswordConfig.LockoutDuration", 1440),
]


@pytest.mark.parametrize(("path", "body", "field", "largest"), [(*c, 2**31 - 1)[:4] for c in NESTED_INTEGERS],
                         ids=[c[2] for c in NESTED_INTEGERS])  # fmt: skip
def test_integers_inside_objects_are_32_bit_like_the_other_integer_fields(world, admin_token, call, path, body, field,
                                                                          largest):  # fmt: skip
    def raw(n: int) -> str:
        return json.dumps(body).replace('"{n}"', str(n))

    for too_big in (10**30, 2**31, -(2**31) - 1):
        message = refused(send(world, admin_token, "post", path, raw(too_big)))
        assert message.startswith(f"{field}: "), message
        call("get", f"{path}/x", status=404)
    assert send(world, admin_token, "post", path, raw(largest)).status_code == 201


def test_the_text_backslash_u0000_is_not_a_nul_character(world, admin_token, call):
    r"""`"C:\\u0000"` in JSON is the text C:\u0000 (a backslash, then "u0000"), which PostgreSQL
    stores fine; the NUL check took it for the escape \u0000 and refused it. A real NUL escape after
    an escaped backslash (`"\\\u0000"`) is still refused."""
    created = send(world, admin_token, "post", "/v1/products", r'{"ID": "t", "Name": "T", "Description": "C:\\u0000", "xp": {"k\\u0000": 1}}')
    assert created.status_code == 201, created.content
    assert call("get", "/v1/products/t", status=200).json()["Description"] == "C:\\u0000"
    message = refused(send(world, admin_token, "post", "/v1/products", r'{"ID": "n", "Name": "\\\u0000"}'))
    assert message == "Input may not contain NUL characters."
    call("get", "/v1/products/n", status=404)
