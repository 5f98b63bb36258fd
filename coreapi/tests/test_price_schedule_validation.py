"""What a price schedule's and a product's fields must hold: each refusal a 400 InvalidRequest
naming the field; only what the request sets is checked, so stored data stays editable."""

import pytest

from coreapi import models as m
from coreapi.testing import api_error

pytestmark = pytest.mark.django_db

SCHEDULE = {"ID": "ps", "Name": "Std"}


def refused(response, field: str) -> dict:
    item = api_error(response, 400, "InvalidRequest")
    assert item["Data"]["Field"] == field, item
    return item


@pytest.mark.parametrize(("body", "field"), [
    ({"PriceBreaks": [{"Quantity": 1, "Price": 5}, {"Quantity": 1, "Price": 4}]}, "PriceBreaks.1.Quantity"),
    ({"PriceBreaks": [{"Quantity": 0, "Price": 5}]}, "PriceBreaks.0.Quantity"),
    ({"PriceBreaks": [{"Quantity": -3, "Price": 5}]}, "PriceBreaks.0.Quantity"),
    ({"PriceBreaks": [{"Price": 5}]}, "PriceBreaks.0.Quantity"),
    ({"PriceBreaks": [{"Quantity": 1}]}, "PriceBreaks.0.Price"),
    ({"PriceBreaks": [{"Quantity": 1, "Price": -0.01}]}, "PriceBreaks.0.Price"),
    ({"PriceBreaks": [{"Quantity": 1, "Price": 5}, {"Quantity": 5, "Price": 4, "SalePrice": -1}]}, "PriceBreaks.1.SalePrice"),
    ({"MinQuantity": 10, "MaxQuantity": 5}, "MaxQuantity"),
    ({"SaleStart": "2030-02-01T00:00:00Z", "SaleEnd": "2030-01-01T00:00:00Z"}, "SaleEnd"),
    ({"Currency": "Dollars"}, "Currency"),
    ({"Currency": "US"}, "Currency"),
    ({"Currency": "U$D"}, "Currency"),
])  # fmt: skip
@pytest.mark.parametrize("method", ["post", "put"])
def test_a_schedule_with_an_impossible_value_is_refused(call, method, body, field):
    path = "/v1/priceschedules" if method == "post" else "/v1/priceschedules/ps"
    refused(call(method, path, {**SCHEDULE, **body}), field)
    call("get", "/v1/priceschedules/ps", status=404)


def test_the_messages_say_what_is_wrong(call):
    duplicate = {**SCHEDULE, "PriceBreaks": [{"Quantity": 2, "Price": 5}, {"Quantity": 2, "Price": 4}]}
    assert "Quantity 2" in refused(call("post", "/v1/priceschedules", duplicate), "PriceBreaks.1.Quantity")["Message"]
    item = refused(call("post", "/v1/priceschedules", {**SCHEDULE, "MinQuantity": 10, "MaxQuantity": 5}), "MaxQuantity")
    assert item["Message"] == "MinQuantity (10) must not be greater than MaxQuantity (5)."
    assert "ISO 4217" in refused(call("post", "/v1/priceschedules", {**SCHEDULE, "Currency": "usdollar"}), "Currency")["Message"]


def test_patch_checks_the_values_it_sets_against_the_stored_ones(call):
    call("post", "/v1/priceschedules", {**SCHEDULE, "MinQuantity": 5, "SaleStart": "2030-01-01T00:00:00Z"}, status=201)
    refused(call("patch", "/v1/priceschedules/ps", {"MaxQuantity": 4}), "MaxQuantity")
    refused(call("patch", "/v1/priceschedules/ps", {"SaleEnd": "2029-12-31T00:00:00Z"}), "SaleEnd")
    refused(call("patch", "/v1/priceschedules/ps", {"PriceBreaks": [{"Quantity": 1, "Price": -5}]}), "PriceBreaks.0.Price")
    patched = call("patch", "/v1/priceschedules/ps", {"MaxQuantity": 5, "SaleEnd": "2030-01-01T00:00:00Z"}, status=200)
    assert (patched.json()["MinQuantity"], patched.json()["MaxQuantity"]) == (5, 5)  # equal is fine


def test_valid_values_are_saved_and_price_breaks_come_sorted_by_quantity(call):
    body = {**SCHEDULE, "Currency": "EUR", "MinQuantity": 1, "MaxQuantity": 100,
            "SaleStart": "2030-01-01T00:00:00Z", "SaleEnd": "2030-02-01T00:00:00Z",
            "PriceBreaks": [{"Quantity": 10, "Price": 8, "SalePrice": 0}, {"Quantity": 1, "Price": 10},
                            {"Quantity": 5, "Price": 9}]}  # fmt: skip
    created = call("post", "/v1/priceschedules", body, status=201).json()
    assert [b["Quantity"] for b in created["PriceBreaks"]] == [1, 5, 10]
    assert created["Currency"] == "EUR"
    assert [b["Quantity"] for b in m.PriceSchedule.objects.get(oc_id="ps").price_breaks] == [1, 5, 10]
    assert call("post", "/v1/priceschedules", {"ID": "low", "Name": "L", "Currency": "usd"}, status=201).json()[
        "Currency"] == "USD"


def test_a_schedule_stored_before_the_checks_stays_editable_and_shows_its_breaks_sorted(world, call):
    m.PriceSchedule.objects.create(
        marketplace=world.marketplace, oc_id="old", name="Old", min_quantity=10, max_quantity=2, currency="Dollars",
        price_breaks=[{"Quantity": 5, "Price": 1}, {"Quantity": 1, "Price": -2}, {"Quantity": 5, "Price": 3}],
    )
    renamed = call("patch", "/v1/priceschedules/old", {"Name": "Renamed"}, status=200).json()
    assert renamed["Name"] == "Renamed" and [b["Quantity"] for b in renamed["PriceBreaks"]] == [1, 5, 5]
    listed = call("get", "/v1/priceschedules?ID=old").json()["Items"][0]
    assert [b["Quantity"] for b in listed["PriceBreaks"]] == [1, 5, 5]


@pytest.mark.parametrize(("body", "field"), [
    ({"QuantityMultiplier": 0}, "QuantityMultiplier"),
    ({"QuantityMultiplier": -2}, "QuantityMultiplier"),
    ({"ShipWeight": -1}, "ShipWeight"),
    ({"ShipHeight": -0.5}, "ShipHeight"),
    ({"ShipWidth": -1}, "ShipWidth"),
    ({"ShipLength": -1}, "ShipLength"),
])  # fmt: skip
def test_a_product_with_an_impossible_value_is_refused(call, body, field):
    refused(call("post", "/v1/products", {"ID": "p", "Name": "P", **body}), field)
    refused(call("put", "/v1/products/p", {"Name": "P", **body}), field)
    call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201)
    refused(call("patch", "/v1/products/p", body), field)


def test_product_values_at_the_limits_are_fine_and_stored_ones_stay_editable(world, call):
    body = {"ID": "p", "Name": "P", "QuantityMultiplier": 1, "ShipWeight": 0, "ShipHeight": 0, "ShipWidth": 0,
            "ShipLength": 0}
    call("post", "/v1/products", body, status=201)
    m.Product.objects.create(marketplace=world.marketplace, oc_id="old", name="Old", quantity_multiplier=0, ship_weight=-1)
    assert call("patch", "/v1/products/old", {"Name": "Renamed"}, status=200).json()["ShipWeight"] == -1
