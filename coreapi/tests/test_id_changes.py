"""A new ID (PUT or PATCH with another ID) keeps every relationship: the rows of the marketplace
that hold the old ID get the new one (resources.Ref, definitions "references"), and nothing of
another parent or marketplace is touched."""

import pytest

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD, core_buyer, core_security_profile, core_user, core_world

pytestmark = pytest.mark.django_db


def shopper_token(world, username="shopper", client_id="buyer-client"):
    response = world.token_response(grant_type="password", client_id=client_id, username=username,
                                    password=DEFAULT_CORE_PASSWORD)  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class TestBuyerSide:
    def test_a_buyer_keeps_its_users_groups_clients_catalogs_and_prices(self, world, call, shopper):
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"},
             status=204)  # fmt: skip
        call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True}, status=201)
        call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1"}, status=204)
        call("post", "/v1/products", {"ID": "p1", "Name": "P1", "Active": True}, status=201)
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "p1"}, status=204)
        call("post", "/v1/priceschedules", {"ID": "std", "Name": "Std", "PriceBreaks": [{"Quantity": 1, "Price": 5}]},
             status=201)  # fmt: skip
        call("post", "/v1/products/assignments", {"ProductID": "p1", "BuyerID": "buyer-1", "PriceScheduleID": "std"},
             status=204)  # fmt: skip
        # another buyer's user with the same user ID is not touched
        core_buyer(world, buyer_id="buyer-2", username="other", client_id="buyer-2-client")

        renamed = call("patch", "/v1/buyers/buyer-1", {"ID": "acme"}, status=200)
        assert renamed.json()["ID"] == "acme"

        users = call("get", "/v1/buyers/acme/users", status=200).json()["Items"]
        assert [u["ID"] for u in users] == ["buyer-user"]
        assert call("get", "/v1/buyers/acme/usergroups/assignments", status=200).json()["Items"] == [
            {"UserGroupID": "vip", "UserID": "buyer-user"}
        ]
        token = shopper_token(world)  # the client assignment and the buyer-level profile followed
        me = call("get", "/v1/me", token=token, status=200).json()
        assert me["Buyer"]["ID"] == "acme" and set(me["AvailableRoles"]) == {"Shopper", "MeAdmin"}
        product = call("get", "/v1/me/products/p1", token=token, status=200).json()
        assert product["PriceSchedule"]["ID"] == "std"
        assert m.CoreUser.objects.get(username="other").company_id == "buyer-2"

    def test_a_buyer_user_keeps_its_groups_and_own_profiles(self, world, call, shopper):
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"},
             status=204)  # fmt: skip
        core_security_profile(world.marketplace, profile_id="own", roles=["OrderReader"], buyer_id="buyer-1",
                              user_id="buyer-user")  # fmt: skip
        other = core_buyer(world, buyer_id="buyer-2", user_id="buyer-user", username="twin", client_id="c2")
        core_security_profile(world.marketplace, profile_id="twin-own", roles=["AddressReader"], buyer_id="buyer-2",
                              user_id="buyer-user")  # fmt: skip

        call("put", "/v1/buyers/buyer-1/users/buyer-user", {
            "ID": "sam", "Username": "shopper", "FirstName": "S", "LastName": "S", "Email": "s@example.com",
            "Active": True}, status=200)  # fmt: skip

        groups = call("get", "/v1/buyers/buyer-1/usergroups/assignments", status=200).json()["Items"]
        assert groups == [{"UserGroupID": "vip", "UserID": "sam"}]
        assert "OrderReader" in call("get", "/v1/buyers/buyer-1/users/sam", status=200).json()["AvailableRoles"]
        # the other buyer's user with the same ID keeps its own profile
        assert m.SecurityProfileAssignment.objects.get(security_profile_id="twin-own").user_id == other.oc_id

    def test_a_user_group_keeps_its_members_and_prices(self, world, call, shopper):
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"},
             status=204)  # fmt: skip
        call("post", "/v1/products", {"ID": "p1", "Name": "P1"}, status=201)
        call("post", "/v1/priceschedules", {"ID": "vip-price", "Name": "VIP"}, status=201)
        call("post", "/v1/products/assignments", {"ProductID": "p1", "BuyerID": "buyer-1", "UserGroupID": "vip",
                                                  "PriceScheduleID": "vip-price"}, status=204)  # fmt: skip
        call("patch", "/v1/buyers/buyer-1/usergroups/vip", {"ID": "gold"}, status=200)
        assert call("get", "/v1/buyers/buyer-1/usergroups/assignments").json()["Items"][0]["UserGroupID"] == "gold"
        assignment = call("get", "/v1/products/assignments?productID=p1").json()["Items"][0]
        assert assignment["UserGroupID"] == "gold"


class TestSellerSide:
    def test_a_supplier_keeps_its_users_and_products(self, world, call):
        call("post", "/v1/suppliers", {"ID": "sup", "Name": "Supplier", "Active": True}, status=201)
        core_user(world.marketplace, kind=m.UserKind.SUPPLIER, company_id="sup", user_id="su", username="supply")
        call("post", "/v1/products", {"ID": "p1", "Name": "P1", "DefaultSupplierID": "sup", "OwnerID": "sup"},
             status=201)  # fmt: skip
        call("patch", "/v1/suppliers/sup", {"ID": "maker"}, status=200)
        assert [u["ID"] for u in call("get", "/v1/suppliers/maker/users").json()["Items"]] == ["su"]
        product = call("get", "/v1/products/p1").json()
        assert (product["DefaultSupplierID"], product["OwnerID"]) == ("maker", "maker")

    def test_a_security_profile_and_an_admin_user_keep_their_assignments(self, world, call):
        core_user(world.marketplace, user_id="ops", username="ops")
        core_security_profile(world.marketplace, profile_id="ops-profile", roles=["ProductAdmin"], user_id="ops")
        call("patch", "/v1/securityprofiles/ops-profile", {"ID": "operations"}, status=200)
        call("patch", "/v1/adminusers/ops", {"ID": "operator"}, status=200)
        # every admin has the marketplace's FullAccess; ProductAdmin comes from the user's own profile
        assert "ProductAdmin" in call("get", "/v1/adminusers/operator").json()["AvailableRoles"]
        assignment = m.SecurityProfileAssignment.objects.get(marketplace=world.marketplace, user_id="operator")
        assert assignment.security_profile_id == "operations"
        assert "ProductAdmin" in call("get", "/v1/securityprofiles/operations").json()["Roles"]

    def test_an_integration_event_stays_on_its_api_clients(self, world, call):
        call("post", "/v1/integrationEvents", {"ID": "checkout", "Name": "Checkout", "EventType": "OrderCheckout",
                                               "CustomImplementationUrl": "https://example.com/hook",
                                               "HashKey": "k", "ElevatedRoles": []}, status=201)  # fmt: skip
        client = call("post", "/v1/apiclients", {"AppName": "Shop", "AccessTokenDuration": 600,
                                                 "OrderCheckoutIntegrationEventID": "checkout"}, status=201).json()
        call("patch", "/v1/integrationEvents/checkout", {"ID": "checkout-v2"}, status=200)
        got = call("get", f"/v1/apiclients/{client['ID']}").json()
        assert (got["OrderCheckoutIntegrationEventID"], got["OrderCheckoutIntegrationEventName"]) == (
            "checkout-v2", "Checkout")


class TestCatalog:
    def test_a_catalog_keeps_categories_products_and_buyers(self, world, call, shopper):
        call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True}, status=201)
        call("post", "/v1/catalogs/cat/categories", {"ID": "shoes", "Name": "Shoes", "Active": True}, status=201)
        call("post", "/v1/catalogs/cat/categories", {"ID": "boots", "Name": "Boots", "Active": True,
                                                     "ParentID": "shoes"}, status=201)  # fmt: skip
        call("post", "/v1/products", {"ID": "p1", "Name": "P1", "Active": True}, status=201)
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "p1"}, status=204)
        call("post", "/v1/catalogs/cat/categories/productassignments", {"CategoryID": "boots", "ProductID": "p1"},
             status=204)  # fmt: skip
        call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1"}, status=204)
        call("patch", "/v1/buyers/buyer-1", {"DefaultCatalogID": "cat"}, status=200)
        # another catalog's category with the same ID is not touched
        call("post", "/v1/catalogs", {"ID": "other", "Name": "Other"}, status=201)
        call("post", "/v1/catalogs/other/categories", {"ID": "kids", "Name": "Kids", "ParentID": None}, status=201)
        call("post", "/v1/catalogs/other/categories", {"ID": "boots", "Name": "Boots", "ParentID": "kids"}, status=201)

        call("patch", "/v1/catalogs/cat/categories/shoes", {"ID": "footwear"}, status=200)
        assert call("get", "/v1/catalogs/cat/categories/boots").json()["ParentID"] == "footwear"
        assert call("get", "/v1/catalogs/cat/categories/footwear").json()["ChildCount"] == 1
        assert call("get", "/v1/catalogs/other/categories/boots").json()["ParentID"] == "kids"

        call("patch", "/v1/catalogs/cat", {"ID": "main"}, status=200)
        assert [c["ID"] for c in call("get", "/v1/catalogs/main/categories?sortBy=ID").json()["Items"]] == [
            "boots", "footwear"]
        assert call("get", "/v1/buyers/buyer-1").json()["DefaultCatalogID"] == "main"
        token = shopper_token(world)
        listed = call("get", "/v1/me/products?categoryID=boots", token=token, status=200).json()["Items"]
        assert [p["ID"] for p in listed] == ["p1"]


class TestProductData:
    def test_a_price_schedule_stays_on_its_products(self, world, call):
        call("post", "/v1/priceschedules", {"ID": "std", "Name": "Std"}, status=201)
        call("post", "/v1/products", {"ID": "p1", "Name": "P1", "DefaultPriceScheduleID": "std"}, status=201)
        call("patch", "/v1/priceschedules/std", {"ID": "standard"}, status=200)
        assert call("get", "/v1/products/p1").json()["DefaultPriceScheduleID"] == "standard"

    def test_specs_and_options_keep_their_products_and_variants(self, world, call):
        call("post", "/v1/products", {"ID": "shirt", "Name": "Shirt", "Active": True}, status=201)
        call("post", "/v1/specs", {"ID": "size", "Name": "Size", "DefinesVariant": True, "Required": True}, status=201)
        call("post", "/v1/specs/size/options", {"ID": "S", "Value": "Small"}, status=201)
        call("post", "/v1/specs/size/options", {"ID": "L", "Value": "Large"}, status=201)
        call("patch", "/v1/specs/size", {"DefaultOptionID": "S"}, status=200)
        call("post", "/v1/specs/productassignments", {"SpecID": "size", "ProductID": "shirt", "DefaultOptionID": "S"},
             status=204)  # fmt: skip
        call("post", "/v1/products/shirt/variants/generate", {}, status=201)
        # another spec's option with the same ID is not touched
        call("post", "/v1/specs", {"ID": "fit", "Name": "Fit"}, status=201)
        call("post", "/v1/specs/fit/options", {"ID": "S", "Value": "Slim"}, status=201)
        call("patch", "/v1/specs/fit", {"DefaultOptionID": "S"}, status=200)

        call("patch", "/v1/specs/size/options/S", {"ID": "small"}, status=200)
        assert call("get", "/v1/specs/size").json()["DefaultOptionID"] == "small"
        assert call("get", "/v1/specs/fit").json()["DefaultOptionID"] == "S"
        assert call("get", "/v1/specs/productassignments?SpecID=size").json()["Items"][0]["DefaultOptionID"] == "small"
        variant = call("get", "/v1/products/shirt/variants/shirt-S").json()
        assert (variant["Specs"][0]["OptionID"], variant["Specs"][0]["Value"]) == ("small", "Small")

        call("put", "/v1/specs/size", {"ID": "sizing", "Name": "Sizing", "DefinesVariant": True, "Required": True,
                                       "DefaultOptionID": "small"}, status=200)  # fmt: skip
        assert [o["ID"] for o in call("get", "/v1/specs/sizing/options?sortBy=ID").json()["Items"]] == ["L", "small"]
        assert [sp["ID"] for sp in call("get", "/v1/products/shirt/specs").json()["Items"]] == ["sizing"]
        variant = call("get", "/v1/products/shirt/variants/shirt-S").json()
        assert (variant["Specs"][0]["SpecID"], variant["Specs"][0]["Name"]) == ("sizing", "Sizing")
        # generating again sees the same combinations: nothing is added
        assert call("post", "/v1/products/shirt/variants/generate", {}).json()["VariantCount"] == 2


def test_another_marketplace_is_never_touched(world, call, shopper):
    other = core_world(marketplace_id="mkt-two", client_id="other-client", admin_username="other-admin")
    core_buyer(other, buyer_id="buyer-1", user_id="u2", username="other-shopper", client_id="other-buyer-client")
    call("patch", "/v1/buyers/buyer-1", {"ID": "acme"}, status=200)
    theirs = m.CoreUser.objects.get(marketplace=other.marketplace, username="other-shopper")
    assert theirs.company_id == "buyer-1"
    assert m.ApiClientAssignment.objects.filter(marketplace=other.marketplace, buyer_id="buyer-1").exists()
