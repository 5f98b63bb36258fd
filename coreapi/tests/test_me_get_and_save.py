"""Me.GetCatalog (`GET /v1/me/catalogs/{catalogID}`), Me.GetCategory (`GET /v1/me/categories/{categoryID}`)
with the visibility rules of Me.ListCatalogs / Me.ListCategories, and Me.Save (`PUT /v1/me`)."""

import pytest

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD, api_error, core_buyer, core_user

pytestmark = pytest.mark.django_db

STRONG = "Str0ng-Passw0rd!x"


def not_found(response, object_type: str, object_id: str) -> None:
    item = api_error(response, 404, "NotFound")
    assert item["Data"] == {"ObjectType": object_type, "ObjectID": object_id}


@pytest.fixture
def store(world, call, shopper):
    """buyer-1 sees catalog cat (ViewAllCategories) with apparel > shirts, gifts, inactive old > kid, and
    catalog strict (no ViewAllCategories) with open (Visible to buyer-1) and closed; it does not see
    hidden (not assigned), off (inactive) or buyer-2's theirs."""
    core_buyer(world, buyer_id="buyer-2", user_id="u2", username="other", client_id="c2")
    for catalog, active in (("cat", True), ("strict", True), ("hidden", True), ("off", True), ("theirs", True)):
        call("post", "/v1/catalogs", {"ID": catalog, "Name": catalog.title(), "Active": active}, status=201)
    for catalog, category, parent, active in (
        ("cat", "apparel", None, True), ("cat", "shirts", "apparel", True), ("cat", "gifts", None, True),
        ("cat", "old", None, False), ("cat", "kid", "old", True), ("strict", "open", None, True),
        ("strict", "closed", None, True), ("hidden", "secret", None, True), ("off", "dark", None, True),
        ("theirs", "mine-not", None, True),
    ):  # fmt: skip
        call("post", f"/v1/catalogs/{catalog}/categories", {"ID": category, "Name": category, "Active": active,
                                                            "ParentID": parent}, status=201)  # fmt: skip
    call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1", "ViewAllCategories": True},
         status=204)  # fmt: skip
    call("post", "/v1/catalogs/assignments", {"CatalogID": "strict", "BuyerID": "buyer-1", "ViewAllCategories": False},
         status=204)  # fmt: skip
    call("post", "/v1/catalogs/assignments", {"CatalogID": "off", "BuyerID": "buyer-1"}, status=204)
    call("post", "/v1/catalogs/assignments", {"CatalogID": "theirs", "BuyerID": "buyer-2"}, status=204)
    call("patch", "/v1/catalogs/off", {"Active": False}, status=200)
    call("post", "/v1/catalogs/strict/categories/assignments", {"CategoryID": "open", "BuyerID": "buyer-1",
                                                                 "Visible": True}, status=204)  # fmt: skip
    return world.token(username="shopper", client_id="buyer-client")


class TestGetCatalog:
    def test_a_catalog_the_user_sees(self, world, call, store):
        body = call("get", "/v1/me/catalogs/cat", token=store, status=200).json()
        assert body == call("get", "/v1/catalogs/cat", status=200).json()
        listed = call("get", "/v1/me/catalogs", token=store, status=200).json()["Items"]
        assert body in listed

    @pytest.mark.parametrize("catalog", ["hidden", "off", "theirs", "ghost"])
    def test_another_is_not_found(self, call, store, catalog):
        not_found(call("get", f"/v1/me/catalogs/{catalog}", token=store), "Catalog", catalog)


class TestGetCategory:
    @pytest.mark.parametrize(("category", "query"), [
        ("apparel", ""), ("shirts", ""), ("gifts", "?catalogID=cat"), ("open", "?catalogID=strict"), ("open", ""),
    ])  # fmt: skip
    def test_a_category_the_user_sees(self, call, store, category, query):
        body = call("get", f"/v1/me/categories/{category}{query}", token=store, status=200).json()
        catalog = "strict" if category == "open" else "cat"
        assert body == call("get", f"/v1/catalogs/{catalog}/categories/{category}", status=200).json()

    @pytest.mark.parametrize(("category", "query"), [
        ("old", ""), ("kid", ""),  # inactive, under an inactive one
        ("closed", "?catalogID=strict"), ("closed", ""),  # not Visible to the user
        ("apparel", "?catalogID=strict"),  # in another catalog
        ("mine-not", ""), ("ghost", ""),
    ])  # fmt: skip
    def test_another_is_not_found(self, call, store, category, query):
        not_found(call("get", f"/v1/me/categories/{category}{query}", token=store), "Category", category)

    @pytest.mark.parametrize("catalog", ["hidden", "off", "theirs", "ghost"])
    def test_a_catalog_the_user_does_not_see_is_not_found(self, call, store, catalog):
        response = call("get", f"/v1/me/categories/secret?catalogID={catalog}", token=store)
        not_found(response, "Catalog", catalog)

    def test_without_a_catalog_the_buyers_default_one(self, call, store):
        call("patch", "/v1/buyers/buyer-1", {"DefaultCatalogID": "strict"}, status=200)
        not_found(call("get", "/v1/me/categories/apparel", token=store), "Category", "apparel")
        assert call("get", "/v1/me/categories/apparel?catalogID=cat", token=store, status=200).json()["ID"] == "apparel"
        assert call("get", "/v1/me/categories/open", token=store, status=200).json()["ID"] == "open"


FULL = {"Username": "shopper", "FirstName": "Ann", "LastName": "Lee", "Email": "ann@example.com", "Active": True}


class TestSave:
    def test_replaces_the_editable_fields(self, world, call, store):
        call("patch", "/v1/me", {"Phone": "555", "xp": {"a": 1, "b": 2}}, token=store, status=200)
        body = call("put", "/v1/me", {**FULL, "xp": {"a": 3}, "ID": "new-id", "Active": False}, token=store,
                    status=200).json()  # fmt: skip
        assert (body["ID"], body["FirstName"], body["LastName"], body["Email"], body["Active"]) == (
            "buyer-user", "Ann", "Lee", "ann@example.com", True)
        assert (body["Phone"], body["xp"]) == (None, {"a": 3})  # left out: cleared; xp replaced, not merged
        assert body["Buyer"] == {"ID": "buyer-1", "DefaultCatalogID": None}
        assert call("get", "/v1/me", token=store, status=200).json() == body
        # the password is kept
        assert world.token(username="shopper", client_id="buyer-client")

    @pytest.mark.parametrize("field", ["Username", "FirstName", "LastName", "Email", "Active"])
    def test_required_fields(self, call, store, field):
        body = {k: v for k, v in FULL.items() if k != field}
        item = api_error(call("put", "/v1/me", body, token=store), 400, "InvalidRequest")
        assert (item["Message"], item["Data"]) == (f"{field} is required.", {"Field": field})
        assert m.CoreUser.objects.get(oc_id="buyer-user").first_name == "Test"

    def test_a_new_username_and_password(self, world, call, store):
        call("put", "/v1/me", {**FULL, "Username": "ann", "Password": STRONG}, token=store, status=200)
        response = world.token_response(grant_type="password", client_id="buyer-client", username="ann", password=STRONG)
        assert response.status_code == 200, response.content
        core_user(world.marketplace, user_id="taken")
        item = api_error(call("put", "/v1/me", {**FULL, "Username": "taken"}, token=store), 409, "UsernameMustBeUnique")
        assert item["Data"] == {"Username": "taken"}

    def test_an_insecure_password_is_refused(self, world, call, store):
        api_error(call("put", "/v1/me", {**FULL, "Password": "weak"}, token=store), 400, "PasswordReset.InsecurePassword")
        assert world.token(username="shopper", client_id="buyer-client", password=DEFAULT_CORE_PASSWORD)

    def test_roles(self, world, call, store):
        m.SecurityProfile.objects.filter(oc_id="buyer-1-profile").update(roles=["Shopper"])
        token = world.token(username="shopper", client_id="buyer-client")
        item = api_error(call("put", "/v1/me", FULL, token=token), 403, "InsufficientRoles")
        assert item["Data"] == {"SufficientRoles": ["MeAdmin", "MeXpAdmin"]}
        # MeXpAdmin alone: only xp is replaced
        m.SecurityProfile.objects.filter(oc_id="buyer-1-profile").update(roles=["Shopper", "MeXpAdmin"])
        token = world.token(username="shopper", client_id="buyer-client")
        body = call("put", "/v1/me", {**FULL, "xp": {"k": 1}}, token=token, status=200).json()
        assert (body["FirstName"], body["Email"], body["xp"]) == ("Test", "buyer-user@example.com", {"k": 1})

    def test_an_admin_user_saves_itself(self, world, call, admin_token):
        body = call("put", "/v1/me", {**FULL, "Username": "admin"}, status=200).json()
        assert (body["ID"], body["FirstName"], body["Seller"]) == ("admin-user", "Ann", {"ID": "mkt-one"})

    def test_an_anonymous_token_is_refused(self, world, call, store):
        m.ApiClient.objects.filter(oc_id="buyer-client").update(is_anon_buyer=True, default_context_user_name="shopper")
        response = world.token_response(grant_type="client_credentials", client_id="buyer-client",
                                        scope="Shopper MeAdmin")  # fmt: skip
        item = api_error(call("put", "/v1/me", FULL, token=response.json()["access_token"]), 403, "InsufficientRoles")
        assert "anonymous shopper" in item["Message"]
        assert m.CoreUser.objects.get(oc_id="buyer-user").first_name == "Test"


def test_the_openapi_document_has_them(world, call):
    paths = call("get", "/v1/openapi.json", status=200).json()["paths"]
    assert paths["/v1/me/catalogs/{catalogID}"]["get"]["operationId"] == "Me.GetCatalog"
    assert paths["/v1/me/categories/{categoryID}"]["get"]["operationId"] == "Me.GetCategory"
    assert [p["name"] for p in paths["/v1/me/categories/{categoryID}"]["get"]["parameters"]] == ["categoryID", "catalogID"]
    save = paths["/v1/me"]["put"]
    assert save["operationId"] == "Me.Save"
    assert save["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "Username", "FirstName", "LastName", "Email", "Active"]  # fmt: skip
