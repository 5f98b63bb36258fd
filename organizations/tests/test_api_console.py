"""Portal API, tier 2 (API console): apiclients, their users, and organization tokens whose roles
are exactly the contributor's data access."""

import jwt
import pytest

from coreapi.models import ApiClient, Buyer, CoreUser, Marketplace, SecurityProfile, SecurityProfileAssignment, UserKind
from coreapi.tokens import access_token_decode
from organizations import services
from organizations.apis import ERR_NO_CONSOLE_ACCESS, ERR_TOKEN_PARAMS
from tests.portal_api import PortalApi, error_codes, error_messages

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketplace(team):
    """acme-sbx's marketplace: a storefront client (seller + any buyer), one admin user with
    ProductAdmin+OrderAdmin, one buyer user with Shopper+ProductReader, one inactive client."""
    mkt = Marketplace.objects.get(environment="sandbox", marketplace_id="acme-sbx")
    ApiClient.objects.create(marketplace=mkt, oc_id="storefront", app_name="Storefront", allow_seller=True,
                             allow_any_buyer=True)
    ApiClient.objects.create(marketplace=mkt, oc_id="old-app", app_name="Old app", active=False)
    Buyer.objects.create(marketplace=mkt, oc_id="b1", name="Buyer One", active=True)
    CoreUser.objects.create(marketplace=mkt, oc_id="s1", kind=UserKind.ADMIN, username="seller1",
                            first_name="Sam", last_name="Seller", email="sam@shop.test", active=True)
    CoreUser.objects.create(marketplace=mkt, oc_id="u1", kind=UserKind.BUYER, company_id="b1", username="buyer1",
                            first_name="Bea", last_name="Buyer", email="bea@shop.test", active=True)
    SecurityProfile.objects.create(marketplace=mkt, oc_id="admins", name="Admins", roles=["ProductAdmin", "OrderAdmin"])
    SecurityProfile.objects.create(marketplace=mkt, oc_id="shoppers", name="Shoppers", roles=["Shopper", "ProductReader"])
    SecurityProfileAssignment.objects.create(marketplace=mkt, security_profile_id="admins")
    SecurityProfileAssignment.objects.create(marketplace=mkt, security_profile_id="shoppers", buyer_id="b1")
    return mkt


def claims(token: str) -> dict:
    return access_token_decode(environment="sandbox", token=token)


def roles_of(token: str) -> list[str]:
    role = jwt.decode(token, options={"verify_signature": False})["role"]
    return sorted([role] if isinstance(role, str) else role)


class TestToken:
    def test_owner_gets_full_access(self, client, marketplace, owner):
        response = PortalApi(client, owner).get("/organizations/acme-sbx/token")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["granted_roles"] == body["portaluser_roles"] == ["FullAccess"]
        assert roles_of(body["access_token"]) == ["FullAccess"]
        assert body["token_type"] == "bearer" and body["expires_in"] == 600  # 10 minutes: the refresh rechecks access
        assert claims(body["access_token"])  # a valid token of the built-in sandbox API

    def test_contributor_token_has_exactly_their_roles(self, client, marketplace, member):
        body = PortalApi(client, member).get("/organizations/acme-sbx/token").json()
        assert roles_of(body["access_token"]) == ["ProductReader"]
        assert body["granted_roles"] == ["ProductReader"]

    def test_role_change_shows_in_the_next_token(self, client, marketplace, owner, member):
        services.contributor_save(actor=owner, organization=marketplace_org(owner), username="mia",
                                  roles=["OrderReader", "BuyerReader"], is_admin=False)
        body = PortalApi(client, member).get("/organizations/acme-sbx/token").json()
        assert roles_of(body["access_token"]) == ["BuyerReader", "OrderReader"]

    def test_impersonating_a_buyer_grants_the_intersection(self, client, marketplace, member):
        response = PortalApi(client, member).get("/organizations/acme-sbx/token", clientid="storefront", username="buyer1")
        assert response.status_code == 200, response.content
        body = response.json()
        assert sorted(body["coreuser_roles"]) == ["ProductReader", "Shopper"]
        assert body["portaluser_roles"] == ["ProductReader"]
        assert body["granted_roles"] == ["ProductReader"]
        assert jwt.decode(body["access_token"], options={"verify_signature": False})["usr"] == "buyer1"
        assert body["expires_in"] == 600  # the client's 10 hours are capped for a portal-minted token

    def test_impersonating_a_seller_needs_impersonate_seller(self, client, marketplace, member):
        response = PortalApi(client, member).get("/organizations/acme-sbx/token", clientid="storefront", username="seller1")
        assert response.status_code == 403
        assert error_messages(response) == [services.ERR_IMPERSONATION_NOT_ALLOWED]

    def test_admin_with_full_access_impersonates_the_seller(self, client, marketplace, admin_user):
        body = PortalApi(client, admin_user).get(
            "/organizations/acme-sbx/token", clientid="storefront", username="seller1"
        ).json()
        assert sorted(body["granted_roles"]) == ["OrderAdmin", "ProductAdmin"]

    def test_unknown_client_or_user_is_404(self, client, marketplace, owner):
        api = PortalApi(client, owner)
        missing_user = api.get("/organizations/acme-sbx/token", clientid="storefront", username="ghost")
        assert missing_user.status_code == 404
        assert missing_user.json()["Errors"][0]["Data"] == {"ObjectType": "User", "ObjectID": "ghost"}
        assert api.get("/organizations/acme-sbx/token", clientid="nope", username="buyer1").status_code == 404

    def test_without_any_impersonation_permission_no_client_or_user_is_looked_up(self, client, marketplace, owner, member):
        services.contributor_save(actor=owner, organization=marketplace_org(owner), username="mia", roles=["ProductReader"],
                                  is_admin=False, impersonate_buyer=False)  # fmt: skip
        api = PortalApi(client, member)
        for clientid, username in (("storefront", "ghost"), ("storefront", "buyer1"), ("nope", "x")):
            response = api.get("/organizations/acme-sbx/token", clientid=clientid, username=username)
            assert response.status_code == 403, (clientid, username)  # the same answer whatever exists

    def test_client_and_username_go_together(self, client, marketplace, owner):
        response = PortalApi(client, owner).get("/organizations/acme-sbx/token", clientid="storefront")
        assert response.status_code == 400
        assert error_messages(response) == [ERR_TOKEN_PARAMS]

    @pytest.mark.parametrize("names", [("clientID", "username"), ("ClientId", "UserName"), ("CLIENTID", "USERNAME")])
    def test_parameters_in_any_case_impersonate(self, client, marketplace, owner, names):
        # they were ignored: the owner asking for buyer1's token got a FullAccess token of their own
        query = {names[0]: "storefront", names[1]: "buyer1"}
        response = PortalApi(client, owner).get("/organizations/acme-sbx/token", **query)
        assert response.status_code == 200, response.content
        assert jwt.decode(response.json()["access_token"], options={"verify_signature": False})["usr"] == "buyer1"
        assert "FullAccess" not in roles_of(response.json()["access_token"])
        half = PortalApi(client, owner).get("/organizations/acme-sbx/token", ClientID="storefront")
        assert half.status_code == 400 and error_messages(half) == [ERR_TOKEN_PARAMS]


def refresh(client, refresh_token: str, client_id: str = ""):
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **({"client_id": client_id} if client_id else {})}
    return client.post("/core/sandbox/oauth/token", form)


class TestRefreshingAMintedToken:
    """The core API's refresh_token grant asks the portal what the contributor holds now
    (organizations.services.minted_token_roles): a refresh never gives back what was taken away."""

    def test_roles_taken_away_are_not_refreshed_back(self, client, marketplace, owner, member):
        org = marketplace_org(owner)
        services.contributor_save(actor=owner, organization=org, username="mia", roles=["ProductReader", "BuyerReader"],
                                  is_admin=False)  # fmt: skip
        first = PortalApi(client, member).get("/organizations/acme-sbx/token").json()
        services.contributor_save(actor=owner, organization=org, username="mia", roles=["BuyerReader", "OrderReader"],
                                  is_admin=False)  # fmt: skip
        refreshed = refresh(client, first["refresh_token"])
        assert refreshed.status_code == 200, refreshed.content
        assert roles_of(refreshed.json()["access_token"]) == ["BuyerReader"]  # not ProductReader, not OrderReader

    def test_a_removed_contributor_cannot_refresh(self, client, marketplace, owner, member):
        first = PortalApi(client, member).get("/organizations/acme-sbx/token").json()
        services.contributor_remove(actor=owner, organization=marketplace_org(owner), username="mia")
        response = refresh(client, first["refresh_token"])
        assert response.status_code == 400 and response.json()["error"] == "InvalidGrant"

    def test_an_impersonation_ends_with_the_permission(self, client, marketplace, owner, member):
        first = PortalApi(client, member).get("/organizations/acme-sbx/token", clientid="storefront", username="buyer1").json()
        second = refresh(client, first["refresh_token"], "storefront")
        assert second.status_code == 200 and roles_of(second.json()["access_token"]) == ["ProductReader"]
        services.contributor_save(actor=owner, organization=marketplace_org(owner), username="mia", roles=["ProductReader"],
                                  is_admin=False, impersonate_buyer=False)  # fmt: skip
        response = refresh(client, second.json()["refresh_token"], "storefront")
        assert response.status_code == 400 and response.json()["error"] == "InvalidGrant"


def products(client, token: str):
    return client.get("/core/sandbox/v1/products", HTTP_AUTHORIZATION=f"Bearer {token}")


class TestTokensHandedOutEndWithTheAccess:
    """A token the portal handed out (Portal API, "Reveal my token") stops working as soon as the
    contributor loses access, not when it expires; a refresh carries on with what is left."""

    def test_a_removed_contributors_token_is_refused_at_once(self, client, marketplace, owner, member):
        token = PortalApi(client, member).get("/organizations/acme-sbx/token").json()["access_token"]
        assert products(client, token).status_code == 200
        services.contributor_remove(actor=owner, organization=marketplace_org(owner), username="mia")
        response = products(client, token)
        assert response.status_code == 401, response.content

    def test_a_contributor_who_leaves_loses_their_tokens(self, client, marketplace, owner, member):
        token = PortalApi(client, member).get("/organizations/acme-sbx/token").json()["access_token"]
        services.contributor_remove(actor=member, organization=marketplace_org(member), username="mia")
        assert products(client, token).status_code == 401

    def test_a_role_taken_away_ends_the_token_and_the_refresh_gives_what_is_left(self, client, marketplace, owner, member):
        org = marketplace_org(owner)
        services.contributor_save(actor=owner, organization=org, username="mia", roles=["ProductReader", "BuyerReader"],
                                  is_admin=False)  # fmt: skip
        first = PortalApi(client, member).get("/organizations/acme-sbx/token").json()
        services.contributor_save(actor=owner, organization=org, username="mia", roles=["BuyerReader"], is_admin=False)
        assert products(client, first["access_token"]).status_code == 401
        refreshed = refresh(client, first["refresh_token"]).json()
        assert roles_of(refreshed["access_token"]) == ["BuyerReader"]
        response = client.get("/core/sandbox/v1/buyers", HTTP_AUTHORIZATION=f"Bearer {refreshed['access_token']}")
        assert response.status_code == 200  # the new token works at once
        fresh = PortalApi(client, member).get("/organizations/acme-sbx/token").json()["access_token"]
        assert client.get("/core/sandbox/v1/buyers", HTTP_AUTHORIZATION=f"Bearer {fresh}").status_code == 200

    def test_more_access_keeps_the_tokens(self, client, marketplace, owner, member):
        token = PortalApi(client, member).get("/organizations/acme-sbx/token").json()["access_token"]
        services.contributor_save(actor=owner, organization=marketplace_org(owner), username="mia",
                                  roles=["ProductReader", "BuyerReader"], is_admin=True)  # fmt: skip
        assert products(client, token).status_code == 200

    def test_an_impersonation_token_ends_with_the_permission(self, client, marketplace, owner, member):
        org = marketplace_org(owner)
        services.contributor_save(actor=owner, organization=org, username="mia", roles=["ProductReader", "Shopper"],
                                  is_admin=False)  # fmt: skip
        token = PortalApi(client, member).get(
            "/organizations/acme-sbx/token", clientid="storefront", username="buyer1"
        ).json()["access_token"]
        me = lambda: client.get("/core/sandbox/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")  # noqa: E731
        assert me().status_code == 200 and me().json()["Username"] == "buyer1"
        services.contributor_save(actor=owner, organization=org, username="mia", roles=["ProductReader", "Shopper"],
                                  is_admin=False, impersonate_buyer=False)  # fmt: skip
        assert me().status_code == 401

    def test_only_that_contributor_and_that_organization(self, client, marketplace, owner, member):
        owner_token = PortalApi(client, owner).get("/organizations/acme-sbx/token").json()["access_token"]
        services.contributor_remove(actor=owner, organization=marketplace_org(owner), username="mia")
        assert products(client, owner_token).status_code == 200


def test_me_revoke_tokens_with_a_contributor_token_says_there_is_no_user(client, marketplace, member):
    token = PortalApi(client, member).get("/organizations/acme-sbx/token").json()["access_token"]
    response = client.delete("/core/sandbox/v1/me/tokens", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert "issued by the portal for a contributor" in response.json()["Errors"][0]["Message"]


def marketplace_org(owner):
    from organizations.selectors import organization_get

    return organization_get(actor=owner, oc_id="acme-sbx")


class TestApiClients:
    def test_lists_clients(self, client, marketplace, member):
        response = PortalApi(client, member).get("/organizations/acme-sbx/apiclients")
        assert response.status_code == 200
        items = {c["Id"]: c for c in response.json()["Items"]}
        assert set(items) == {"storefront", "old-app"}
        assert items["storefront"] == {
            "Id": "storefront",
            "AppName": "Storefront",
            "Active": True,
            "AllowAnyBuyer": True,
            "AllowAnySupplier": False,
            "AllowSeller": True,
            "IsAnonBuyer": False,
            "AssignedBuyerCount": 0,
            "AssignedSupplierCount": 0,
            "AssignedWebhookCount": 0,
        }

    def test_search(self, client, marketplace, owner):
        body = PortalApi(client, owner).get("/organizations/acme-sbx/apiclients", search="store").json()
        assert [c["Id"] for c in body["Items"]] == ["storefront"]

    @pytest.mark.parametrize(
        "query,expected",
        [
            ({"Active": "false"}, ["old-app"]),
            ({"Active": "true"}, ["storefront"]),
            ({"AllowSeller": "true", "AppName": "Store*"}, ["storefront"]),
            ({"ID": "!storefront"}, ["old-app"]),
            ({"Id": "old-app|storefront"}, ["old-app", "storefront"]),
            ({"IsAnonBuyer": "true"}, []),
        ],
    )
    def test_filters_as_the_sdk_sends_them(self, client, marketplace, owner, query, expected):
        # ApiClients.List's `filters` (bare Key=value): they were ignored and every client listed
        body = PortalApi(client, owner).get("/organizations/acme-sbx/apiclients", **query).json()
        assert sorted(c["Id"] for c in body["Items"]) == expected
        assert body["Meta"]["TotalCount"] == len(expected)

    def test_unknown_filter_is_400(self, client, marketplace, owner):
        response = PortalApi(client, owner).get("/organizations/acme-sbx/apiclients", ClientSecret="x")
        assert response.status_code == 400 and error_codes(response) == ["InvalidRequest"]
        assert "AllowSeller" in error_messages(response)[0]

    def test_pages_go_past_the_first_200(self, client, marketplace, owner):
        # the list was the console picker's first 200: TotalCount said 200 and the rest could not be reached
        ApiClient.objects.bulk_create(
            ApiClient(marketplace=marketplace, oc_id=f"bulk-{i:03}", app_name=f"Bulk {i:03}") for i in range(210)
        )
        body = PortalApi(client, owner).get("/organizations/acme-sbx/apiclients", page=3, pageSize=100).json()
        assert body["Meta"] == {"Page": 3, "PageSize": 100, "TotalCount": 212, "TotalPages": 3, "ItemRange": [201, 212]}
        assert [c["Id"] for c in body["Items"]][-2:] == ["old-app", "storefront"]

    def test_users_page_past_the_first_200_of_the_kinds_you_may_impersonate(self, client, marketplace, member):
        # the 200 were cut before keeping the kinds the caller may impersonate: a member who may only
        # impersonate buyers saw none when the client had 200 admin users
        CoreUser.objects.bulk_create(
            CoreUser(marketplace=marketplace, oc_id=f"a{i:03}", kind=UserKind.ADMIN, username=f"admin{i:03}", active=True)
            for i in range(200)
        )
        CoreUser.objects.bulk_create(
            CoreUser(marketplace=marketplace, oc_id=f"b{i:03}", kind=UserKind.BUYER, company_id="b1",
                     username=f"bulk-buyer-{i:03}", active=True)
            for i in range(205)
        )
        api = PortalApi(client, member)
        body = api.get("/organizations/acme-sbx/apiclients/storefront/users", page=3, pageSize=100).json()
        assert body["Meta"]["TotalCount"] == 206 and body["Meta"]["ItemRange"] == [201, 206]
        assert {u["CommerceRole"] for u in body["Items"]} == {"Buyer"}
        assert body["Items"][-1]["Username"] == "buyer1" and body["Items"][-1]["CompanyName"] == "Buyer One"

    def test_users_are_only_those_you_may_impersonate(self, client, marketplace, owner, member):
        everyone = PortalApi(client, owner).get("/organizations/acme-sbx/apiclients/storefront/users").json()
        assert {(u["Username"], u["CommerceRole"]) for u in everyone["Items"]} == {
            ("seller1", "Seller"),
            ("buyer1", "Buyer"),
        }
        buyer = next(u for u in everyone["Items"] if u["Username"] == "buyer1")
        assert buyer == {
            "Username": "buyer1",
            "UserId": "u1",
            "FirstName": "Bea",
            "LastName": "Buyer",
            "Email": "bea@shop.test",
            "CommerceRole": "Buyer",
            "CompanyId": "b1",
            "CompanyName": "Buyer One",
            "UserActive": True,
        }
        member_view = PortalApi(client, member).get("/organizations/acme-sbx/apiclients/storefront/users").json()
        assert [u["Username"] for u in member_view["Items"]] == ["buyer1"]

    def test_unknown_client_is_404(self, client, marketplace, owner):
        response = PortalApi(client, owner).get("/organizations/acme-sbx/apiclients/nope/users")
        assert response.status_code == 404
        assert error_codes(response) == ["NotFound"] and error_messages(response) == ["ApiClient nope not found"]

    def test_contributor_without_console_access_is_403(self, client, marketplace, owner, member):
        services.contributor_save(actor=owner, organization=marketplace_org(owner), username="mia",
                                  roles=["OrderReader"], is_admin=False, impersonate_buyer=False)
        response = PortalApi(client, member).get("/organizations/acme-sbx/apiclients")
        assert response.status_code == 403
        assert error_messages(response) == [ERR_NO_CONSOLE_ACCESS]
