"""POST {base}/oauth/token: grants, OrderCloud's error codes, secrets, scope intersection."""

from datetime import timedelta

import jwt
import pytest
from django.utils import timezone

from coreapi import models as m
from coreapi.services import LOCKOUT_AFTER_FAILED_ATTEMPTS, user_unlock
from coreapi.testing import DEFAULT_CORE_PASSWORD, core_security_profile, core_user

pytestmark = pytest.mark.django_db


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def login(world, **form):
    base = {"grant_type": "password", "client_id": world.client_id, "username": "admin", "password": DEFAULT_CORE_PASSWORD}
    return world.token_response(**{**base, **form})


def assert_oauth_error(response, code: str):
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error", "error_description", "Errors"}
    assert body["error"] == code
    assert body["Errors"] == [{"ErrorCode": code, "Message": body["error_description"], "Data": None}]
    return body


class TestPasswordGrant:
    def test_returns_an_ordercloud_access_token(self, world):
        response = login(world)
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 600 * 60 and body["refresh_token"]
        c = claims(body["access_token"])
        assert (c["usr"], c["cid"], c["u"], c["usrtype"], c["role"]) == ("admin", "admin-client", "admin-user", "admin", ["FullAccess"])
        assert c["iss"] == c["aud"] == "http://127.0.0.1:8000/core/sandbox"
        assert c["exp"] > c["nbf"] and c["mkt"] == "mkt-one"
        assert jwt.get_unverified_header(body["access_token"])["kid"].startswith("sandbox-")
        assert response["X-oc-logid"]

    def test_wrong_password_and_unknown_user_are_the_same_answer(self, world):
        wrong_password = login(world, password="nope")
        unknown_user = login(world, username="nobody")
        assert wrong_password.status_code == unknown_user.status_code == 400
        assert wrong_password.json() == unknown_user.json()
        assert assert_oauth_error(wrong_password, "InvalidCredentials")["error_description"] == "Invalid username or password."

    def test_inactive_user_gives_nothing_away(self, world):
        m.CoreUser.objects.filter(username="admin").update(active=False)
        assert login(world).json() == login(world, username="nobody").json()

    def test_locked_user_gives_nothing_away_and_unlock_restores(self, world):
        for _ in range(LOCKOUT_AFTER_FAILED_ATTEMPTS):
            login(world, password="bad")
        assert_oauth_error(login(world), "InvalidCredentials")
        user_unlock(user=m.CoreUser.objects.get(username="admin"))  # UnlockUserAccount
        assert login(world).status_code == 200

    def test_unknown_client_is_invalid_grant(self, world):
        assert_oauth_error(login(world, client_id="nope"), "InvalidGrant")

    def test_inactive_client_is_invalid_grant(self, world):
        m.ApiClient.objects.filter(oc_id="admin-client").update(active=False)
        assert_oauth_error(login(world), "InvalidGrant")

    def test_client_without_allow_seller_is_invalid_grant_for_admin_users(self, world):
        m.ApiClient.objects.filter(oc_id="admin-client").update(allow_seller=False)
        assert_oauth_error(login(world), "InvalidGrant")

    def test_client_not_assigned_to_the_users_buyer_is_invalid_grant(self, world, shopper):
        assert_oauth_error(login(world, username="shopper"), "InvalidGrant")  # admin-client: AllowSeller only
        assert login(world, username="shopper", client_id="buyer-client").status_code == 200

    def test_allow_any_buyer_client_works_without_assignment(self, world, shopper):
        m.ApiClient.objects.filter(oc_id="admin-client").update(allow_any_buyer=True)
        assert login(world, username="shopper").status_code == 200

    def test_supplier_user_needs_assignment_or_allow_any_supplier(self, world):
        m.Supplier.objects.create(marketplace=world.marketplace, oc_id="sup", name="Sup", active=True)
        core_user(world.marketplace, kind=m.UserKind.SUPPLIER, company_id="sup", user_id="su")
        assert_oauth_error(login(world, username="su"), "InvalidGrant")
        m.ApiClientAssignment.objects.create(marketplace=world.marketplace, api_client_id="admin-client", supplier_id="sup")
        assert claims(login(world, username="su").json()["access_token"])["usrtype"] == "supplier"

    def test_missing_fields_are_invalid_request(self, world):
        body = assert_oauth_error(world.token_response(grant_type="password", client_id="admin-client"), "InvalidRequest")
        assert "username" in body["error_description"]

    def test_unsupported_and_missing_grant_type(self, world):
        assert_oauth_error(world.token_response(grant_type="magic"), "UnsupportedGrantType")
        assert_oauth_error(world.token_response(), "InvalidRequest")

    @pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
    def test_a_body_that_is_not_form_encoded_is_named(self, world, content_type):
        import json

        fields = {"grant_type": "password", "client_id": "admin-client", "username": "admin",
                  "password": DEFAULT_CORE_PASSWORD}  # fmt: skip
        response = world.http.post(world.url("/oauth/token"), data=json.dumps(fields), content_type=content_type)
        body = assert_oauth_error(response, "InvalidRequest")
        assert body["error_description"] == (
            "The token request must be form-encoded (Content-Type: application/x-www-form-urlencoded, "
            f"grant_type=...&client_id=...), not {content_type}."
        )

    def test_a_form_encoded_body_signs_in(self, world):
        from urllib.parse import urlencode

        fields = {"grant_type": "password", "client_id": "admin-client", "username": "admin",
                  "password": DEFAULT_CORE_PASSWORD}  # fmt: skip
        for content_type in ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8"):
            response = world.http.post(world.url("/oauth/token"), data=urlencode(fields), content_type=content_type)
            assert response.status_code == 200, response.content
        assert login(world).status_code == 200  # multipart/form-data too


class TestClientSecret:
    @pytest.fixture
    def secret(self, world):
        m.ApiClient.objects.filter(oc_id="admin-client").update(client_secret="s3cret")

    def test_missing_secret_is_invalid_grant(self, world, secret):
        assert_oauth_error(login(world), "InvalidGrant")

    def test_wrong_secret_is_invalid_grant(self, world, secret):
        assert_oauth_error(login(world, client_secret="nope"), "InvalidGrant")

    def test_right_secret_works(self, world, secret):
        assert login(world, client_secret="s3cret").status_code == 200

    def test_every_grant_requires_it(self, world, secret):
        m.ApiClient.objects.filter(oc_id="admin-client").update(default_context_user_name="admin")
        assert_oauth_error(world.token_response(grant_type="client_credentials", client_id="admin-client"), "InvalidGrant")
        refresh = login(world, client_secret="s3cret").json()["refresh_token"]
        # refresh_token grant: the token itself is the proof, bound to the client
        assert world.token_response(grant_type="refresh_token", refresh_token=refresh, client_id="admin-client").status_code == 200


class TestScope:
    @pytest.fixture
    def limited(self, world):
        m.SecurityProfile.objects.filter(oc_id="admin-profile").update(
            roles=["ProductReader", "BuyerAdmin"], custom_roles=["MyCustomRole"]
        )

    def test_no_scope_gives_all_available_roles(self, world, limited):
        assert claims(login(world).json()["access_token"])["role"] == ["BuyerAdmin", "ProductReader", "MyCustomRole"]

    def test_scope_is_intersected_and_asking_for_more_is_not_an_error(self, world, limited):
        token = login(world, scope="ProductReader ProductAdmin OrderAdmin MyCustomRole OtherCustom").json()["access_token"]
        assert claims(token)["role"] == ["ProductReader", "MyCustomRole"]

    def test_full_access_covers_every_requested_role(self, world):
        assert claims(login(world, scope="ProductAdmin MeAdmin").json()["access_token"])["role"] == ["ProductAdmin", "MeAdmin"]

    def test_roles_come_from_buyer_group_and_user_level_profiles(self, world, shopper):
        mp = world.marketplace
        m.UserGroup.objects.create(marketplace=mp, buyer_id="buyer-1", oc_id="g1", name="G")
        m.UserGroupAssignment.objects.create(marketplace=mp, buyer_id="buyer-1", user_group_id="g1", user_id="buyer-user")
        core_security_profile(mp, profile_id="group-p", roles=["OrderReader"], buyer_id="buyer-1", user_group_id="g1")
        core_security_profile(mp, profile_id="user-p", roles=["PasswordReset"], buyer_id="buyer-1", user_id="buyer-user")
        core_security_profile(mp, profile_id="other-user-p", roles=["OrderAdmin"], buyer_id="buyer-1", user_id="someone")
        token = login(world, username="shopper", client_id="buyer-client").json()["access_token"]
        assert claims(token)["role"] == ["MeAdmin", "OrderReader", "PasswordReset", "Shopper"]

    def test_client_maximum_granted_roles_cap_the_token(self, world):
        m.ApiClient.objects.filter(oc_id="admin-client").update(maximum_granted_roles=["ProductReader"])
        assert claims(login(world).json()["access_token"])["role"] == ["ProductReader"]

    def test_client_minimum_required_roles_refuse_users_without_them(self, world, limited):
        m.ApiClient.objects.filter(oc_id="admin-client").update(minimum_required_roles=["OrderAdmin"])
        assert_oauth_error(login(world), "InvalidGrant")


class TestClientCredentials:
    def test_acts_as_the_default_context_user(self, world):
        m.ApiClient.objects.filter(oc_id="admin-client").update(default_context_user_name="admin", client_secret="s")
        response = world.token_response(grant_type="client_credentials", client_id="admin-client", client_secret="s", scope="ProductReader")
        assert response.status_code == 200
        assert (claims(response.json()["access_token"])["usr"], claims(response.json()["access_token"])["role"]) == ("admin", ["ProductReader"])

    def test_without_default_context_user_is_invalid_grant(self, world):
        assert_oauth_error(world.token_response(grant_type="client_credentials", client_id="admin-client"), "InvalidGrant")

    @pytest.mark.parametrize("username", ["ghost", "sleeper"])
    def test_a_default_context_user_that_is_missing_or_inactive_is_named(self, world, username):
        core_user(world.marketplace, user_id="sleeper", active=False)
        m.ApiClient.objects.filter(oc_id="admin-client").update(default_context_user_name=username, client_secret="s")
        body = assert_oauth_error(
            world.token_response(grant_type="client_credentials", client_id="admin-client", client_secret="s"),
            "InvalidGrant",
        )
        assert body["error_description"] == (
            f"This API client's DefaultContextUserName, '{username}', is not an active user of this marketplace, so "
            "client_credentials cannot be used: create or activate that user, or name another one."
        )

    def test_anonymous_shopper_grant(self, world, shopper):
        m.ApiClient.objects.filter(oc_id="buyer-client").update(is_anon_buyer=True, default_context_user_name="shopper")
        response = world.token_response(grant_type="client_credentials", client_id="buyer-client", scope="Shopper", anonuserid="anon-1")
        assert response.status_code == 200
        c = claims(response.json()["access_token"])
        assert (c["usrtype"], c["role"], c["orderid"]) == ("buyer", ["Shopper"], "anon-1")
        assert response.json()["refresh_token"] is None


class TestRefreshToken:
    def test_is_single_use_and_rotated(self, world):
        first = login(world).json()["refresh_token"]
        response = world.token_response(grant_type="refresh_token", refresh_token=first, client_id="admin-client")
        assert response.status_code == 200
        second = response.json()["refresh_token"]
        assert second and second != first
        assert_oauth_error(world.token_response(grant_type="refresh_token", refresh_token=first, client_id="admin-client"), "InvalidGrant")

    def test_is_stored_hashed(self, world):
        token = login(world).json()["refresh_token"]
        assert not m.RefreshToken.objects.filter(token_hash=token).exists()
        assert m.RefreshToken.objects.count() == 1

    def test_other_client_or_garbage_is_invalid_grant(self, world):
        token = login(world).json()["refresh_token"]
        assert_oauth_error(world.token_response(grant_type="refresh_token", refresh_token=token, client_id="other"), "InvalidGrant")
        assert_oauth_error(world.token_response(grant_type="refresh_token", refresh_token="garbage", client_id="admin-client"), "InvalidGrant")

    def test_revoked_by_revoke_user_tokens(self, world, admin_token):
        token = login(world).json()["refresh_token"]
        assert world.call("delete", "/v1/adminusers/admin-user/tokens", admin_token).status_code == 204
        assert_oauth_error(world.token_response(grant_type="refresh_token", refresh_token=token, client_id="admin-client"), "InvalidGrant")

    def test_revoked_by_me_revoke_tokens(self, world):
        body = login(world).json()
        assert world.call("delete", "/v1/me/tokens", body["access_token"]).status_code == 204
        response = world.token_response(grant_type="refresh_token", refresh_token=body["refresh_token"], client_id="admin-client")
        assert_oauth_error(response, "InvalidGrant")

    def test_roles_taken_away_since_the_sign_in_are_not_refreshed_back(self, world, shopper):
        signed_in = world.token_response(grant_type="password", client_id="buyer-client", username="shopper",
                                         password=world.password).json()  # fmt: skip
        assert jwt.decode(signed_in["access_token"], options={"verify_signature": False})["role"] == ["MeAdmin", "Shopper"]
        m.SecurityProfile.objects.filter(oc_id="buyer-1-profile").update(roles=["Shopper"])
        refreshed = world.token_response(grant_type="refresh_token", client_id="buyer-client",
                                         refresh_token=signed_in["refresh_token"]).json()  # fmt: skip
        assert jwt.decode(refreshed["access_token"], options={"verify_signature": False})["role"] == ["Shopper"]
        # nor added: a role given since needs a new sign-in (the refresh keeps the first grant's scope)
        m.SecurityProfile.objects.filter(oc_id="buyer-1-profile").update(roles=["Shopper", "MeAdmin", "ProductReader"])
        again = world.token_response(grant_type="refresh_token", client_id="buyer-client",
                                     refresh_token=refreshed["refresh_token"]).json()  # fmt: skip
        assert jwt.decode(again["access_token"], options={"verify_signature": False})["role"] == ["Shopper"]

    def _shopper_refresh(self, world):
        signed_in = world.token_response(grant_type="password", client_id="buyer-client", username="shopper",
                                         password=world.password).json()  # fmt: skip
        return lambda: world.token_response(grant_type="refresh_token", client_id="buyer-client",
                                            refresh_token=signed_in["refresh_token"])  # fmt: skip

    def test_a_deactivated_buyer_s_users_cannot_refresh(self, world, shopper):
        # the password grant refuses them; a refresh token from before must not carry on regardless
        refresh = self._shopper_refresh(world)
        m.Buyer.objects.filter(oc_id="buyer-1").update(active=False)
        assert_oauth_error(refresh(), "InvalidGrant")

    def test_a_client_no_longer_assigned_to_the_buyer_cannot_refresh(self, world, shopper):
        refresh = self._shopper_refresh(world)
        m.ApiClientAssignment.objects.filter(api_client_id="buyer-client", buyer_id="buyer-1").delete()
        assert_oauth_error(refresh(), "InvalidGrant")

    def test_a_seller_client_that_stops_allowing_sellers_cannot_refresh(self, world):
        token = login(world).json()["refresh_token"]
        m.ApiClient.objects.filter(oc_id="admin-client").update(allow_seller=False)
        response = world.token_response(grant_type="refresh_token", refresh_token=token, client_id="admin-client")
        assert_oauth_error(response, "InvalidGrant")

    def test_a_lock_or_an_expired_password_does_not_end_a_signed_in_session(self, world, shopper):
        # a lock stops guessing the password; it must not sign the real user out (anyone who knows
        # the username could lock it), and an expired password is asked to change at the next sign-in
        refresh = self._shopper_refresh(world)
        m.CoreUser.objects.filter(username="shopper").update(
            locked_until=timezone.now() + timedelta(minutes=10), password_last_set_date=timezone.now() - timedelta(days=400)
        )
        m.SecurityProfile.objects.filter(oc_id="buyer-1-profile").update(password_config={"MaximumPasswordAge": 30})
        assert refresh().status_code == 200

    def test_client_without_refresh_duration_issues_none(self, world):
        m.ApiClient.objects.filter(oc_id="admin-client").update(refresh_token_duration=0)
        assert login(world).json()["refresh_token"] is None
