"""Revoking a user's tokens ends their access tokens too, not only the refresh tokens
(RevokeUserTokens, Me.RevokeTokens, deleting the user or their company): coreapi.models.TokenRevocation."""

from datetime import timedelta

import jwt
import pytest
from django.utils import timezone

from coreapi import auth
from coreapi import models as m
from coreapi.testing import core_buyer

pytestmark = pytest.mark.django_db

REVOKE = "/v1/buyers/buyer-1/users/buyer-user/tokens"


@pytest.fixture
def shopper_token(world, shopper):
    return world.token(username="shopper", client_id="buyer-client")


def works(world, token) -> bool:
    response = world.call("get", "/v1/me", token)
    assert response.status_code in (200, 401), response.content
    return response.status_code == 200


def claims(token) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


class TestRevokeUserTokens:
    def test_the_users_access_token_stops_working_at_once(self, world, admin_token, shopper_token):
        assert works(world, shopper_token)
        assert world.call("delete", REVOKE, admin_token).status_code == 204
        response = world.call("get", "/v1/me", shopper_token)
        assert response.status_code == 401
        assert response.json()["Errors"][0]["ErrorCode"] == "InvalidToken"
        assert world.call("get", "/v1/products", admin_token).status_code == 200  # nobody else's

    def test_a_new_sign_in_works_at_once_and_survives_until_the_next_revocation(self, world, admin_token, shopper_token):
        world.call("delete", REVOKE, admin_token)
        fresh = world.token(username="shopper", client_id="buyer-client")
        assert claims(fresh)["gen"] == 1
        assert works(world, fresh) and not works(world, shopper_token)
        world.call("delete", REVOKE, admin_token)
        newest = world.token(username="shopper", client_id="buyer-client")
        assert (works(world, fresh), works(world, newest), claims(newest)["gen"]) == (False, True, 2)

    def test_refresh_tokens_are_revoked_as_before(self, world, admin_token, shopper):
        refresh = world.token_response(grant_type="password", client_id="buyer-client", username="shopper",
                                       password=world.password).json()["refresh_token"]  # fmt: skip
        world.call("delete", REVOKE, admin_token)
        response = world.token_response(grant_type="refresh_token", client_id="buyer-client", refresh_token=refresh)
        assert response.status_code == 400 and response.json()["error"] == "InvalidGrant"

    def test_impersonation_tokens_of_the_user_stop_too(self, world, admin_token, shopper):
        response = world.call("post", "/v1/buyers/buyer-1/users/buyer-user/accesstoken", admin_token,
                              {"ClientID": "buyer-client", "Roles": ["Shopper"]})  # fmt: skip
        impersonating = response.json()["access_token"]
        assert works(world, impersonating)
        world.call("delete", REVOKE, admin_token)
        assert not works(world, impersonating)
        assert world.call("get", "/v1/products", admin_token).status_code == 200  # the impersonator's own token

    def test_a_same_id_user_of_another_buyer_keeps_working(self, world, admin_token, shopper_token):
        core_buyer(world, buyer_id="buyer-2", user_id="buyer-user", username="shopper-2")
        other = world.token(username="shopper-2", client_id="buyer-client")
        world.call("delete", REVOKE, admin_token)
        assert works(world, other) and not works(world, shopper_token)


class TestMeRevokeTokens:
    def test_signs_the_caller_out_everywhere(self, world, shopper_token):
        second = world.token(username="shopper", client_id="buyer-client")
        assert world.call("delete", "/v1/me/tokens", shopper_token).status_code == 204
        assert not works(world, shopper_token) and not works(world, second)
        assert works(world, world.token(username="shopper", client_id="buyer-client"))


class TestDeletion:
    def test_a_deleted_users_token_stops_and_a_recreated_user_does_not_inherit_it(self, world, admin_token, shopper_token):
        assert world.call("delete", "/v1/buyers/buyer-1/users/buyer-user", admin_token).status_code == 204
        assert not works(world, shopper_token)
        created = world.call("post", "/v1/buyers/buyer-1/users", admin_token, {
            "ID": "buyer-user", "Username": "shopper", "Password": world.password, "FirstName": "A", "LastName": "B",
            "Email": "a@example.com", "Active": True})  # fmt: skip
        assert created.status_code == 201, created.content
        assert not works(world, shopper_token)
        assert works(world, world.token(username="shopper", client_id="buyer-client"))

    def test_deleting_the_buyer_ends_its_users_tokens(self, world, admin_token, shopper_token):
        assert world.call("delete", "/v1/buyers/buyer-1", admin_token).status_code == 204
        assert not works(world, shopper_token)
        assert m.TokenRevocation.objects.filter(user_kind="buyer", company_id="buyer-1", user_id="buyer-user").exists()


class TestApiClientDeletion:
    def test_tokens_issued_through_a_deleted_client_stop_and_a_recreated_one_starts_clean(self, world, admin_token, shopper):
        signed_in = world.token_response(grant_type="password", client_id="buyer-client", username="shopper",
                                         password=world.password).json()  # fmt: skip
        token, refresh = signed_in["access_token"], signed_in["refresh_token"]
        assert works(world, token)
        assert world.call("delete", "/v1/apiclients/buyer-client", admin_token).status_code == 204
        response = world.call("get", "/v1/me", token)
        assert response.status_code == 401 and response.json()["Errors"][0]["ErrorCode"] == "InvalidToken"
        assert world.call("patch", "/v1/me", token, {"FirstName": "Eve"}).status_code == 401
        assert world.token_response(grant_type="refresh_token", client_id="buyer-client",
                                    refresh_token=refresh).status_code == 400  # fmt: skip
        assert works(world, admin_token)  # another client's tokens are untouched

        # the same client ID again (a second later: tokens carry whole seconds) serves new sign-ins only
        m.TokenRevocation.objects.filter(user_kind=m.REVOKED_API_CLIENT).update(
            revoked_at=timezone.now() - timedelta(seconds=2))
        auth.marketplace_cache_clear()
        m.ApiClient.objects.create(marketplace=world.marketplace, oc_id="buyer-client", app_name="Storefront again")
        m.ApiClientAssignment.objects.create(marketplace=world.marketplace, api_client_id="buyer-client", buyer_id="buyer-1")
        assert works(world, world.token(username="shopper", client_id="buyer-client"))


class TestOtherProcesses:
    """A process that cached the marketplace before the revocation (simulated by putting its entry
    back) refuses the token for writes at once and for reads once the entry is older than
    MARKETPLACE_CACHE_SECONDS, as for a deleted marketplace (coreapi.auth)."""

    def test_writes_at_once_reads_after_the_cache_interval(self, world, admin_token, shopper_token, monkeypatch):
        assert works(world, shopper_token)
        key = (world.environment, world.marketplace.marketplace_id)
        stale = auth._marketplace_pks[key]
        world.call("delete", REVOKE, admin_token)
        auth._marketplace_pks[key] = stale
        assert works(world, shopper_token)  # a read within the interval: served from the old entry
        patch = world.call("patch", "/v1/me", shopper_token, {"FirstName": "Eve"})
        assert patch.status_code == 401
        assert m.CoreUser.objects.get(oc_id="buyer-user", company_id="buyer-1").first_name != "Eve"
        auth._marketplace_pks[key] = stale
        monkeypatch.setattr(auth, "MARKETPLACE_CACHE_SECONDS", 0.0)
        assert not works(world, shopper_token)


class TestClaim:
    @pytest.mark.parametrize("gen", [-1, "1", 1.5, None])
    def test_a_malformed_generation_is_an_invalid_token(self, world, admin_token, gen):
        from coreapi.tokens import signing_key

        kid, key = signing_key(world.environment)
        forged = jwt.encode({**claims(admin_token), "gen": gen}, key, algorithm="HS256", headers={"kid": kid})
        assert world.call("get", "/v1/products", forged).status_code == 401
