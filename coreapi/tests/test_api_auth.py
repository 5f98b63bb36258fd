"""Bearer tokens on /v1: missing, expired, forged and other-environment tokens; role checks; OpenAPI."""

import time

import jwt
import pytest

from coreapi import models as m
from coreapi.tokens import access_token_encode, signing_key

pytestmark = pytest.mark.django_db


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    item = response.json()["Errors"][0]
    assert item["ErrorCode"] == code
    assert response["X-oc-logid"]
    return item


def mint(**overrides) -> str:
    values = dict(
        environment="sandbox", marketplace_id="mkt-one", username="admin", client_id="admin-client",
        user_id="admin-user", user_type="admin", company_id="", roles=["FullAccess"], lifetime_seconds=600,
    )  # fmt: skip
    return access_token_encode(**{**values, **overrides})


class TestInvalidToken:
    def test_missing_token(self, client, world):
        error(client.get("/core/sandbox/v1/products"), 401, "InvalidToken")

    def test_expired_token(self, world):
        error(world.call("get", "/v1/products", mint(lifetime_seconds=-10)), 401, "InvalidToken")

    def test_forged_signature(self, world):
        payload = jwt.decode(mint(), options={"verify_signature": False})
        forged = jwt.encode(payload, "not-the-key-but-long-enough-for-hs256-0123456789", algorithm="HS256")
        error(world.call("get", "/v1/products", forged), 401, "InvalidToken")

    def test_alg_none_is_refused(self, world):
        payload = jwt.decode(mint(), options={"verify_signature": False})
        error(world.call("get", "/v1/products", jwt.encode(payload, None, algorithm="none")), 401, "InvalidToken")

    def test_token_of_another_environment(self, world):
        m.Marketplace.objects.create(environment="staging", marketplace_id="mkt-one", name="x")
        staging = mint(environment="staging")
        error(world.call("get", "/v1/products", staging), 401, "InvalidToken")

    def test_token_signed_with_another_environments_key_but_this_audience(self, world):
        payload = jwt.decode(mint(), options={"verify_signature": False})
        _, staging_key = signing_key("staging")
        error(world.call("get", "/v1/products", jwt.encode(payload, staging_key, algorithm="HS256")), 401, "InvalidToken")

    def test_token_of_a_deleted_or_unknown_marketplace(self, world):
        error(world.call("get", "/v1/products", mint(marketplace_id="ghost")), 401, "InvalidToken")

    def test_garbage(self, world):
        error(world.call("get", "/v1/products", "abc.def.ghi"), 401, "InvalidToken")


class TestRoles:
    def test_missing_role_is_insufficient_roles_with_the_needed_roles(self, world):
        token = world.admin_token(scope="BuyerReader")
        item = error(world.call("get", "/v1/products", token), 403, "InsufficientRoles")
        assert item["Data"] == {"SufficientRoles": ["ProductReader", "ProductAdmin"]}

    def test_reader_can_read_but_not_write(self, world):
        token = world.admin_token(scope="ProductReader")
        assert world.call("get", "/v1/products", token).status_code == 200
        item = error(world.call("post", "/v1/products", token, {"Name": "x"}), 403, "InsufficientRoles")
        assert item["Data"]["SufficientRoles"] == ["ProductAdmin"]

    def test_admin_role_can_read(self, world):
        assert world.call("get", "/v1/products", world.admin_token(scope="ProductAdmin")).status_code == 200

    def test_full_access_covers_everything(self, world, admin_token):
        for path in ("/v1/apiclients", "/v1/securityprofiles", "/v1/adminusers", "/v1/buyers", "/v1/suppliers",
                     "/v1/webhooks", "/v1/integrationEvents", "/v1/messagesenders", "/v1/catalogs",
                     "/v1/priceschedules", "/v1/specs", "/v1/impersonationconfig", "/v1/apiclients/assignments",
                     "/v1/securityprofiles/assignments", "/v1/catalogs/assignments", "/v1/products/assignments",
                     "/v1/catalogs/productassignments", "/v1/specs/productassignments"):  # fmt: skip
            assert world.call("get", path, admin_token).status_code == 200, path

    def test_buyer_token_cannot_use_marketplace_resources_even_with_the_role(self, world, shopper):
        m.SecurityProfile.objects.filter(oc_id="buyer-1-profile").update(roles=["Shopper", "ProductAdmin"])
        token = world.token(username="shopper", client_id="buyer-client")
        error(world.call("get", "/v1/products", token), 403, "InsufficientRoles")


class TestOpenApi:
    def test_document_is_served_with_v1_paths(self, client, db):
        response = client.get("/core/production/v1/openapi.json")
        assert response.status_code == 200
        doc = response.json()
        assert doc["servers"][0]["url"].endswith("/core/production")
        for path in ("/oauth/token", "/v1/products", "/v1/products/{productID}", "/v1/me", "/v1/buyers/{buyerID}/users",
                     "/v1/buyers/{buyerID}/users/{userID}/accesstoken", "/v1/apiclients/assignments"):  # fmt: skip
            assert path in doc["paths"], path
        operation_ids = {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}
        assert {"Products.List", "ApiClients.Create", "Users.GetAccessToken", "Me.ListProducts"} <= operation_ids

    def test_each_environment_has_its_own_api(self, client, db):
        for env in ("sandbox", "staging", "production"):
            assert client.get(f"/core/{env}/v1/openapi.json").status_code == 200

    def test_unknown_endpoint_is_json_not_found(self, client, world, admin_token):
        error(world.call("get", "/v1/does-not-exist", admin_token), 404, "NotFound")


def test_token_clock_claims_are_numeric(world):
    c = jwt.decode(world.admin_token(), options={"verify_signature": False})
    assert abs(c["nbf"] - time.time()) < 60


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_endpoint_the_api_does_not_have_is_a_not_found_naming_it(world, admin_token, method):
    """The official SDK words every NotFound as "{Data.ObjectType} {Data.ObjectID} not found". With
    Data null (an unknown route, e.g. Orders.List) its OrderCloudError threw a TypeError
    instead of reporting the 404. A method the route does not take stays 405 MethodNotAllowed."""
    response = world.call(method, "/v1/orders/Incoming", admin_token, {"Comments": "G"} if method == "post" else None)
    assert response.status_code == 404
    path = f"/core/{world.environment}/v1/orders/Incoming"
    assert response.json()["Errors"] == [{"ErrorCode": "NotFound", "Message": f"No such endpoint: {method.upper()} {path}",
                                          "Data": {"ObjectType": "Endpoint", "ObjectID": f"{method.upper()} {path}"}}]  # fmt: skip
    wrong_method = world.call("put", "/v1/products", admin_token, {"Name": "P"})
    assert wrong_method.status_code == 405 and wrong_method.json()["Errors"][0]["ErrorCode"] == "MethodNotAllowed"
