"""Me.ListSpecs / Me.GetSpec (`/v1/me/products/{productID}/specs[/{specID}]`): a buyer user reads the
specs of a product it can see (Me.GetProduct's visibility), with their options."""

import pytest

from coreapi.testing import api_error as error

pytestmark = pytest.mark.django_db


@pytest.fixture
def storefront(world, call, shopper):
    """Catalog cat (assigned to buyer-1) holds products shirt and mug; shirt has specs size (options
    S, L), color (red) and engraving, mug has spec handle; spec loose is assigned to nothing and
    product secret is in no catalog of the buyer. Returns the shopper's token."""
    call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True}, status=201)
    call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1"}, status=204)
    for product in ("shirt", "mug", "secret"):
        call("post", "/v1/products", {"ID": product, "Name": product.title(), "Active": True}, status=201)
    for product in ("shirt", "mug"):
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": product}, status=204)
    specs = [("size", 1, True, "shirt", [("S", "Small"), ("L", "Large")]),
             ("color", 2, True, "shirt", [("red", "Red")]),
             ("engraving", 3, False, "shirt", []),
             ("handle", 1, False, "mug", [("left", "Left")]),
             ("hidden", 1, False, "secret", []),
             ("loose", 1, False, None, [])]  # fmt: skip
    for spec_id, order, variant, product, options in specs:
        body = {"ID": spec_id, "Name": spec_id.title(), "ListOrder": order, "DefinesVariant": variant}
        call("post", "/v1/specs", body, status=201)
        for index, (option_id, value) in enumerate(options):
            call("post", f"/v1/specs/{spec_id}/options", {"ID": option_id, "Value": value, "ListOrder": index},
                 status=201)  # fmt: skip
        if product:
            call("post", "/v1/specs/productassignments", {"SpecID": spec_id, "ProductID": product}, status=204)
    return world.token(username="shopper", client_id="buyer-client")


def test_a_buyer_lists_the_specs_of_a_product_it_sees_with_their_options(call, storefront):
    page = call("get", "/v1/me/products/shirt/specs?sortBy=ListOrder", token=storefront, status=200).json()
    assert [sp["ID"] for sp in page["Items"]] == ["size", "color", "engraving"]
    assert page["Meta"]["TotalCount"] == 3
    size = page["Items"][0]
    assert (size["Name"], size["DefinesVariant"], size["OptionCount"]) == ("Size", True, 2)
    assert [(o["ID"], o["Value"]) for o in size["Options"]] == [("S", "Small"), ("L", "Large")]
    got = call("get", "/v1/me/products/shirt/specs/size", token=storefront, status=200).json()
    assert got == size
    assert call("get", "/v1/me/products/mug/specs", token=storefront).json()["Items"][0]["ID"] == "handle"


def test_paging_filters_search_and_sort(call, storefront):
    base = "/v1/me/products/shirt/specs"
    page = call("get", f"{base}?sortBy=!ListOrder&pageSize=2&page=2", token=storefront, status=200).json()
    assert [sp["ID"] for sp in page["Items"]] == ["size"]
    assert (page["Meta"]["Page"], page["Meta"]["PageSize"], page["Meta"]["TotalCount"], page["Meta"]["TotalPages"]) == (
        2, 2, 3, 2)  # fmt: skip
    assert [sp["ID"] for sp in call("get", f"{base}?DefinesVariant=false", token=storefront).json()["Items"]] == [
        "engraving"
    ]
    assert [sp["ID"] for sp in call("get", f"{base}?search=colo&searchOn=Name", token=storefront).json()["Items"]] == [
        "color"
    ]
    assert [sp["ID"] for sp in call("get", f"{base}?catalogID=cat&sortBy=ID", token=storefront).json()["Items"]] == [
        "color", "engraving", "size"]  # fmt: skip
    error(call("get", f"{base}?pageSize=101", token=storefront), 400, "InvalidRequest")
    error(call("get", f"{base}?NoSuchField=1", token=storefront), 400, "InvalidRequest")


@pytest.mark.parametrize("path", ["/v1/me/products/secret/specs", "/v1/me/products/secret/specs/hidden",
                                  "/v1/me/products/ghost/specs", "/v1/me/products/ghost/specs/size"])  # fmt: skip
def test_a_product_the_buyer_does_not_see_is_not_found(call, storefront, path):
    body = error(call("get", path, token=storefront), 404, "NotFound")
    assert body["Data"]["ObjectType"] == "Product"


def test_an_inactive_product_or_another_catalog_is_not_found(call, storefront):
    call("post", "/v1/catalogs", {"ID": "other", "Name": "Other", "Active": True}, status=201)
    error(call("get", "/v1/me/products/shirt/specs?catalogID=other", token=storefront), 404, "NotFound")
    error(call("get", "/v1/me/products/shirt/specs/size?catalogID=other", token=storefront), 404, "NotFound")
    call("patch", "/v1/products/shirt", {"Active": False}, status=200)
    error(call("get", "/v1/me/products/shirt/specs", token=storefront), 404, "NotFound")
    error(call("get", "/v1/me/products/shirt/specs/size", token=storefront), 404, "NotFound")


@pytest.mark.parametrize("spec", ["", "/size"])
def test_a_catalog_the_buyer_does_not_see_is_not_found_as_a_catalog(call, storefront, spec):
    """As Me.ListCategories: a catalogID that is not an active catalog assigned to the user's buyer
    is 404 NotFound Catalog (it was 404 NotFound Product, naming the product the user does see)."""
    call("post", "/v1/catalogs", {"ID": "other", "Name": "Other", "Active": True}, status=201)
    call("post", "/v1/catalogs", {"ID": "off", "Name": "Off", "Active": False}, status=201)
    call("post", "/v1/catalogs/assignments", {"CatalogID": "off", "BuyerID": "buyer-1"}, status=204)
    for catalog in ("other", "off", "ghost"):
        for product in ("shirt", "secret", "ghost"):
            body = error(call("get", f"/v1/me/products/{product}/specs{spec}?catalogID={catalog}", token=storefront),
                         404, "NotFound")  # fmt: skip
            assert body["Data"] == {"ObjectType": "Catalog", "ObjectID": catalog}
        categories = error(call("get", f"/v1/me/categories?catalogID={catalog}", token=storefront), 404, "NotFound")
        assert categories["Data"] == {"ObjectType": "Catalog", "ObjectID": catalog}
    # a catalog the user sees but a product it does not: still the product
    body = error(call("get", f"/v1/me/products/secret/specs{spec}?catalogID=cat", token=storefront), 404, "NotFound")
    assert body["Data"] == {"ObjectType": "Product", "ObjectID": "secret"}
    assert call("get", f"/v1/me/products/shirt/specs{spec}?catalogID=cat", token=storefront, status=200).json()


@pytest.mark.parametrize("spec_id", ["handle", "hidden", "loose", "ghost"])
def test_a_spec_not_assigned_to_the_product_is_not_found(call, storefront, spec_id):
    body = error(call("get", f"/v1/me/products/shirt/specs/{spec_id}", token=storefront), 404, "NotFound")
    assert body["Data"] == {"ObjectType": "Spec", "ObjectID": spec_id}


def test_needs_the_shopper_role(world, call, storefront):
    me_admin = world.token(username="shopper", client_id="buyer-client", scope="MeAdmin")
    error(call("get", "/v1/me/products/shirt/specs", token=me_admin), 403, "InsufficientRoles")
    error(call("get", "/v1/me/products/shirt/specs/size", token=me_admin), 403, "InsufficientRoles")
    # an admin sees no buyer's catalogs: nothing to read here (Products.ListSpecs is the admin's)
    error(call("get", "/v1/me/products/shirt/specs"), 404, "NotFound")


def test_the_openapi_document_names_them_as_the_sdk_does(client):
    document = client.get("/core/sandbox/v1/openapi.json").json()
    listing = document["paths"]["/v1/me/products/{productID}/specs"]["get"]
    getting = document["paths"]["/v1/me/products/{productID}/specs/{specID}"]["get"]
    assert (listing["operationId"], getting["operationId"]) == ("Me.ListSpecs", "Me.GetSpec")
    assert {"catalogID", "page", "pageSize", "search", "searchOn", "sortBy"} <= {p["name"] for p in listing["parameters"]}
    assert "catalogID" in {p["name"] for p in getting["parameters"]}
