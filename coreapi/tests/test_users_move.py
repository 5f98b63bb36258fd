"""Users.Move: POST /v1/buyers/{buyerID}/users/{userID}/moveto/{newBuyerID}?orders=None|Unsubmitted|All."""

import pytest

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD, core_security_profile, core_user, core_world
from coreapi.testing import api_error as error

pytestmark = pytest.mark.django_db

MOVE = "/v1/buyers/buyer-1/users/buyer-user/moveto/buyer-2?orders=None"


@pytest.fixture
def second_buyer(world, shopper):
    """buyer-2 with its own storefront client and a buyer-level profile (Shopper only)."""
    mp = world.marketplace
    m.Buyer.objects.create(marketplace=mp, oc_id="buyer-2", name="Buyer Two", active=True)
    m.ApiClient.objects.create(marketplace=mp, oc_id="buyer-2-client", app_name="Two", allow_any_buyer=False)
    m.ApiClientAssignment.objects.create(marketplace=mp, api_client_id="buyer-2-client", buyer_id="buyer-2")
    core_security_profile(mp, profile_id="two-shopper", roles=["Shopper"], buyer_id="buyer-2")


def shopper_login(world, client_id: str):
    return world.token_response(grant_type="password", client_id=client_id, username="shopper",
                                password=DEFAULT_CORE_PASSWORD)


class TestMove:
    def test_the_user_moves_with_its_id_username_and_password(self, world, admin_token, shopper, second_buyer):
        response = world.call("post", MOVE, admin_token)
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["ID"], body["Username"], body["CompanyID"]) == ("buyer-user", "shopper", "buyer-2")
        assert body["AvailableRoles"] == ["Shopper"]  # buyer-2's profile now, not buyer-1's MeAdmin
        error(world.call("get", "/v1/buyers/buyer-1/users/buyer-user", admin_token), 404, "NotFound")
        assert world.call("get", "/v1/buyers/buyer-2/users/buyer-user", admin_token).json()["Username"] == "shopper"
        # signs in through the new buyer's client with the same password; the old buyer's client refuses
        assert shopper_login(world, "buyer-2-client").status_code == 200
        assert shopper_login(world, "buyer-client").json()["error"] == "InvalidGrant"

    def test_tokens_from_before_the_move_stop_working(self, world, admin_token, shopper, second_buyer):
        old = shopper_login(world, "buyer-client").json()
        assert world.call("get", "/v1/me", old["access_token"]).status_code == 200
        assert world.call("post", MOVE, admin_token).status_code == 201
        assert error(world.call("get", "/v1/me", old["access_token"]), 401, "InvalidToken")
        refreshed = world.token_response(grant_type="refresh_token", refresh_token=old["refresh_token"],
                                         client_id="buyer-client")
        assert refreshed.json()["error"] == "InvalidGrant"

    def test_it_leaves_the_old_buyers_groups_and_keeps_its_own_profiles(self, world, admin_token, shopper, second_buyer):
        mp = world.marketplace
        m.UserGroup.objects.create(marketplace=mp, oc_id="vip", buyer_id="buyer-1", name="VIP")
        m.UserGroupAssignment.objects.create(marketplace=mp, buyer_id="buyer-1", user_group_id="vip", user_id="buyer-user")
        core_security_profile(mp, profile_id="personal", roles=["OrderReader"], buyer_id="buyer-1", user_id="buyer-user")
        body = world.call("post", MOVE, admin_token).json()
        assert body["AvailableRoles"] == ["OrderReader", "Shopper"]
        assert not m.UserGroupAssignment.objects.filter(user_id="buyer-user").exists()
        assert m.SecurityProfileAssignment.objects.get(security_profile_id="personal").buyer_id == "buyer-2"

    @pytest.mark.parametrize("query", ["", "?orders=Some"])
    def test_orders_must_be_one_of_the_options(self, world, admin_token, shopper, second_buyer, query):
        item = error(world.call("post", MOVE.split("?")[0] + query, admin_token), 400, "InvalidRequest")
        assert item["Data"]["Field"] == "orders" and "None, Unsubmitted or All" in item["Message"]
        assert m.CoreUser.objects.get(oc_id="buyer-user").company_id == "buyer-1"

    def test_unknown_user_or_buyer_and_another_marketplaces_buyer_are_not_found(self, world, admin_token, shopper):
        item = error(world.call("post", "/v1/buyers/buyer-1/users/ghost/moveto/buyer-1?orders=All", admin_token), 404, "NotFound")
        assert item["Data"] == {"ObjectType": "User", "ObjectID": "ghost"}
        other = core_world(marketplace_id="mkt-two", client_id="c2")
        m.Buyer.objects.create(marketplace=other.marketplace, oc_id="theirs", name="Theirs")
        item = error(world.call("post", "/v1/buyers/buyer-1/users/buyer-user/moveto/theirs?orders=All", admin_token), 404, "NotFound")
        assert item["Data"] == {"ObjectType": "Buyer", "ObjectID": "theirs"}
        assert m.CoreUser.objects.get(oc_id="buyer-user").company_id == "buyer-1"

    def test_a_user_with_the_same_id_in_the_new_buyer_is_a_conflict(self, world, admin_token, shopper, second_buyer):
        core_user(world.marketplace, kind=m.UserKind.BUYER, company_id="buyer-2", user_id="buyer-user", username="other")
        item = error(world.call("post", MOVE, admin_token), 409, "IdExists")
        assert item["Data"] == {"ObjectType": "User", "ObjectID": "buyer-user"}

    def test_needs_buyer_user_admin(self, world, shopper, second_buyer):
        reader = world.admin_token(scope="BuyerUserReader")
        error(world.call("post", MOVE, reader), 403, "InsufficientRoles")
