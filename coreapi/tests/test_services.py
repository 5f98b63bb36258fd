"""Services the portal calls: marketplace create / rename / delete, organization_token_mint, selectors."""

import jwt
import pytest
from django.test import override_settings

from coreapi import models as m
from coreapi.errors import MSG_MARKETPLACE_EXISTS
from coreapi.selectors import api_client_list, api_client_user_list
from coreapi.services import (
    CoreObjectNotFound,
    MarketplaceExists,
    marketplace_create,
    marketplace_delete,
    marketplace_rename,
    organization_token_mint,
)
from coreapi.testing import core_buyer, core_user, core_world
from coreapi.tokens import access_token_decode

pytestmark = pytest.mark.django_db


class TestMarketplaceCreate:
    def test_creates_an_empty_marketplace(self):
        mp = marketplace_create(environment="sandbox", marketplace_id="acme", name="Acme")
        assert (mp.environment, mp.marketplace_id, mp.name) == ("sandbox", "acme", "Acme")

    def test_id_taken_in_the_environment_raises_marketplace_exists(self):
        marketplace_create(environment="sandbox", marketplace_id="acme", name="Acme")
        with pytest.raises(MarketplaceExists) as exc:
            marketplace_create(environment="sandbox", marketplace_id="acme", name="Other")
        assert exc.value.message == MSG_MARKETPLACE_EXISTS

    def test_same_id_in_two_environments_does_not_clash(self):
        marketplace_create(environment="staging", marketplace_id="acme", name="Acme")
        marketplace_create(environment="production", marketplace_id="acme", name="Acme")
        assert m.Marketplace.objects.filter(marketplace_id="acme").count() == 2

    def test_rename(self):
        marketplace_create(environment="sandbox", marketplace_id="acme", name="Acme")
        assert marketplace_rename(environment="sandbox", marketplace_id="acme", name="Acme 2").name == "Acme 2"

    def test_rename_unknown_marketplace_is_not_found(self):
        with pytest.raises(CoreObjectNotFound):
            marketplace_rename(environment="sandbox", marketplace_id="nope", name="x")


class TestMarketplaceDelete:
    def test_removes_all_its_data_and_invalidates_tokens(self, world, admin_token):
        world.call("post", "/v1/products", admin_token, {"ID": "p1", "Name": "P"})
        marketplace_delete(environment="sandbox", marketplace_id="mkt-one")
        assert not m.Product.objects.exists()
        assert not m.CoreUser.objects.exists()
        assert not m.ApiClient.objects.exists()
        response = world.call("get", "/v1/products", admin_token)
        assert response.status_code == 401
        assert response.json()["Errors"][0]["ErrorCode"] == "InvalidToken"

    def test_leaves_other_marketplaces_alone(self, world):
        other = core_world(marketplace_id="mkt-two", client_id="c2")
        marketplace_delete(environment="sandbox", marketplace_id="mkt-one")
        assert m.CoreUser.objects.filter(marketplace=other.marketplace).count() == 1


class TestOrganizationTokenMint:
    def test_admin_perspective_token_has_exactly_the_roles(self, db):
        marketplace_create(environment="staging", marketplace_id="acme", name="Acme")
        token = organization_token_mint(
            environment="staging", marketplace_id="acme", roles=["ProductAdmin", "MyCustom"], portal_username="hamlet"
        )
        claims = access_token_decode(environment="staging", token=token["access_token"])
        assert claims.username == "hamlet"
        assert claims.user_type == "admin"
        assert list(claims.roles) == ["ProductAdmin", "MyCustom"]
        assert token["token_type"] == "bearer" and token["expires_in"] > 0 and token["refresh_token"]
        assert token["granted_roles"] == ["ProductAdmin", "MyCustom"]

    def test_admin_perspective_token_works_on_the_api(self, client, db):
        marketplace_create(environment="sandbox", marketplace_id="acme", name="Acme")
        token = organization_token_mint(
            environment="sandbox", marketplace_id="acme", roles=["FullAccess"], portal_username="hamlet"
        )["access_token"]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        assert client.get("/core/sandbox/v1/products", **auth).status_code == 200
        me = client.get("/core/sandbox/v1/me", **auth).json()
        assert me["Username"] == "hamlet" and me["Seller"] == {"ID": "acme"}

    def test_user_token_gets_intersection_of_user_roles_and_requested(self, world, shopper):
        token = organization_token_mint(
            environment="sandbox",
            marketplace_id="mkt-one",
            roles=["Shopper", "ProductAdmin"],
            portal_username="hamlet",
            client_id="buyer-client",
            username="shopper",
        )
        assert token["granted_roles"] == ["Shopper"]
        assert token["coreuser_roles"] == ["MeAdmin", "Shopper"]
        assert token["portaluser_roles"] == ["Shopper", "ProductAdmin"]
        claims = access_token_decode(environment="sandbox", token=token["access_token"])
        assert (claims.user_type, claims.user_id, claims.company_id) == ("buyer", "buyer-user", "buyer-1")

    def test_full_access_requested_expands_to_the_users_roles(self, world, shopper):
        token = organization_token_mint(
            environment="sandbox", marketplace_id="mkt-one", roles=["FullAccess"], portal_username="hamlet",
            client_id="buyer-client", username="shopper",
        )  # fmt: skip
        assert token["granted_roles"] == ["MeAdmin", "Shopper"]

    @pytest.mark.parametrize(
        "client_id,username",
        [("nope", "shopper"), ("buyer-client", "nobody"), ("admin-client", "shopper")],
        ids=["unknown-client", "unknown-user", "client-not-available-to-user"],
    )
    def test_client_or_user_problems_are_not_found(self, world, shopper, client_id, username):
        with pytest.raises(CoreObjectNotFound):
            organization_token_mint(
                environment="sandbox", marketplace_id="mkt-one", roles=["Shopper"], portal_username="h",
                client_id=client_id, username=username,
            )  # fmt: skip

    def test_unknown_marketplace_is_not_found(self, db):
        with pytest.raises(CoreObjectNotFound):
            organization_token_mint(environment="sandbox", marketplace_id="nope", roles=[], portal_username="h")

    @override_settings(COREAPI_MINTED_TOKEN_ROLES="")  # the core API alone: no portal to ask
    def test_minted_token_can_be_refreshed_by_refresh_grant(self, client, db):
        marketplace_create(environment="sandbox", marketplace_id="acme", name="Acme")
        token = organization_token_mint(environment="sandbox", marketplace_id="acme", roles=["ProductReader"], portal_username="h")
        response = client.post("/core/sandbox/oauth/token", {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        assert response.status_code == 200
        claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
        assert claims["role"] == ["ProductReader"] and claims["usr"] == "h"


class TestSelectors:
    def test_api_client_list(self, world, shopper):
        clients = api_client_list(environment="sandbox", marketplace_id="mkt-one")
        assert [c["ID"] for c in clients] == ["admin-client", "buyer-client"]
        assert api_client_list(environment="sandbox", marketplace_id="mkt-one", search="store")[0]["ID"] == "buyer-client"

    def test_api_client_user_list_shows_who_can_sign_in(self, world, shopper):
        core_user(world.marketplace, kind=m.UserKind.BUYER, company_id="other-buyer", user_id="stranger")
        users = api_client_user_list(environment="sandbox", marketplace_id="mkt-one", client_id="buyer-client")
        assert [(u["Username"], u["CommerceRole"], u["CompanyID"], u["CompanyName"], u["Active"]) for u in users] == [
            ("shopper", "Buyer", "buyer-1", "Buyer buyer-1", True)
        ]
        admins = api_client_user_list(environment="sandbox", marketplace_id="mkt-one", client_id="admin-client")
        assert [(u["Username"], u["CommerceRole"], u["CompanyID"]) for u in admins] == [("admin", "Seller", "mkt-one")]

    def test_api_client_user_list_unknown_client(self, world):
        with pytest.raises(CoreObjectNotFound):
            api_client_user_list(environment="sandbox", marketplace_id="mkt-one", client_id="nope")

    def test_core_buyer_helper_is_reusable(self, world):
        assert core_buyer(world, buyer_id="b2", user_id="u2", username="u2").company_id == "b2"
