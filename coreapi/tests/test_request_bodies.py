"""JSON bodies the core API refuses, with a reason in OrderCloud's error shape, storing nothing."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def post_raw(world, admin_token, raw: str):
    return world.call("post", "/v1/products", admin_token, data=raw, content_type="application/json")


def only_error(response) -> dict:
    assert response.status_code == 400, response.content
    [error] = response.json()["Errors"]
    assert error["ErrorCode"] == "InvalidRequest"
    return error


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("NaN", "NaN is not a JSON number; send a finite number or null."),
        ("Infinity", "Infinity is not a JSON number; send a finite number or null."),
        ("-Infinity", "-Infinity is not a JSON number; send a finite number or null."),
        ("1e999", "1e999 is too large for a number."),
    ],
)
def test_non_finite_numbers_are_refused_not_stored(world, admin_token, call, number, message):
    response = post_raw(world, admin_token, f'{{"ID": "heavy", "Name": "Heavy", "ShipWeight": {number}}}')
    assert only_error(response)["Message"] == message
    call("get", "/v1/products/heavy", status=404)
    # every list stays readable JSON
    assert call("get", "/v1/products", status=200).json()["Meta"]["TotalCount"] == 0


def test_a_body_that_is_not_utf8_says_so(world, admin_token, call):
    response = world.call("post", "/v1/products", admin_token, data=b'{"ID": "p", "Name": "\xff"}',
                          content_type="application/json")
    assert only_error(response)["Message"] == "The body is not UTF-8 text."
    call("get", "/v1/products/p", status=404)


def test_broken_json_says_where(world, admin_token):
    response = post_raw(world, admin_token, '{"ID": "p",\n "Name": }')
    assert only_error(response)["Message"] == "The body is not valid JSON: Expecting value (line 2, column 10)."


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_over_the_size_limit_is_a_400_with_the_limit(world, admin_token):
    response = post_raw(world, admin_token, '{"ID": "p", "Name": "' + "x" * 2000 + '"}')
    assert only_error(response)["Message"] == "The body is larger than 1,000 bytes."


def test_finite_numbers_still_work(call):
    body = {"ID": "light", "Name": "Light", "ShipWeight": 0.5, "ShipHeight": -0.0, "ShipWidth": 1e300}
    created = call("post", "/v1/products", body, status=201).json()
    assert (created["ShipWeight"], created["ShipWidth"]) == (0.5, 1e300)


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "javascript:alert(1)", "file:///etc/passwd", "https://",
                                 "example.com/hook"])
def test_webhook_and_integration_event_urls_must_be_http(call, url):
    webhook = call("post", "/v1/webhooks", {"ID": "w", "Name": "W", "Url": url}, status=400).json()["Errors"][0]
    assert webhook["Message"] == "Url must be an http:// or https:// URL." and webhook["Data"]["Value"] == url
    event = {"ID": "e", "Name": "E", "EventType": "OrderCheckout", "CustomImplementationUrl": url, "HashKey": "k"}
    call("post", "/v1/integrationEvents", event, status=400)
    call("post", "/v1/webhooks", {"ID": "w", "Name": "W", "Url": "https://hooks.example.com/w"}, status=201)
    call("patch", "/v1/webhooks/w", {"Url": url}, status=400)
    call("post", "/v1/integrationEvents", {**event, "CustomImplementationUrl": "http://127.0.0.1:9000/e"}, status=201)


@pytest.mark.parametrize("sent", ["2030-01-01", "2030-01-01T00:00:00", "2030-01-01T00:00:00Z", "2030-01-01T01:00:00+01:00"])
def test_dates_without_an_offset_are_utc(call, sent):
    created = call("post", "/v1/priceschedules", {"ID": "sale", "Name": "Sale", "SaleStart": sent, "SaleEnd": sent}, status=201)
    assert created.json()["SaleStart"].startswith("2030-01-01T00:00:00")
    assert created.json()["IsOnSale"] is False
    call("put", "/v1/priceschedules/sale", {"Name": "Sale", "SaleStart": sent}, status=200)


def test_a_date_that_is_not_one_is_a_400_and_nothing_is_saved(call):
    call("post", "/v1/priceschedules", {"ID": "bad", "Name": "Bad", "SaleStart": "next tuesday"}, status=400)
    call("get", "/v1/priceschedules/bad", status=404)


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
def test_too_many_parameters_is_a_400_in_the_api_shape(world, admin_token):
    query = "&".join(f"xp.k{i}=v" for i in range(20))
    response = world.call("get", f"/v1/products?{query}", admin_token)
    assert only_error(response)["Message"] == "The request has more than 10 parameters."
    assert response["X-oc-logid"]
    form = {f"f{i}": "v" for i in range(20)}
    token = world.http.post(world.url("/oauth/token"), {"grant_type": "password", **form})
    assert token.status_code == 400 and token.json()["error"] == "InvalidRequest"


def test_xp_over_8000_bytes_is_refused_and_a_patch_counts_the_merged_xp(call):
    error = call("post", "/v1/products", {"ID": "big", "Name": "Big", "xp": {"blob": "x" * 8000}}, status=400).json()
    assert error["Errors"][0]["Message"] == "xp must be at most 8000 bytes of JSON; this one has 8011."
    call("get", "/v1/products/big", status=404)
    call("post", "/v1/products", {"ID": "ok", "Name": "Ok", "xp": {"a": "x" * 5000}}, status=201)
    call("patch", "/v1/products/ok", {"xp": {"b": "y" * 5000}}, status=400)  # together over the limit
    assert call("get", "/v1/products/ok", status=200).json()["xp"] == {"a": "x" * 5000}
    call("patch", "/v1/products/ok", {"xp": {"b": "y" * 2000}}, status=200)
    call("put", "/v1/products/ok", {"Name": "Ok", "xp": {"é": "é" * 3999}}, status=400)  # bytes, not characters


def test_model_checks_name_the_field_as_the_api_does(call):
    error = call("post", "/v1/products", {"ID": "p", "Name": "P", "QuantityMultiplier": 10**20}, status=400).json()
    [item] = error["Errors"]
    assert item["Message"].startswith("QuantityMultiplier: ") and "quantity_multiplier" not in str(item)
    assert list(item["Data"]) == ["QuantityMultiplier"]


@pytest.mark.parametrize("path", ["/v1/products", "/v1/buyers", "/v1/catalogs", "/v1/suppliers", "/v1/priceschedules"])
def test_names_and_descriptions_have_ordercloud_lengths(call, path):
    """OrderCloud's models: names at most 100 characters, descriptions at most 2000; what the
    built-in API accepts must work on the real one too."""
    call("post", path, {"ID": "long", "Name": "n" * 101}, status=400)
    call("post", path, {"ID": "ok", "Name": "n" * 100}, status=201)
    if path in ("/v1/products", "/v1/catalogs"):
        call("patch", f"{path}/ok", {"Description": "d" * 2001}, status=400)
        call("patch", f"{path}/ok", {"Description": "d" * 2000}, status=200)


def test_a_product_needs_a_name_to_be_created_or_replaced_not_to_be_patched(call):
    error = call("post", "/v1/products", {}, status=400).json()["Errors"][0]
    assert error["Message"] == "Name is required." and error["Data"] == {"Field": "Name"}
    call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201)
    call("put", "/v1/products/p", {"Description": "no name"}, status=400)
    call("patch", "/v1/products/p", {"Description": "no name needed"}, status=200)


BODY_WRITES = [
    ("post", "/v1/products"),
    ("put", "/v1/products/p"),
    ("patch", "/v1/products/p"),
    ("post", "/v1/products/assignments"),
    ("post", "/v1/products/p/variants/generate"),
    ("post", "/v1/buyers/b/users/u/accesstoken"),
    ("patch", "/v1/me"),
]


@pytest.mark.parametrize(("method", "path"), BODY_WRITES)
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "The request has no body; send a JSON object."),
        ("[]", "The body must be a JSON object."),
        ('[{"ID": "p", "Name": "P"}]', "The body must be a JSON object."),
        ('"P"', "The body must be a JSON object."),
        ("5", "The body must be a JSON object."),
        ("null", "The body must be a JSON object."),
    ],
)
def test_a_body_that_is_missing_or_not_an_object_says_so(world, admin_token, call, method, path, raw, message):
    """No body was a 400 "Field required" naming no field, and a JSON array, string, number or
    null "Input should be a valid dictionary or instance of Product"; the body as a whole was the
    field pydantic could not name."""
    call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201)
    response = world.call(method, path, admin_token, data=raw, content_type="application/json")
    error = only_error(response)
    assert (error["Message"], error["Data"]) == (message, None)
    assert call("get", "/v1/products", status=200).json()["Meta"]["TotalCount"] == 1
    assert call("get", "/v1/products/p", status=200).json()["Name"] == "P"


def test_a_field_of_the_wrong_type_is_still_named(world, admin_token):
    response = post_raw(world, admin_token, '{"ID": "p", "Name": "P", "Active": "maybe"}')
    error = only_error(response)
    assert error["Message"].startswith("Active: ") and error["Data"]["Field"] == "Active"


def test_each_invalid_field_is_its_own_error_with_data_field(world, admin_token):
    response = post_raw(world, admin_token, '{"ID": "p", "Name": "P", "Active": "maybe", "QuantityMultiplier": "x"}')
    assert response.status_code == 400
    errors = response.json()["Errors"]
    assert {e["ErrorCode"] for e in errors} == {"InvalidRequest"}
    assert sorted(e["Data"]["Field"] for e in errors) == ["Active", "QuantityMultiplier"]
    assert all(e["Message"].startswith(e["Data"]["Field"] + ": ") for e in errors)
