"""Deleting a spec option deletes the variants built on it (and deleting a spec, those built on any
of its options): no variant names an option that no longer exists, and VariantCount follows.
GenerateVariants makes the combinations of the options that remain."""

import pytest

from coreapi import models as m
from coreapi.testing import core_world
from coreapi.tests.test_variants import GENERATE, shirt, variant_ids  # noqa: F401 - shirt is a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def pants(call):
    """Product pants with its own variant spec fit, whose options have the IDs S and L too."""
    call("post", "/v1/products", {"ID": "pants", "Name": "Pants"}, status=201)
    call("post", "/v1/specs", {"ID": "fit", "Name": "Fit", "DefinesVariant": True}, status=201)
    for option in ("S", "L"):
        call("post", "/v1/specs/fit/options", {"ID": option, "Value": option}, status=201)
    call("post", "/v1/specs/productassignments", {"SpecID": "fit", "ProductID": "pants"}, status=204)
    call("post", "/v1/products/pants/variants/generate", {}, status=201)


def option_ids(call, product: str) -> set[tuple[str, str]]:
    items = call("get", f"/v1/products/{product}/variants?pageSize=100").json()["Items"]
    return {(sp["SpecID"], sp["OptionID"]) for v in items for sp in v["Specs"]}


def test_deleting_an_option_deletes_the_variants_built_on_it(call, shirt, pants):  # noqa: F811
    call("post", GENERATE, {}, status=201)
    assert variant_ids(call) == ["shirt-L-black", "shirt-L-red", "shirt-S-black", "shirt-S-red"]
    call("delete", "/v1/specs/size/options/S", status=204)
    assert variant_ids(call) == ["shirt-L-black", "shirt-L-red"]
    assert ("size", "S") not in option_ids(call, "shirt")
    assert call("get", "/v1/products/shirt").json()["VariantCount"] == 2
    # another spec's option with the same ID, and its product's variants, are not touched
    assert variant_ids(call, "pants") == ["pants-L", "pants-S"]
    assert call("get", "/v1/products/pants").json()["VariantCount"] == 2
    # generating again makes the combinations of the options that remain: nothing new here
    call("post", GENERATE, {}, status=201)
    assert variant_ids(call) == ["shirt-L-black", "shirt-L-red"]


def test_deleting_a_spec_deletes_the_variants_built_on_its_options(call, shirt, pants):  # noqa: F811
    call("post", GENERATE, {}, status=201)
    call("delete", "/v1/specs/color", status=204)
    assert variant_ids(call) == []
    assert call("get", "/v1/products/shirt").json()["VariantCount"] == 0
    assert variant_ids(call, "pants") == ["pants-L", "pants-S"]
    call("post", GENERATE, {}, status=201)  # size alone now
    assert variant_ids(call) == ["shirt-L", "shirt-S"]


def test_another_marketplaces_variants_are_not_touched(world, call, shirt):  # noqa: F811
    call("post", GENERATE, {}, status=201)
    other = core_world(marketplace_id="mkt-two", client_id="c2")
    m.Variant.objects.create(marketplace=other.marketplace, oc_id="theirs", product_id="shirt",
                             specs=[{"SpecID": "size", "OptionID": "S"}])  # fmt: skip
    call("delete", "/v1/specs/size/options/S", status=204)
    assert m.Variant.objects.filter(marketplace=other.marketplace, oc_id="theirs").exists()


def test_deleting_the_default_option_clears_the_defaults_that_name_it(call, pants):
    call("patch", "/v1/specs/fit", {"DefaultOptionID": "S"}, status=200)
    call("post", "/v1/specs/productassignments", {"SpecID": "fit", "ProductID": "pants", "DefaultOptionID": "S"},
         status=204)  # fmt: skip
    call("post", "/v1/specs", {"ID": "cut", "Name": "Cut"}, status=201)
    call("post", "/v1/specs/cut/options", {"ID": "S", "Value": "Slim"}, status=201)
    call("patch", "/v1/specs/cut", {"DefaultOptionID": "S"}, status=200)
    call("delete", "/v1/specs/fit/options/S", status=204)
    assert call("get", "/v1/specs/fit").json()["DefaultOptionID"] in (None, "")
    assignment = call("get", "/v1/specs/productassignments?SpecID=fit").json()["Items"][0]
    assert assignment["DefaultOptionID"] in (None, "")
    # a new option S is nobody's default; another spec's option S stays its default
    call("post", "/v1/specs/fit/options", {"ID": "S", "Value": "Small again"}, status=201)
    assert call("get", "/v1/specs/fit").json()["DefaultOptionID"] in (None, "")
    assert call("get", "/v1/specs/cut").json()["DefaultOptionID"] == "S"
