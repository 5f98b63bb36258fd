"""A supplier user's token on marketplace resources (resources.SupplierAccess): its supplier's own
products, price schedules and specs (read and write), the products it sells (read only), its own
supplier's users; nothing of another supplier (404) and nothing marketplace-only (403)."""

import pytest

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD, core_security_profile, core_user

pytestmark = pytest.mark.django_db

ROLES = ["ProductAdmin", "PriceScheduleAdmin", "SupplierUserAdmin", "SupplierAdmin", "BuyerReader"]


def supplier_token(world, supplier_id: str, username: str) -> str:
    mp = world.marketplace
    m.Supplier.objects.create(marketplace=mp, oc_id=supplier_id, name=supplier_id, active=True)
    m.ApiClient.objects.get_or_create(marketplace=mp, oc_id="supplier-client",
                                      defaults={"app_name": "Supplier app", "allow_any_supplier": True})  # fmt: skip
    core_security_profile(mp, profile_id=f"{supplier_id}-profile", roles=ROLES, supplier_id=supplier_id)
    core_user(mp, kind=m.UserKind.SUPPLIER, company_id=supplier_id, user_id=f"{supplier_id}-user", username=username)
    response = world.token_response(grant_type="password", client_id="supplier-client", username=username,
                                    password=DEFAULT_CORE_PASSWORD)  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def maker(world):
    return supplier_token(world, "maker", "maker-user")


@pytest.fixture
def rival(world):
    return supplier_token(world, "rival", "rival-user")


def ids(response) -> list[str]:
    return [item["ID"] for item in response.json()["Items"]]


def error(response) -> dict:
    return response.json()["Errors"][0]


def test_a_supplier_manages_its_own_products(call, maker, rival):
    created = call("post", "/v1/products", {"ID": "anvil", "Name": "Anvil"}, token=maker, status=201).json()
    assert created["OwnerID"] == "maker"  # filled in
    call("patch", "/v1/products/anvil", {"Description": "Heavy"}, token=maker, status=200)
    call("put", "/v1/products/anvil", {"Name": "Anvil 2"}, token=maker, status=200)  # PUT keeps the owner
    assert call("get", "/v1/products/anvil", token=maker, status=200).json()["OwnerID"] == "maker"
    # the marketplace sees it; the other supplier does not
    assert call("get", "/v1/products/anvil", status=200).json()["OwnerID"] == "maker"
    assert error(call("get", "/v1/products/anvil", token=rival, status=404))["Data"]["ObjectType"] == "Product"
    call("delete", "/v1/products/anvil", token=rival, status=404)
    assert ids(call("get", "/v1/products", token=rival, status=200)) == []
    call("delete", "/v1/products/anvil", token=maker, status=204)


def test_a_supplier_cannot_give_its_products_to_another_owner(call, maker):
    bad = call("post", "/v1/products", {"ID": "x", "Name": "X", "OwnerID": "rival"}, token=maker, status=400)
    assert error(bad)["Data"] == {"Field": "OwnerID", "Value": "rival"}
    call("post", "/v1/products", {"ID": "mine", "Name": "Mine", "OwnerID": "maker"}, token=maker, status=201)
    call("patch", "/v1/products/mine", {"OwnerID": "rival"}, token=maker, status=400)
    assert call("get", "/v1/products/mine", status=200).json()["OwnerID"] == "maker"


def test_products_it_sells_are_read_only(call, maker):
    for pid, extra in (("sold", {}), ("default", {"DefaultSupplierID": "maker"}), ("open", {"AllSuppliersCanSell": True}),
                       ("hidden", {})):  # fmt: skip
        call("post", "/v1/products", {"ID": pid, "Name": pid, **extra}, status=201)
    call("put", "/v1/products/sold/suppliers/maker", status=204)
    page = call("get", "/v1/products", token=maker, status=200).json()
    assert [p["ID"] for p in page["Items"]] == ["default", "open", "sold"] and page["Meta"]["TotalCount"] == 3
    denied = call("patch", "/v1/products/sold", {"Name": "Mine now"}, token=maker, status=403)
    assert error(denied)["Message"] == "Only the marketplace or the supplier that owns this Product can change it."
    call("delete", "/v1/products/open", token=maker, status=403)
    call("put", "/v1/products/default", {"Name": "Taken"}, token=maker, status=403)
    # an ID the supplier cannot see is still taken (IDs are the marketplace's)
    assert error(call("post", "/v1/products", {"ID": "hidden", "Name": "H"}, token=maker, status=409))["ErrorCode"] == "IdExists"
    assert call("get", "/v1/products/hidden", status=200).json()["Name"] == "hidden"


def test_price_schedules_and_specs_with_their_options(call, maker, rival):
    call("post", "/v1/priceschedules", {"ID": "mine", "Name": "Mine"}, token=maker, status=201)
    call("post", "/v1/priceschedules", {"ID": "market", "Name": "Market"}, status=201)
    assert ids(call("get", "/v1/priceschedules", token=maker, status=200)) == ["mine"]
    call("post", "/v1/products", {"ID": "p", "Name": "P", "DefaultPriceScheduleID": "mine"}, token=maker, status=201)
    other = call("post", "/v1/products", {"ID": "q", "Name": "Q", "DefaultPriceScheduleID": "market"}, token=maker,
                 status=404)  # fmt: skip
    assert error(other)["Data"] == {"ObjectType": "PriceSchedule", "ObjectID": "market"}

    maker_spec = call("post", "/v1/specs", {"ID": "size", "Name": "Size"}, token=maker, status=201).json()
    assert maker_spec["OwnerID"] == "maker"
    call("post", "/v1/specs/size/options", {"ID": "S", "Value": "Small"}, token=maker, status=201)
    assert ids(call("get", "/v1/specs/size/options", token=maker, status=200)) == ["S"]
    # the rival sees neither the spec nor its options, and cannot add one
    assert error(call("get", "/v1/specs/size/options", token=rival, status=404))["Data"]["ObjectType"] == "Spec"
    call("post", "/v1/specs/size/options", {"ID": "L", "Value": "Large"}, token=rival, status=404)


def test_its_own_supplier_users_only(call, maker):
    user = {"ID": "helper", "Username": "helper", "FirstName": "H", "LastName": "Elper", "Email": "h@example.com",
            "Active": True}  # fmt: skip
    call("post", "/v1/suppliers/maker/users", user, token=maker, status=201)
    assert ids(call("get", "/v1/suppliers/maker/users", token=maker, status=200)) == ["helper", "maker-user"]
    assert call("get", "/v1/suppliers/rival/users", token=maker, status=404).json()["Errors"][0]["Data"]["ObjectType"] == "Supplier"
    call("post", "/v1/suppliers/rival/users", {**user, "ID": "spy", "Username": "spy"}, token=maker, status=404)


def test_its_own_supplier_only_read_and_edited_never_created_or_deleted(call, maker, rival):
    own = call("get", "/v1/suppliers", token=maker, status=200)
    assert ids(own) == ["maker"] and own.json()["Meta"]["TotalCount"] == 1
    assert call("get", "/v1/suppliers", status=200).json()["Meta"]["TotalCount"] == 2  # the marketplace sees both
    assert error(call("get", "/v1/suppliers/rival", token=maker, status=404))["Data"]["ObjectType"] == "Supplier"
    call("patch", "/v1/suppliers/rival", {"Name": "Mine now"}, token=maker, status=404)

    assert call("patch", "/v1/suppliers/maker", {"Name": "Maker Ltd"}, token=maker, status=200).json()["Name"] == "Maker Ltd"
    call("put", "/v1/suppliers/maker", {"Name": "Maker plc", "Active": True}, token=maker, status=200)
    assert call("get", "/v1/suppliers/maker", status=200).json()["Name"] == "Maker plc"

    renamed = call("patch", "/v1/suppliers/maker", {"ID": "maker2"}, token=maker, status=400)
    assert error(renamed)["Message"] == "A supplier user cannot change its own supplier's ID."
    created = call("post", "/v1/suppliers", {"ID": "third", "Name": "Third"}, token=maker, status=403)
    assert error(created)["Message"] == "Only marketplace (seller) users can create or delete a Supplier."
    call("put", "/v1/suppliers/fourth", {"Name": "Fourth"}, token=maker, status=403)
    call("delete", "/v1/suppliers/maker", token=maker, status=403)
    assert ids(call("get", "/v1/suppliers", status=200)) == ["maker", "rival"]  # nothing created, nothing deleted


def test_marketplace_only_resources_stay_so(call, maker):
    for path in ("/v1/buyers", "/v1/catalogs", "/v1/products/assignments", "/v1/bundles", "/v1/buyerusers"):
        response = call("get", path, token=maker, status=403)
        assert error(response)["ErrorCode"] == "InsufficientRoles", path


def test_a_buyer_user_still_gets_the_seller_only_answer(call, world):
    from coreapi.testing import core_buyer

    core_buyer(world, roles=("Shopper", "ProductReader"))
    token = world.token(username="shopper", client_id="buyer-client")
    response = call("get", "/v1/products", token=token, status=403)
    assert "marketplace (seller) users only" in error(response)["Message"]
