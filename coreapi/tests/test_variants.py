"""Product variants: Products.GenerateVariants / ListVariants / GetVariant / SaveVariant /
PatchVariant, Products.ListSpecs, Me.ListVariants / Me.GetVariant (coreapi/variants.py)."""

import pytest

from coreapi import models as m
from coreapi.testing import api_error as error
from coreapi.testing import core_world
from coreapi.variants import VARIANT_LIMIT

pytestmark = pytest.mark.django_db

GENERATE = "/v1/products/shirt/variants/generate"


@pytest.fixture
def shirt(call):
    """Product shirt (active) with variant specs size (S, L) and color (red, black), and a
    non-variant spec engraving; color's ListOrder puts it after size."""
    assert call("post", "/v1/products", {"ID": "shirt", "Name": "Shirt", "Active": True}).status_code == 201
    specs = [("size", 1, True, [("S", "Small", 1), ("L", "Large", 2)]),
             ("color", 2, True, [("red", "Red", 2), ("black", "Black", 1)]),
             ("engraving", 0, False, [])]  # fmt: skip
    for spec_id, order, variant, options in specs:
        body = {"ID": spec_id, "Name": spec_id.title(), "ListOrder": order, "DefinesVariant": variant,
                "Required": variant, "AllowOpenText": not variant}  # fmt: skip
        assert call("post", "/v1/specs", body).status_code == 201
        for option_id, value, option_order in options:
            option = {"ID": option_id, "Value": value, "ListOrder": option_order}
            if option_id == "L":
                option.update(PriceMarkupType="AmountPerQuantity", PriceMarkup=2.5)
            assert call("post", f"/v1/specs/{spec_id}/options", option).status_code == 201
        assigned = call("post", "/v1/specs/productassignments", {"SpecID": spec_id, "ProductID": "shirt"})
        assert assigned.status_code == 204


def variant_ids(call, product="shirt") -> list[str]:
    response = call("get", f"/v1/products/{product}/variants?pageSize=100&sortBy=ID")
    assert response.status_code == 200, response.content
    return [v["ID"] for v in response.json()["Items"]]


class TestGenerate:
    def test_one_variant_per_combination_of_the_variant_specs_options(self, call, shirt):
        response = call("post", GENERATE, {})
        assert response.status_code == 201, response.content
        product = response.json()
        assert (product["ID"], product["SpecCount"], product["VariantCount"]) == ("shirt", 3, 4)
        assert variant_ids(call) == ["shirt-L-black", "shirt-L-red", "shirt-S-black", "shirt-S-red"]
        variant = call("get", "/v1/products/shirt/variants/shirt-S-black").json()
        assert variant["Name"] == "shirt Small Black"
        assert variant["Active"] is True  # the product's
        assert variant["Specs"] == [
            {"SpecID": "size", "Name": "Size", "OptionID": "S", "Value": "Small", "PriceMarkupType": "NoMarkup",
             "PriceMarkup": None},
            {"SpecID": "color", "Name": "Color", "OptionID": "black", "Value": "Black",
             "PriceMarkupType": "NoMarkup", "PriceMarkup": None},
        ]  # fmt: skip
        large = call("get", "/v1/products/shirt/variants/shirt-L-red").json()
        assert large["Specs"][0]["PriceMarkupType"] == "AmountPerQuantity" and large["Specs"][0]["PriceMarkup"] == 2.5
        # the product list and get count them too
        listed = call("get", "/v1/products?ID=shirt").json()["Items"][0]
        assert (listed["SpecCount"], listed["VariantCount"]) == (3, 4)

    def test_active_override(self, call, shirt):
        assert call("post", GENERATE, {"Active": False}).status_code == 201
        assert {v["Active"] for v in call("get", "/v1/products/shirt/variants").json()["Items"]} == {False}

    def test_again_adds_only_missing_combinations_and_keeps_edited_variants(self, call, shirt):
        call("post", GENERATE, {})
        renamed = call("patch", "/v1/products/shirt/variants/shirt-S-red", {"ID": "SKU-S-RED", "Description": "mine"})
        assert renamed.status_code == 200, renamed.content
        call("post", "/v1/specs/color/options", {"ID": "blue", "Value": "Blue", "ListOrder": 3})
        product = call("post", GENERATE, {}).json()
        assert product["VariantCount"] == 6
        ids = variant_ids(call)
        assert "SKU-S-RED" in ids and "shirt-S-red" not in ids  # matched by combination, not by ID
        assert {"shirt-S-blue", "shirt-L-blue"} <= set(ids)
        assert call("get", "/v1/products/shirt/variants/SKU-S-RED").json()["Description"] == "mine"

    def test_variants_outlive_an_unassigned_spec_until_overwritten(self, call, shirt):
        call("post", GENERATE, {})
        assert call("delete", "/v1/specs/color/productassignments/shirt").status_code == 204
        assert call("post", GENERATE, {}).json()["VariantCount"] == 4 + 2  # shirt-S, shirt-L added
        overwritten = call("post", f"{GENERATE}?overwriteExisting=true", {})
        assert overwritten.json()["VariantCount"] == 2
        assert variant_ids(call) == ["shirt-L", "shirt-S"]

    def test_specs_show_current_names_and_values_and_go_with_a_deleted_spec(self, call, shirt):
        call("post", GENERATE, {})
        call("patch", "/v1/specs/size/options/S", {"Value": "Petite"})
        call("patch", "/v1/specs/color", {"Name": "Colour"})
        specs = call("get", "/v1/products/shirt/variants/shirt-S-red").json()["Specs"]
        assert [(sp["Name"], sp["Value"]) for sp in specs] == [("Size", "Petite"), ("Colour", "Red")]
        assert call("delete", "/v1/specs/color").status_code == 204
        # no variant names an option that no longer exists (test_spec_option_delete.py)
        error(call("get", "/v1/products/shirt/variants/shirt-S-red"), 404, "NotFound")

    def test_no_variant_specs_no_variants(self, call):
        call("post", "/v1/products", {"ID": "plain", "Name": "Plain"})
        response = call("post", "/v1/products/plain/variants/generate", {})
        assert response.status_code == 201 and response.json()["VariantCount"] == 0

    def test_too_many_combinations_is_refused_and_writes_nothing(self, call, world):
        call("post", "/v1/products", {"ID": "big", "Name": "Big"})
        mp = world.marketplace
        per_spec = 11  # 11 ** 3 = 1331 combinations
        assert per_spec**3 > VARIANT_LIMIT
        for n in range(3):
            m.Spec.objects.create(marketplace=mp, oc_id=f"s{n}", name=f"S{n}", defines_variant=True, required=True)
            m.SpecProductAssignment.objects.create(marketplace=mp, spec_id=f"s{n}", product_id="big")
            m.SpecOption.objects.bulk_create(
                m.SpecOption(marketplace=mp, spec_id=f"s{n}", oc_id=f"o{i}", value=str(i)) for i in range(per_spec)
            )
        body = error(call("post", "/v1/products/big/variants/generate", {}), 400, "InvalidRequest")
        assert "1331 combinations" in body["Message"]
        assert m.Variant.objects.filter(product_id="big").count() == 0

    def test_unknown_product_and_roles(self, call, world, shirt):
        error(call("post", "/v1/products/ghost/variants/generate", {}), 404, "NotFound")
        reader = world.admin_token(scope="ProductReader")
        error(call("post", GENERATE, {}, token=reader), 403, "InsufficientRoles")
        call("post", GENERATE, {})
        assert call("get", "/v1/products/shirt/variants", token=reader).status_code == 200
        error(call("patch", "/v1/products/shirt/variants/shirt-S-red", {"Name": "x"}, token=reader), 403,
              "InsufficientRoles")  # fmt: skip


class TestVariantWrites:
    def test_save_replaces_and_may_change_the_id_but_never_creates(self, call, shirt):
        call("post", GENERATE, {})
        body = {"ID": "SHIRT-S-RED", "Name": "Small red shirt", "Active": False, "ShipWeight": 0,
                "Inventory": {"QuantityAvailable": 0, "NotificationPoint": 2}, "xp": {"sku": 1}}  # fmt: skip
        saved = call("put", "/v1/products/shirt/variants/shirt-S-red", body)
        assert saved.status_code == 200, saved.content
        got = call("get", "/v1/products/shirt/variants/SHIRT-S-RED").json()
        assert (got["Name"], got["Active"], got["ShipWeight"], got["xp"]) == ("Small red shirt", False, 0, {"sku": 1})
        assert got["Inventory"]["QuantityAvailable"] == 0 and got["Inventory"]["LastUpdated"]
        assert [sp["OptionID"] for sp in got["Specs"]] == ["S", "red"]  # read-only: kept
        error(call("get", "/v1/products/shirt/variants/shirt-S-red"), 404, "NotFound")
        error(call("put", "/v1/products/shirt/variants/nope", {"Name": "x"}), 404, "NotFound")
        assert call("post", "/v1/products/shirt/variants", {"ID": "x"}).status_code == 405
        assert call("delete", "/v1/products/shirt/variants/SHIRT-S-RED").status_code == 405

    def test_an_id_taken_in_the_product_is_a_conflict_and_specs_cannot_be_written(self, call, shirt):
        call("post", GENERATE, {})
        error(call("patch", "/v1/products/shirt/variants/shirt-S-red", {"ID": "shirt-L-red"}), 409, "IdExists")
        patched = call("patch", "/v1/products/shirt/variants/shirt-S-red", {"Specs": [{"SpecID": "x"}], "Name": "n"})
        assert patched.status_code == 200
        assert [sp["SpecID"] for sp in patched.json()["Specs"]] == ["size", "color"]
        error(call("patch", "/v1/products/shirt/variants/shirt-S-red", {"Name": "n" * 201}), 400, "InvalidRequest")

    def test_list_filters_and_search(self, call, shirt):
        call("post", GENERATE, {})
        call("patch", "/v1/products/shirt/variants/shirt-L-red", {"Active": False, "xp": {"color": "red"}})
        assert variant_ids(call) == ["shirt-L-black", "shirt-L-red", "shirt-S-black", "shirt-S-red"]
        page = call("get", "/v1/products/shirt/variants?Active=false").json()
        assert [v["ID"] for v in page["Items"]] == ["shirt-L-red"] and page["Meta"]["TotalCount"] == 1
        assert [v["ID"] for v in call("get", "/v1/products/shirt/variants?xp.color=red").json()["Items"]] == ["shirt-L-red"]
        found = call("get", "/v1/products/shirt/variants?search=Small&searchOn=Name&sortBy=!ID").json()["Items"]
        assert [v["ID"] for v in found] == ["shirt-S-red", "shirt-S-black"]

    def test_another_marketplaces_product_is_not_found(self, call, shirt):
        call("post", GENERATE, {})
        other = core_world(marketplace_id="mkt-two", client_id="other-client", admin_username="other-admin")
        token = other.admin_token()
        other.call("post", "/v1/products", token, {"ID": "shirt", "Name": "Theirs"})
        assert other.call("get", "/v1/products/shirt/variants", token).json()["Items"] == []
        error(other.call("get", "/v1/products/shirt/variants/shirt-S-red", token), 404, "NotFound")
        error(other.call("get", "/v1/products/ghost/variants", token), 404, "NotFound")


class TestProductLifecycle:
    def test_a_new_product_id_takes_its_variants_and_assignments_along(self, call, shirt):
        call("post", GENERATE, {})
        call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True})
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "shirt"})
        renamed = call("patch", "/v1/products/shirt", {"ID": "tee"})
        assert renamed.status_code == 200, renamed.content
        assert (renamed.json()["SpecCount"], renamed.json()["VariantCount"]) == (3, 4)
        assert len(variant_ids(call, "tee")) == 4
        listed = call("get", "/v1/catalogs/productassignments?catalogID=cat").json()["Items"]
        assert [a["ProductID"] for a in listed] == ["tee"]
        error(call("get", "/v1/products/shirt/variants"), 404, "NotFound")

    def test_deleting_the_product_deletes_its_variants(self, call, world, shirt):
        call("post", GENERATE, {})
        assert call("delete", "/v1/products/shirt").status_code == 204
        assert not m.Variant.objects.filter(marketplace=world.marketplace).exists()
        call("post", "/v1/products", {"ID": "shirt", "Name": "Again"})
        assert variant_ids(call) == []


class TestProductSpecs:
    def test_lists_the_specs_assigned_to_the_product(self, call, shirt):
        call("post", "/v1/specs", {"ID": "unassigned", "Name": "Unassigned"})
        page = call("get", "/v1/products/shirt/specs?sortBy=ListOrder").json()
        assert [sp["ID"] for sp in page["Items"]] == ["engraving", "size", "color"]
        assert [o["ID"] for o in page["Items"][1]["Options"]] == ["S", "L"]
        assert page["Meta"]["TotalCount"] == 3
        assert [sp["ID"] for sp in call("get", "/v1/products/shirt/specs?DefinesVariant=false").json()["Items"]] == [
            "engraving"
        ]
        error(call("get", "/v1/products/ghost/specs"), 404, "NotFound")


class TestMeVariants:
    @pytest.fixture
    def storefront(self, world, call, shopper, shirt):
        call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True})
        call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1"})
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "shirt"})
        call("post", GENERATE, {})
        call("patch", "/v1/products/shirt/variants/shirt-L-black", {"Active": False})
        return world.token(username="shopper", client_id="buyer-client")

    def test_a_buyer_sees_the_active_variants_of_a_product_it_can_see(self, call, storefront):
        page = call("get", "/v1/me/products/shirt/variants?sortBy=ID", token=storefront).json()
        assert [v["ID"] for v in page["Items"]] == ["shirt-L-red", "shirt-S-black", "shirt-S-red"]
        got = call("get", "/v1/me/products/shirt/variants/shirt-S-red", token=storefront)
        assert got.status_code == 200 and got.json()["Specs"][1]["Value"] == "Red"
        error(call("get", "/v1/me/products/shirt/variants/shirt-L-black", token=storefront), 404, "NotFound")

    def test_a_product_outside_the_buyers_catalogs_is_not_found(self, call, storefront):
        call("post", "/v1/products", {"ID": "secret", "Name": "Secret", "Active": True})
        error(call("get", "/v1/me/products/secret/variants", token=storefront), 404, "NotFound")
        call("patch", "/v1/products/shirt", {"Active": False})
        error(call("get", "/v1/me/products/shirt/variants", token=storefront), 404, "NotFound")


@pytest.mark.parametrize("body", [{"ID": "XL"}, {"ID": "XL", "Value": ""}, {"ID": "XL", "Value": None}])
def test_a_spec_option_needs_a_value_as_the_sdk_documents(call, body):
    """Specs.CreateOption / SaveOption: the SDK says "Required fields: Value". An option without one
    was saved (201, Value null), and the variants generated from it had no name for it."""
    assert call("post", "/v1/specs", {"ID": "size", "Name": "Size", "DefinesVariant": True}).status_code == 201
    for method, path in (("post", "/v1/specs/size/options"), ("put", "/v1/specs/size/options/XL")):
        response = call(method, path, body)
        assert response.status_code == 400, response.content
        assert response.json()["Errors"][0] == {"ErrorCode": "InvalidRequest", "Message": "Value is required.",
                                                "Data": {"Field": "Value"}}  # fmt: skip
    assert call("post", "/v1/specs/size/options", {"ID": "XL", "Value": "Extra large"}).status_code == 201
    assert call("patch", "/v1/specs/size/options/XL", {"ListOrder": 3}).status_code == 200  # a patch may leave it out
    assert call("patch", "/v1/specs/size/options/XL", {"Value": ""}).status_code == 400
    document = call("get", "/v1/openapi.json").json()
    create = document["paths"]["/v1/specs/{specID}/options"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["required"] == ["Value"]
