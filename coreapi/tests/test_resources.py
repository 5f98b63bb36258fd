"""Generic resource operations (List/Get/Create/Save/Patch/Delete), assignments and their errors."""

import pytest

from coreapi import models as m
from coreapi.testing import core_world
from coreapi.testing import api_error as error

pytestmark = pytest.mark.django_db


class TestCrud:
    def test_create_get_patch_put_delete_product(self, world, admin_token):
        created = world.call("post", "/v1/products", admin_token, {"ID": "shoe", "Name": "Shoe", "xp": {"a": {"b": 1}}})
        assert created.status_code == 201
        assert created.json()["ID"] == "shoe" and created.json()["DateCreated"]
        assert world.call("get", "/v1/products/shoe", admin_token).json()["Name"] == "Shoe"
        patched = world.call("patch", "/v1/products/shoe", admin_token, {"Description": "Nice", "xp": {"a": {"c": 2}}})
        assert patched.json()["Description"] == "Nice" and patched.json()["Name"] == "Shoe"
        assert patched.json()["xp"] == {"a": {"b": 1, "c": 2}}  # PATCH merges xp
        replaced = world.call("put", "/v1/products/shoe", admin_token, {"Name": "Boot"})
        assert replaced.status_code == 200
        assert (replaced.json()["Name"], replaced.json()["Description"], replaced.json()["xp"]) == ("Boot", None, {})
        assert world.call("delete", "/v1/products/shoe", admin_token).status_code == 204
        error(world.call("get", "/v1/products/shoe", admin_token), 404, "NotFound")

    def test_generated_ids_are_url_safe_22_chars(self, world, admin_token):
        product_id = world.call("post", "/v1/products", admin_token, {"Name": "x"}).json()["ID"]
        assert len(product_id) == 22 and all(c.isalnum() or c in "-_" for c in product_id)

    def test_put_creates_when_absent(self, world, admin_token):
        response = world.call("put", "/v1/buyers/b9", admin_token, {"Name": "Nine", "Active": True})
        assert response.status_code == 201 and response.json()["ID"] == "b9"

    def test_id_exists(self, world, admin_token):
        world.call("post", "/v1/buyers", admin_token, {"ID": "b1", "Name": "One"})
        item = error(world.call("post", "/v1/buyers", admin_token, {"ID": "b1", "Name": "Again"}), 409, "IdExists")
        assert item["Data"] == {"ObjectType": "Buyer", "ObjectID": "b1"}

    def test_not_found_names_type_and_id(self, world, admin_token):
        item = error(world.call("get", "/v1/buyers/ghost", admin_token), 404, "NotFound")
        assert item["Data"] == {"ObjectType": "Buyer", "ObjectID": "ghost"}
        error(world.call("patch", "/v1/buyers/ghost", admin_token, {"Name": "x"}), 404, "NotFound")
        error(world.call("delete", "/v1/buyers/ghost", admin_token), 404, "NotFound")

    def test_another_marketplaces_object_is_not_found(self, world, admin_token):
        other = core_world(marketplace_id="mkt-two", client_id="c2")
        m.Buyer.objects.create(marketplace=other.marketplace, oc_id="theirs", name="Theirs")
        error(world.call("get", "/v1/buyers/theirs", admin_token), 404, "NotFound")
        error(world.call("delete", "/v1/buyers/theirs", admin_token), 404, "NotFound")
        assert m.Buyer.objects.filter(oc_id="theirs").exists()

    def test_nested_resource_needs_its_parent(self, world, admin_token):
        item = error(world.call("get", "/v1/buyers/ghost/users", admin_token), 404, "NotFound")
        assert item["Data"]["ObjectType"] == "Buyer"


class TestValidation:
    def test_missing_required_field(self, world, admin_token):
        item = error(world.call("post", "/v1/apiclients", admin_token, {"AppName": "x"}), 400, "InvalidRequest")
        assert item["Message"] == "AccessTokenDuration is required."

    def test_wrong_type_is_invalid_request_not_422(self, world, admin_token):
        item = error(world.call("post", "/v1/products", admin_token, {"Name": "x", "Active": "very"}), 400, "InvalidRequest")
        assert "Active" in item["Message"]

    def test_malformed_json(self, world, admin_token):
        response = world.http.post(world.url("/v1/products"), data="{not json", content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {admin_token}")  # fmt: skip
        error(response, 400, "InvalidRequest")

    def test_json_array_body(self, world, admin_token):
        error(world.call("post", "/v1/products", admin_token, [1, 2]), 400, "InvalidRequest")

    def test_bad_id(self, world, admin_token):
        error(world.call("post", "/v1/products", admin_token, {"ID": "has space", "Name": "x"}), 400, "InvalidRequest")

    def test_bad_enum_and_unknown_role(self, world, admin_token):
        error(world.call("post", "/v1/specs/s1/options", admin_token, {"PriceMarkupType": "Lots"}), 400, "InvalidRequest")
        error(world.call("post", "/v1/securityprofiles", admin_token, {"Name": "p", "Roles": ["Wizard"]}), 400, "InvalidRequest")

    def test_too_long_value(self, world, admin_token):
        error(world.call("post", "/v1/buyers", admin_token, {"Name": "x" * 500}), 400, "InvalidRequest")


class TestApiClients:
    def test_fields_secret_and_counts(self, world, admin_token):
        world.call("post", "/v1/integrationEvents", admin_token, {"ID": "ie", "Name": "Checkout", "EventType": "OrderCheckout",
                   "CustomImplementationUrl": "https://example.com", "HashKey": "k"})  # fmt: skip
        body = world.call("post", "/v1/apiclients", admin_token, {
            "AppName": "Store", "AccessTokenDuration": 60, "ClientSecret": "sh", "AllowAnyBuyer": True,
            "OrderCheckoutIntegrationEventID": "ie", "IsAnonBuyer": True, "DefaultContextUserName": "anon",
        }).json()  # fmt: skip
        assert body["ClientSecret"] == "sh" and body["OrderCheckoutIntegrationEventName"] == "Checkout"
        world.call("post", "/v1/buyers", admin_token, {"ID": "b1", "Name": "B"})
        assert world.call("post", "/v1/apiclients/assignments", admin_token, {"ApiClientID": body["ID"], "BuyerID": "b1"}).status_code == 204
        assert world.call("get", f"/v1/apiclients/{body['ID']}", admin_token).json()["AssignedBuyerCount"] == 1
        listed = world.call("get", f"/v1/apiclients/assignments?apiClientID={body['ID']}", admin_token).json()
        assert listed["Items"] == [{"ApiClientID": body["ID"], "BuyerID": "b1", "SupplierID": None}]
        assert world.call("delete", f"/v1/buyers/b1/ApiClients/Assignments/{body['ID']}", admin_token).status_code == 204
        assert world.call("get", f"/v1/apiclients/{body['ID']}", admin_token).json()["AssignedBuyerCount"] == 0

    def test_read_only_id_is_ignored_on_create(self, world, admin_token):
        body = world.call("post", "/v1/apiclients", admin_token, {"ID": "mine", "AppName": "a", "AccessTokenDuration": 60}).json()
        assert body["ID"] != "mine"

    def test_unknown_integration_event_is_not_found(self, world, admin_token):
        response = world.call("post", "/v1/apiclients", admin_token, {"AppName": "a", "AccessTokenDuration": 60, "AddToCartIntegrationEventID": "nope"})
        assert error(response, 404, "NotFound")["Data"]["ObjectType"] == "IntegrationEvent"

    def test_assignment_to_missing_buyer_is_not_found(self, world, admin_token):
        response = world.call("post", "/v1/apiclients/assignments", admin_token, {"ApiClientID": "admin-client", "BuyerID": "ghost"})
        error(response, 404, "NotFound")


class TestUsersAndProfiles:
    def test_created_user_can_sign_in_with_the_profile_roles(self, world, admin_token):
        world.call("post", "/v1/buyers", admin_token, {"ID": "b1", "Name": "B", "Active": True})
        user = world.call("post", "/v1/buyers/b1/users", admin_token, {
            "ID": "u1", "Username": "ann", "Password": "Ann-pass-12345!", "FirstName": "Ann", "LastName": "L",
            "Email": "ann@example.com", "Active": True,
        })  # fmt: skip
        assert user.status_code == 201 and "Password" not in user.json() and user.json()["CompanyID"] == "b1"
        world.call("post", "/v1/securityprofiles", admin_token, {"ID": "shop", "Name": "Shop", "Roles": ["Shopper"]})
        world.call("post", "/v1/securityprofiles/assignments", admin_token, {"SecurityProfileID": "shop", "BuyerID": "b1"})
        world.call("patch", "/v1/apiclients/admin-client", admin_token, {"AllowAnyBuyer": True})
        assert world.call("get", "/v1/buyers/b1/users/u1", admin_token).json()["AvailableRoles"] == ["Shopper"]
        response = world.token_response(grant_type="password", client_id="admin-client", username="ann", password="Ann-pass-12345!")
        assert response.status_code == 200
        world.call("delete", "/v1/securityprofiles/shop/assignments?buyerID=b1", admin_token)
        assert world.call("get", "/v1/buyers/b1/users/u1", admin_token).json()["AvailableRoles"] == []

    def test_usernames_are_unique_in_the_marketplace(self, world, admin_token):
        response = world.call("post", "/v1/adminusers", admin_token, {"Username": "admin", "FirstName": "a", "LastName": "b", "Email": "e", "Active": True})
        assert error(response, 409, "UsernameMustBeUnique")

    def test_same_user_id_under_two_buyers(self, world, admin_token):
        for buyer in ("b1", "b2"):
            world.call("post", "/v1/buyers", admin_token, {"ID": buyer, "Name": buyer})
            response = world.call("post", f"/v1/buyers/{buyer}/users", admin_token, {"ID": "same", "Username": f"u-{buyer}",
                                  "FirstName": "a", "LastName": "b", "Email": "e", "Active": True})  # fmt: skip
            assert response.status_code == 201

    def test_deleting_a_buyer_removes_its_users(self, world, admin_token, shopper):
        assert world.call("delete", "/v1/buyers/buyer-1", admin_token).status_code == 204
        assert not m.CoreUser.objects.filter(kind="buyer").exists()

    def test_supplier_users(self, world, admin_token):
        world.call("post", "/v1/suppliers", admin_token, {"ID": "s1", "Name": "S", "Active": True})
        response = world.call("post", "/v1/suppliers/s1/users", admin_token, {"ID": "su", "Username": "su", "FirstName": "a",
                              "LastName": "b", "Email": "e", "Active": True})  # fmt: skip
        assert response.status_code == 201
        assert [u["ID"] for u in world.call("get", "/v1/suppliers/s1/users", admin_token).json()["Items"]] == ["su"]
        assert world.call("get", "/v1/adminusers", admin_token).json()["Meta"]["TotalCount"] == 1  # only admin users


class TestCatalogResources:
    def test_webhook_fields(self, world, admin_token):
        body = world.call("post", "/v1/webhooks", admin_token, {
            "Name": "wh", "Url": "https://example.com/h", "HashKey": "k", "ApiClientIDs": ["admin-client"],
            "WebhookRoutes": [{"Route": "v1/products/{productID}", "Verb": "patch"}], "ConfigData": {"a": 1},
            "ElevatedRoles": ["ProductReader"], "BeforeProcessRequest": False,
        }).json()  # fmt: skip
        assert body["WebhookRoutes"] == [{"Route": "v1/products/{productID}", "Verb": "PATCH"}]
        assert body["ConfigData"] == {"a": 1}

    def test_specs_options_and_counts(self, world, admin_token):
        world.call("post", "/v1/specs", admin_token, {"ID": "size", "Name": "Size"})
        world.call("post", "/v1/specs/size/options", admin_token, {"ID": "s", "Value": "Small", "PriceMarkupType": "NoMarkup"})
        world.call("post", "/v1/products", admin_token, {"ID": "p", "Name": "P"})
        world.call("post", "/v1/specs/productassignments", admin_token, {"SpecID": "size", "ProductID": "p"})
        spec = world.call("get", "/v1/specs/size", admin_token).json()
        assert spec["OptionCount"] == 1 and spec["Options"][0]["Value"] == "Small"
        assert world.call("get", "/v1/products/p", admin_token).json()["SpecCount"] == 1

    def test_price_schedule_and_catalog_and_category(self, world, admin_token):
        ps = world.call("post", "/v1/priceschedules", admin_token, {"ID": "ps", "Name": "Std", "PriceBreaks": [{"Quantity": 1, "Price": 9.5}]})
        assert ps.json()["PriceBreaks"][0]["Price"] == 9.5 and ps.json()["IsOnSale"] is False
        error(world.call("post", "/v1/products", admin_token, {"Name": "x", "DefaultPriceScheduleID": "nope"}), 404, "NotFound")
        world.call("post", "/v1/catalogs", admin_token, {"ID": "cat", "Name": "Catalog"})
        world.call("post", "/v1/catalogs/cat/categories", admin_token, {"ID": "root", "Name": "Root", "Active": True})
        world.call("post", "/v1/catalogs/cat/categories", admin_token, {"ID": "kid", "Name": "Kid", "ParentID": "root"})
        assert world.call("get", "/v1/catalogs/cat", admin_token).json()["CategoryCount"] == 2
        assert world.call("get", "/v1/catalogs/cat/categories/root", admin_token).json()["ChildCount"] == 1

    def test_message_sender_enum(self, world, admin_token):
        ok = world.call("post", "/v1/messagesenders", admin_token, {"Name": "m", "MessageTypes": ["OrderSubmitted"], "DeliveryConfigID": "d"})
        assert ok.status_code == 201
        bad = world.call("post", "/v1/messagesenders", admin_token, {"Name": "m", "MessageTypes": ["Nope"], "DeliveryConfigID": "d"})
        error(bad, 400, "InvalidRequest")


class TestAssignmentsReferToWhatExists:
    """A user, user group or category that does not exist (or belongs to another party) is not
    found: an assignment to it would be inherited by whatever is created later with that ID."""

    def test_security_profile_assignment_to_a_user(self, call, shopper):
        call("post", "/v1/securityprofiles", {"ID": "extra", "Name": "Extra", "Roles": ["ProductReader"]}, status=201)
        for body in ({"BuyerID": "buyer-1", "UserID": "ghost-user"}, {"UserID": "buyer-user"},  # not an admin user
                     {"BuyerID": "buyer-1", "UserGroupID": "ghost-group"}):  # fmt: skip
            response = call("post", "/v1/securityprofiles/assignments", {"SecurityProfileID": "extra", **body}, status=404)
            assert response.json()["Errors"][0]["Data"]["ObjectType"] in ("User", "UserGroup"), body
        call("post", "/v1/securityprofiles/assignments", {"SecurityProfileID": "extra", "BuyerID": "buyer-1",
                                                           "UserID": "buyer-user"}, status=204)  # fmt: skip
        call("post", "/v1/securityprofiles/assignments", {"SecurityProfileID": "extra", "UserID": "admin-user"}, status=204)
        # a user created later with the refused ID inherits nothing
        call("put", "/v1/buyers/buyer-1/users/ghost-user", {"Username": "ghost", "FirstName": "G", "LastName": "H",
                                                            "Email": "g@example.com", "Active": True}, status=201)  # fmt: skip
        assert "ProductReader" not in call("get", "/v1/buyers/buyer-1/users/ghost-user", status=200).json()["AvailableRoles"]

    def test_user_group_assignment(self, call, shopper):
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "ghost"}, status=404)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "nope", "UserID": "buyer-user"}, status=404)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"}, status=204)

    def test_category_product_assignment(self, call):
        call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog"}, status=201)
        call("post", "/v1/products", {"ID": "p1", "Name": "P"}, status=201)
        response = call("post", "/v1/catalogs/cat/categories/productassignments", {"CategoryID": "ghost", "ProductID": "p1"},
                        status=404)  # fmt: skip
        assert response.json()["Errors"][0]["Data"] == {"ObjectType": "Category", "ObjectID": "ghost"}
        call("post", "/v1/catalogs/cat/categories", {"ID": "shirts", "Name": "Shirts"}, status=201)
        call("post", "/v1/catalogs/cat/categories/productassignments", {"CategoryID": "shirts", "ProductID": "p1"}, status=204)


class TestUsersListByUserGroup:
    """Users.List and SupplierUsers.List take the SDK's `userGroupID` (the group's members). It
    was refused as an unknown filter field (400), so "who is in this group" had no answer."""

    def test_a_buyers_users_in_one_group(self, call, shopper):
        user = {"FirstName": "F", "LastName": "L", "Email": "f@example.com", "Active": True}
        call("post", "/v1/buyers/buyer-1/users", {"ID": "other", "Username": "other", **user}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "empty", "Name": "Empty"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"}, status=204)

        def ids(query: str) -> list[str]:
            return [u["ID"] for u in call("get", f"/v1/buyers/buyer-1/users?{query}", status=200).json()["Items"]]

        assert ids("") == ["buyer-user", "other"]
        assert ids("userGroupID=vip") == ["buyer-user"]
        assert ids("userGroupID=empty") == []
        assert ids("userGroupID=vip&search=other") == []
        response = call("get", "/v1/buyers/buyer-1/users?userGroupID=ghost", status=404)
        assert response.json()["Errors"][0]["Data"] == {"ObjectType": "UserGroup", "ObjectID": "ghost"}

    def test_another_buyers_group_is_not_found(self, world, call, shopper):
        call("post", "/v1/buyers", {"ID": "buyer-2", "Name": "B2", "Active": True}, status=201)
        call("post", "/v1/buyers/buyer-2/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("get", "/v1/buyers/buyer-1/users?userGroupID=vip", status=404)
        call("get", "/v1/buyers/buyer-2/users?userGroupID=vip", status=200)

    def test_supplier_users_have_no_groups_here(self, call):
        call("post", "/v1/suppliers", {"ID": "sup", "Name": "Sup", "Active": True}, status=201)
        assert call("get", "/v1/suppliers/sup/users", status=200).json()["Items"] == []
        response = call("get", "/v1/suppliers/sup/users?userGroupID=team", status=404)
        assert response.json()["Errors"][0]["Data"] == {"ObjectType": "UserGroup", "ObjectID": "team"}

    def test_the_parameter_is_in_the_openapi_document(self, call):
        document = call("get", "/v1/openapi.json", status=200).json()
        for path in ("/v1/buyers/{buyerID}/users", "/v1/suppliers/{supplierID}/users"):
            assert "userGroupID" in [p["name"] for p in document["paths"][path]["get"]["parameters"]], path


class TestWhatAnObjectNamesWasDeleted:
    """A product whose price schedule or default supplier was deleted, or an API client whose
    integration event was, could no longer be changed at all: every PATCH / PUT checked the
    references it did not touch and answered 404 PriceSchedule (Supplier, IntegrationEvent). Only
    a reference the write sets is checked now."""

    def test_a_product_whose_price_schedule_and_supplier_are_gone(self, call):
        call("post", "/v1/priceschedules", {"ID": "ps", "Name": "PS"}, status=201)
        call("post", "/v1/suppliers", {"ID": "sup", "Name": "Sup"}, status=201)
        call("post", "/v1/products", {"ID": "p", "Name": "P", "DefaultPriceScheduleID": "ps", "DefaultSupplierID": "sup"},
             status=201)  # fmt: skip
        call("delete", "/v1/priceschedules/ps", status=204)
        call("delete", "/v1/suppliers/sup", status=204)
        assert call("patch", "/v1/products/p", {"Name": "Renamed"}, status=200).json()["Name"] == "Renamed"
        product = call("get", "/v1/products/p", status=200).json()
        call("put", "/v1/products/p", {**product, "Description": "D"}, status=200)  # what was read, sent back
        call("patch", "/v1/products/p", {"ID": "p2"}, status=200)
        # a reference the write sets must still exist
        for body, object_type in (({"DefaultPriceScheduleID": "ghost"}, "PriceSchedule"),
                                  ({"DefaultSupplierID": "ghost"}, "Supplier"), ({"OwnerID": "ghost"}, "Supplier")):  # fmt: skip
            response = call("patch", "/v1/products/p2", body, status=404)
            assert response.json()["Errors"][0]["Data"] == {"ObjectType": object_type, "ObjectID": "ghost"}
            call("post", "/v1/products", {"ID": "new", "Name": "N", **body}, status=404)

    def test_an_api_client_whose_integration_event_is_gone(self, call):
        call("post", "/v1/integrationEvents", {"ID": "ie", "Name": "IE", "EventType": "OrderCheckout",
                                               "CustomImplementationUrl": "https://example.com/ie", "HashKey": "k"},
             status=201)  # fmt: skip
        client = call("post", "/v1/apiclients", {"AppName": "A", "AccessTokenDuration": 60,
                                                  "OrderCheckoutIntegrationEventID": "ie"}, status=201).json()  # fmt: skip
        call("delete", "/v1/integrationEvents/ie", status=204)
        assert call("patch", f"/v1/apiclients/{client['ID']}", {"AppName": "B"}, status=200).json()["AppName"] == "B"
        response = call("patch", f"/v1/apiclients/{client['ID']}", {"AddToCartIntegrationEventID": "ie"}, status=404)
        assert response.json()["Errors"][0]["Data"] == {"ObjectType": "IntegrationEvent", "ObjectID": "ie"}
