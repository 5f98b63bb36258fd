"""Products' Inventory: shown in full (OrderCloud's Inventory model, defaults where unset), its
LastUpdated read-only and set by the API when the Inventory changes; dates in milliseconds (variants' too)."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from coreapi import models as m

pytestmark = pytest.mark.django_db

MILLISECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DEFAULTS = {"Enabled": False, "NotificationPoint": None, "VariantLevelTracking": False, "OrderCanExceed": False,
            "QuantityAvailable": None, "LastUpdated": None}


def recent(value: str) -> bool:
    assert MILLISECONDS.match(value), value
    return abs(datetime.fromisoformat(value) - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_product_shows_the_full_inventory_with_defaults(world, call):
    created = call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201).json()
    assert created["Inventory"] == DEFAULTS
    m.Product.objects.create(marketplace=world.marketplace, oc_id="old", name="Old", inventory={"Enabled": True})
    got = call("get", "/v1/products/old").json()["Inventory"]
    assert got == {**DEFAULTS, "Enabled": True}
    listed = {p["ID"]: p["Inventory"] for p in call("get", "/v1/products").json()["Items"]}
    assert listed == {"p": DEFAULTS, "old": {**DEFAULTS, "Enabled": True}}


def test_put_with_part_of_the_inventory_returns_all_of_it_and_stamps_last_updated(call):
    call("post", "/v1/products", {"ID": "p", "Name": "P"}, status=201)
    saved = call("put", "/v1/products/p", {"Name": "P", "Inventory": {"Enabled": True, "QuantityAvailable": 5}},
                 status=200).json()["Inventory"]  # fmt: skip
    assert {**saved, "LastUpdated": None} == {**DEFAULTS, "Enabled": True, "QuantityAvailable": 5}
    assert list(saved) == list(DEFAULTS) and recent(saved["LastUpdated"])
    assert call("get", "/v1/products/p").json()["Inventory"] == saved


def test_last_updated_is_read_only_and_follows_changes_only(call):
    created = call("post", "/v1/products", {"ID": "p", "Name": "P", "Inventory": {
        "Enabled": True, "LastUpdated": "2000-01-01T00:00:00Z"}}, status=201).json()["Inventory"]  # fmt: skip
    assert recent(created["LastUpdated"])
    m.Product.objects.filter(oc_id="p").update(inventory={**created, "LastUpdated": "2020-05-01T10:00:00.123456Z"})
    # a write that leaves the Inventory as it is keeps its LastUpdated (in milliseconds)
    renamed = call("patch", "/v1/products/p", {"Name": "Q"}, status=200).json()["Inventory"]
    assert renamed["LastUpdated"] == "2020-05-01T10:00:00.123Z"
    same = call("patch", "/v1/products/p", {"Inventory": {"Enabled": True, "LastUpdated": "2000-01-01T00:00:00Z"}},
                status=200).json()["Inventory"]  # fmt: skip
    assert same["LastUpdated"] == "2020-05-01T10:00:00.123Z"  # what the client sends is ignored
    changed = call("patch", "/v1/products/p", {"Inventory": {"QuantityAvailable": 3, "LastUpdated": "2000-01-01T00:00:00Z"}},
                   status=200).json()["Inventory"]  # fmt: skip
    assert changed["QuantityAvailable"] == 3 and changed["Enabled"] is True and recent(changed["LastUpdated"])
    assert not m.Product.objects.filter(inventory__LastUpdated__startswith="2000").exists()


def test_a_variants_last_updated_has_milliseconds(world, call):
    call("post", "/v1/products", {"ID": "shirt", "Name": "Shirt"}, status=201)
    call("post", "/v1/specs", {"ID": "size", "Name": "Size", "DefinesVariant": True}, status=201)
    call("post", "/v1/specs/size/options", {"ID": "S", "Value": "Small"}, status=201)
    call("post", "/v1/specs/productassignments", {"SpecID": "size", "ProductID": "shirt"}, status=204)
    call("post", "/v1/products/shirt/variants/generate", {}, status=201)
    saved = call("patch", "/v1/products/shirt/variants/shirt-S", {"Inventory": {"QuantityAvailable": 2}},
                 status=200).json()["Inventory"]  # fmt: skip
    assert saved["QuantityAvailable"] == 2 and recent(saved["LastUpdated"])
    variant = m.Variant.objects.get(oc_id="shirt-S")
    variant.inventory = {**variant.inventory, "LastUpdated": "2021-01-02T03:04:05.678901+00:00"}
    variant.save()
    assert call("get", "/v1/products/shirt/variants/shirt-S").json()["Inventory"]["LastUpdated"] == "2021-01-02T03:04:05.678Z"


def test_the_openapi_document_says_last_updated_is_read_only(client):
    components = client.get("/core/sandbox/v1/openapi.json").json()["components"]["schemas"]
    assert components["Inventory"]["properties"]["LastUpdated"]["readOnly"] is True
    assert components["VariantInventory"]["properties"]["LastUpdated"]["readOnly"] is True
