"""The buyer perspective through /v1/me, and impersonation tokens."""

import jwt
import pytest

from coreapi import models as m

pytestmark = pytest.mark.django_db


@pytest.fixture
def storefront(world, admin_token, shopper):
    """Catalog cat (assigned to buyer-1) with active p1 (priced), inactive p2; p3 in an unassigned catalog."""
    call = lambda method, path, body=None: world.call(method, path, admin_token, body)  # noqa: E731
    call("post", "/v1/priceschedules", {"ID": "std", "Name": "Std", "PriceBreaks": [{"Quantity": 1, "Price": 10}]})
    call("post", "/v1/priceschedules", {"ID": "vip", "Name": "VIP", "PriceBreaks": [{"Quantity": 1, "Price": 7}]})
    call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True})
    call("post", "/v1/catalogs", {"ID": "hidden", "Name": "Hidden", "Active": True})
    call("post", "/v1/catalogs/cat/categories", {"ID": "shoes", "Name": "Shoes", "Active": True})
    call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1"})
    for pid, active, catalog in (("p1", True, "cat"), ("p2", False, "cat"), ("p3", True, "hidden"), ("p4", True, "cat")):
        call("post", "/v1/products", {"ID": pid, "Name": pid, "Active": active, "DefaultPriceScheduleID": "std"})
        call("post", "/v1/catalogs/productassignments", {"CatalogID": catalog, "ProductID": pid})
    call("post", "/v1/catalogs/cat/categories/productassignments", {"CategoryID": "shoes", "ProductID": "p4"})
    call("post", "/v1/products/assignments", {"ProductID": "p1", "BuyerID": "buyer-1", "PriceScheduleID": "vip"})
    return world.token(username="shopper", client_id="buyer-client")


class TestMe:
    def test_get(self, world, storefront):
        me = world.call("get", "/v1/me", storefront).json()
        assert (me["ID"], me["Username"], me["Buyer"], me["Seller"]) == ("buyer-user", "shopper", {"ID": "buyer-1", "DefaultCatalogID": None}, None)

    def test_patch_changes_own_profile_only(self, world, storefront):
        me = world.call("patch", "/v1/me", storefront, {"FirstName": "Ann", "xp": {"k": 1}, "Active": False}).json()
        assert (me["FirstName"], me["xp"], me["Active"]) == ("Ann", {"k": 1}, True)

    def test_products_are_only_the_buyers_with_prices(self, world, storefront):
        body = world.call("get", "/v1/me/products", storefront).json()
        assert [p["ID"] for p in body["Items"]] == ["p1", "p4"]
        prices = {p["ID"]: p["PriceSchedule"]["ID"] for p in body["Items"]}
        assert prices == {"p1": "vip", "p4": "std"}  # the buyer's assignment wins over the default

    def test_products_by_category_and_filters(self, world, storefront):
        assert [p["ID"] for p in world.call("get", "/v1/me/products?categoryID=shoes", storefront).json()["Items"]] == ["p4"]
        assert [p["ID"] for p in world.call("get", "/v1/me/products?Name=p1", storefront).json()["Items"]] == ["p1"]

    def test_unassigned_product_is_not_found(self, world, storefront):
        assert world.call("get", "/v1/me/products/p3", storefront).status_code == 404
        assert world.call("get", "/v1/me/products/p1", storefront).json()["PriceSchedule"]["ID"] == "vip"

    def test_catalogs_and_categories(self, world, storefront):
        assert [c["ID"] for c in world.call("get", "/v1/me/catalogs", storefront).json()["Items"]] == ["cat"]
        assert [c["ID"] for c in world.call("get", "/v1/me/categories", storefront).json()["Items"]] == ["shoes"]
        assert world.call("get", "/v1/me/categories?catalogID=hidden", storefront).status_code == 404

    @pytest.mark.parametrize("catalog", ["hidden", "ghost", "off"])
    def test_products_of_a_catalog_the_user_does_not_see_are_not_found_as_a_catalog(self, world, admin_token,
                                                                                    storefront, catalog):  # fmt: skip
        """Me.ListProducts?catalogID= as Me.ListCategories: a catalog not assigned to the buyer,
        unknown or inactive is 404 NotFound Catalog (it was 200 with an empty list)."""
        world.call("post", "/v1/catalogs", admin_token, {"ID": "off", "Name": "Off", "Active": False})
        world.call("post", "/v1/catalogs/assignments", admin_token, {"CatalogID": "off", "BuyerID": "buyer-1"})
        for what in ("products", "categories"):
            response = world.call("get", f"/v1/me/{what}?catalogID={catalog}", storefront)
            assert response.status_code == 404, (what, response.content)
            assert response.json()["Errors"][0]["Data"] == {"ObjectType": "Catalog", "ObjectID": catalog}
        assert [p["ID"] for p in world.call("get", "/v1/me/products?catalogID=cat", storefront).json()["Items"]] == ["p1", "p4"]

    def test_me_needs_a_shopper_role(self, world, storefront):
        token = world.token(username="shopper", client_id="buyer-client", scope="MeAdmin")
        response = world.call("get", "/v1/me/products", token)
        assert response.status_code == 403 and response.json()["Errors"][0]["Data"] == {"SufficientRoles": ["Shopper"]}


class TestImpersonation:
    def test_needs_buyer_impersonation(self, world, shopper):
        token = world.admin_token(scope="BuyerUserAdmin")
        response = world.call("post", "/v1/buyers/buyer-1/users/buyer-user/accesstoken", token, {"ClientID": "buyer-client"})
        assert response.status_code == 403
        assert response.json()["Errors"][0]["Data"] == {"SufficientRoles": ["BuyerImpersonation"]}

    def test_token_acts_as_the_user_with_requested_roles_it_has(self, world, shopper):
        token = world.admin_token(scope="BuyerImpersonation")
        response = world.call("post", "/v1/buyers/buyer-1/users/buyer-user/accesstoken", token,
                              {"ClientID": "buyer-client", "Roles": ["Shopper", "ProductAdmin"]})  # fmt: skip
        assert response.status_code == 200
        imp = response.json()["access_token"]
        claims = jwt.decode(imp, options={"verify_signature": False})
        assert (claims["usr"], claims["usrtype"], claims["role"], claims["imp"]) == ("shopper", "buyer", ["Shopper"], "admin")
        assert world.call("get", "/v1/me", imp).json()["Username"] == "shopper"

    def test_impersonation_config_security_profile_decides_roles(self, world, admin_token, shopper):
        """BuyerID is the impersonated user's buyer (ImpersonationBuyerID the impersonator's:
        test_impersonation_configs.py)."""
        world.call("post", "/v1/securityprofiles", admin_token, {"ID": "imp", "Name": "Imp", "Roles": ["MeAdmin"]})
        created = world.call("post", "/v1/impersonationconfig", admin_token,
                             {"ID": "cfg", "ClientID": "buyer-client", "SecurityProfileID": "imp", "BuyerID": "buyer-1"})  # fmt: skip
        assert created.status_code == 201
        response = world.call("post", "/v1/buyers/buyer-1/users/buyer-user/accesstoken", admin_token,
                              {"ClientID": "buyer-client", "Roles": ["Shopper", "MeAdmin"]})  # fmt: skip
        assert jwt.decode(response.json()["access_token"], options={"verify_signature": False})["role"] == ["MeAdmin"]

    @pytest.mark.parametrize(("field", "object_type"), [("SecurityProfileID", "SecurityProfile"), ("ClientID", "ApiClient"),
                                                        ("ImpersonationBuyerID", "Buyer"), ("BuyerID", "Buyer")])  # fmt: skip
    def test_an_impersonation_config_naming_what_does_not_exist_is_not_found(self, world, admin_token, shopper, field,
                                                                             object_type):  # fmt: skip
        """It was saved (201), and a config naming an unknown security profile gave impersonation
        tokens through it no roles at all."""
        world.call("post", "/v1/securityprofiles", admin_token, {"ID": "imp", "Name": "Imp", "Roles": ["MeAdmin"]})
        body = {"ClientID": "buyer-client", "SecurityProfileID": "imp", "ImpersonationBuyerID": "buyer-1", "BuyerID": "buyer-1"}
        for method, path, status in (("post", "/v1/impersonationconfig", 201), ("put", "/v1/impersonationconfig/put", 201)):
            response = world.call(method, path, admin_token, {**body, field: "ghost"})
            assert response.status_code == 404, response.content
            assert response.json()["Errors"][0]["Data"] == {"ObjectType": object_type, "ObjectID": "ghost"}
            response = world.call(method, path, admin_token, body)
            assert response.status_code == status, response.content
        created = world.call("get", "/v1/impersonationconfig?pageSize=1", admin_token).json()["Items"][0]["ID"]
        response = world.call("patch", f"/v1/impersonationconfig/{created}", admin_token, {field: "ghost"})
        assert response.status_code == 404 and response.json()["Errors"][0]["Data"]["ObjectType"] == object_type
        # what a write does not change is not checked again: a config naming a profile gone before configs
        # went with what they name (test_impersonation_config_cleanup.py) still takes a rename
        m.ImpersonationConfig.objects.filter(oc_id=created).update(security_profile_id="gone-long-ago")
        assert world.call("patch", f"/v1/impersonationconfig/{created}", admin_token, {"UserID": "admin"}).status_code == 200

    def test_unknown_user_or_client(self, world, admin_token, shopper):
        url = "/v1/buyers/buyer-1/users/{user}/accesstoken"
        roles = {"Roles": ["Shopper"]}
        assert world.call("post", url.format(user="ghost"), admin_token, {"ClientID": "buyer-client", **roles}).status_code == 404
        assert world.call("post", url.format(user="buyer-user"), admin_token, {"ClientID": "nope", **roles}).status_code == 404
        assert world.call("post", url.format(user="buyer-user"), admin_token, {}).status_code == 400
        # a client the user cannot sign in through: the client is named, not the caller's roles
        world.call("post", "/v1/apiclients", admin_token, {"ID": "x", "AppName": "Elsewhere", "AccessTokenDuration": 60})
        other = m.ApiClient.objects.exclude(oc_id__in=["buyer-client", "admin-client"]).get().oc_id
        response = world.call("post", url.format(user="buyer-user"), admin_token, {"ClientID": other, **roles})
        assert response.status_code == 400
        assert response.json()["Errors"][0]["Data"] == {"Field": "ClientID", "Value": other}

    @pytest.mark.parametrize("body", [{"ClientID": "buyer-client"}, {"ClientID": "buyer-client", "Roles": None},
                                      {"ClientID": "buyer-client", "CustomRoles": ["x"]}])  # fmt: skip
    def test_roles_are_required_as_the_sdk_documents(self, world, admin_token, shopper, body):
        """Users.GetAccessToken: the SDK says "Required fields: ClientID, Roles". Without Roles the
        token carried every role the user has (as a sign-in without a scope); it is a 400 naming
        the field, checked before the user is looked up. An empty list is a list (what it grants is
        the grant rule's, as before)."""
        url = "/v1/buyers/buyer-1/users/{user}/accesstoken"
        for user in ("buyer-user", "ghost"):
            response = world.call("post", url.format(user=user), admin_token, body)
            assert response.status_code == 400, response.content
            assert response.json()["Errors"][0] == {"ErrorCode": "InvalidRequest", "Message": "Roles is required.",
                                                    "Data": {"Field": "Roles"}}  # fmt: skip
        response = world.call("post", url.format(user="buyer-user"), admin_token, {"ClientID": "buyer-client", "Roles": []})
        assert response.status_code == 200, response.content

    def test_the_openapi_document_lists_clientid_and_roles_as_required(self, world, admin_token):
        document = world.call("get", "/v1/openapi.json", admin_token).json()
        operation = document["paths"]["/v1/buyers/{buyerID}/users/{userID}/accesstoken"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["ClientID", "Roles"]

    def test_unlock_user_account(self, world, admin_token, shopper):
        m.CoreUser.objects.filter(oc_id="buyer-user").update(failed_login_attempts=99)
        assert world.call("post", "/v1/buyers/buyer-1/users/buyer-user/unlock", admin_token).status_code == 204
        assert m.CoreUser.objects.get(oc_id="buyer-user").failed_login_attempts == 0


class TestWebhookHookPoint:
    def test_writes_succeed_whether_or_not_coreapi_webhooks_exists(self, world, admin_token):
        assert world.call("post", "/v1/products", admin_token, {"ID": "p", "Name": "P"}).status_code == 201


class TestMePatchBody:
    """Me.Patch documents and takes only what a user changes on itself; the read-only MeUser
    fields are ignored, as read-only fields are on every other write."""

    EDITABLE = {"Username", "Password", "FirstName", "LastName", "Email", "Phone", "TermsAccepted", "xp"}

    def test_the_documented_body_lists_only_the_editable_fields(self, world, admin_token):
        document = world.call("get", "/v1/openapi.json", admin_token).json()
        body = document["paths"]["/v1/me"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
        component = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
        assert set(component["properties"]) == self.EDITABLE
        assert not any(p.get("readOnly") for p in component["properties"].values())
        me_user = document["components"]["schemas"]["MeUser"]["properties"]
        read_only = {name for name, p in me_user.items() if p.get("readOnly")}
        assert read_only == set(me_user) - self.EDITABLE
        assert {"ID", "Active", "AvailableRoles", "Locale", "DateCreated", "PasswordLastSetDate"} <= read_only

    def test_read_only_fields_are_ignored_even_with_values_of_the_wrong_type(self, world, storefront):
        before = world.call("get", "/v1/me", storefront).json()
        sent = {
            "ID": "someone-else", "Active": False, "CompanyID": "buyer-2", "AvailableRoles": ["FullAccess"],
            "Locale": {"ID": "x"}, "DateCreated": "not a date", "LastActive": 5, "PasswordLastSetDate": "2001-01-01",
            "FailedLoginAttempts": "many", "Buyer": {"ID": "buyer-2"}, "Seller": "x", "FirstName": "Ann",
        }  # fmt: skip
        response = world.call("patch", "/v1/me", storefront, sent)
        assert response.status_code == 200, response.content
        after = response.json()
        assert after["FirstName"] == "Ann"
        assert {k: v for k, v in after.items() if k != "FirstName"} == {
            k: v for k, v in before.items() if k != "FirstName"
        }
        assert world.call("get", "/v1/me", storefront).json()["ID"] == before["ID"]

    def test_an_editable_field_of_the_wrong_type_is_still_a_400(self, world, storefront):
        response = world.call("patch", "/v1/me", storefront, {"TermsAccepted": "not a date"})
        assert response.status_code == 400 and response.json()["Errors"][0]["ErrorCode"] == "InvalidRequest"
