"""Values the database cannot hold, or URLs Python cannot parse, are a 400 InvalidRequest naming
the field, never a 500: assignments (saved without the resources' model validation) with a text
longer than its column or an integer beyond PostgreSQL's 32-bit integer, and webhook /
integration event URLs with a broken IPv6 host or a port out of range."""

import json

import pytest

from coreapi import models as m

pytestmark = pytest.mark.django_db

BIG = 2**40


@pytest.fixture
def parties(call):
    call("post", "/v1/catalogs", {"ID": "cat", "Name": "c"}, status=201)
    call("post", "/v1/catalogs/cat/categories", {"ID": "k", "Name": "k"}, status=201)
    call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201)
    call("post", "/v1/buyers", {"ID": "b", "Name": "B"}, status=201)
    call("post", "/v1/bundles", {"ID": "bu", "Name": "B"}, status=201)
    call("post", "/v1/specs", {"ID": "sp", "Name": "S"}, status=201)


@pytest.mark.parametrize(
    ("path", "body", "field", "model"),
    [
        ("/v1/catalogs/cat/categories/productassignments", {"CategoryID": "k", "ProductID": "p", "ListOrder": BIG},
         "ListOrder", m.CategoryProductAssignment),
        ("/v1/catalogs/cat/categories/productassignments", {"CategoryID": "k", "ProductID": "p", "ListOrder": -BIG},
         "ListOrder", m.CategoryProductAssignment),
        ("/v1/bundles/productassignments", {"BundleID": "bu", "ProductID": "p", "Required": True, "DefaultQuantity": BIG},
         "DefaultQuantity", m.BundleProductAssignment),
        ("/v1/specs/productassignments", {"SpecID": "sp", "ProductID": "p", "DefaultValue": "v" * 2001},
         "DefaultValue", m.SpecProductAssignment),
        ("/v1/specs/productassignments", {"SpecID": "sp", "ProductID": "p", "DefaultOptionID": "o" * 101},
         "DefaultOptionID", m.SpecProductAssignment),
    ],
)  # fmt: skip
def test_an_assignment_value_the_column_cannot_hold_is_invalid_request(call, parties, path, body, field, model):
    error = call("post", path, body, status=400).json()["Errors"][0]
    assert error["ErrorCode"] == "InvalidRequest" and error["Data"] == {"Field": field}
    assert error["Message"].startswith(f"{field}: ")
    assert not model.objects.exists()


def test_the_largest_values_that_fit_are_saved(call, parties):
    call("post", "/v1/catalogs/cat/categories/productassignments",
         {"CategoryID": "k", "ProductID": "p", "ListOrder": 2**31 - 1}, status=204)  # fmt: skip
    call("post", "/v1/suppliers", {"ID": "s" * 100, "Name": "S"}, status=201)  # a SellerID names a supplier
    call("post", "/v1/products/assignments", {"ProductID": "p", "BuyerID": "b", "SellerID": "s" * 100}, status=204)
    assert m.CategoryProductAssignment.objects.get().list_order == 2**31 - 1


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1/hook", "https://example.com:99999/", "http://example.com:-1/"])
def test_a_url_python_cannot_parse_is_invalid_request(call, url):
    error = call("post", "/v1/webhooks", {"Name": "w", "Url": url, "HashKey": "k"}, status=400).json()["Errors"][0]
    assert error["Data"] == {"Field": "Url", "Value": url}
    body = {"Name": "e", "EventType": "OrderCheckout", "CustomImplementationUrl": url, "HashKey": "k"}
    error = call("post", "/v1/integrationEvents", body, status=400).json()["Errors"][0]
    assert error["Data"] == {"Field": "CustomImplementationUrl", "Value": url}
    assert not m.Webhook.objects.exists() and not m.IntegrationEvent.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/products", {"ID": "x", "Name": "X", "QuantityMultiplier": "{n}"}, "QuantityMultiplier"),
        ("/v1/priceschedules", {"ID": "x", "Name": "X", "MinQuantity": "{n}"}, "MinQuantity"),
        ("/v1/catalogs/cat/categories", {"ID": "x", "Name": "X", "ListOrder": "{n}"}, "ListOrder"),
        ("/v1/specs/sp/options", {"ID": "x", "Value": "X", "ListOrder": "{n}"}, "ListOrder"),
    ],
)
def test_a_resources_integers_are_32_bit_on_every_database(world, admin_token, call, parties, path, body, field):
    """On SQLite (64-bit integers) QuantityMultiplier 2**31 was saved, where PostgreSQL refused it
    with a 400 (as OrderCloud does: its integers are Int32); now both answer the same."""

    def send(n: int):
        return world.call("post", path, admin_token, json.loads(json.dumps(body).replace('"{n}"', str(n))))

    for too_big, words in ((2**31, "less than or equal to 2147483647"), (-(2**31) - 1, "greater than or equal to -2147483648")):
        response = send(too_big)
        assert response.status_code == 400, response.content
        error = response.json()["Errors"][0]
        assert error["ErrorCode"] == "InvalidRequest" and error["Message"] == f"{field}: Ensure this value is {words}."
        call("get", f"{path}/x", status=404)
    assert send(2**31 - 1).status_code == 201
    assert call("get", f"{path}/x", status=200).json()[field] == 2**31 - 1
