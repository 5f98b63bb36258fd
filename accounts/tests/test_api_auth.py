"""Portal API sign-in: POST /api/v1/oauth/token, /oauth/revoke and the Bearer check."""

import time

import jwt
import pytest
from django.core.cache import cache
from django.test import Client

from portal.api_auth import ERR_NOT_A_FORM
from portal.apiauth import services as auth
from portal.apiauth.models import PortalRefreshToken
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.portal_api import PortalApi, error_codes, error_messages

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/oauth/token"
REVOKE_URL = "/api/v1/oauth/revoke"


@pytest.fixture(autouse=True)
def _clear_login_failures():
    cache.clear()
    yield
    cache.clear()


def login(client, *, address: str = "", forwarded_for: str = "", **form):
    extra = {"REMOTE_ADDR": address} if address else {}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(TOKEN_URL, form, **extra)


def fail(client, username="hamlet", **kwargs):
    response = login(client, grant_type="password", username=username, password="wrong-wrong", **kwargs)
    assert response.status_code == 400, response.content
    return response


def is_locked(response) -> bool:
    if response.status_code == 429:
        assert response.json() == {"error": "invalid_grant", "error_description": auth.ERR_TOO_MANY_FAILURES}
        return True
    return False


def decode(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


class TestPasswordGrant:
    def test_signs_in_with_username_and_returns_a_jwt_the_sdk_can_read(self, client, user, settings):
        response = login(client, grant_type="password", username="hamlet", password=DEFAULT_PASSWORD)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) >= {"access_token", "refresh_token", "expires_in"}
        assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
        claims = decode(body["access_token"])
        assert claims["usr"] == "hamlet"
        assert claims["sub"] == str(user.pk)
        assert claims["iss"] == settings.PORTAL_BASE_URL
        assert claims["aud"] == f"{settings.PORTAL_BASE_URL}/api/v1"
        assert claims["nbf"] <= time.time() < claims["exp"]
        assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"

    def test_an_account_without_a_portal_username_is_asked_to_choose_one_on_the_web_first(self, client, settings):
        """As every web page does: such a user made organizations owned by "Username": null."""
        zoe = UserFactory(username=None, email="zoe@example.com")
        response = login(client, grant_type="password", username="zoe@example.com", password=DEFAULT_PASSWORD)
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_grant",
            "error_description": auth.ERR_USERNAME_NOT_CHOSEN.format(url=f"{settings.PORTAL_BASE_URL}/accounts/login/"),
        }
        assert "choose one" in response.json()["error_description"]
        zoe.username = "zoe"
        zoe.save(update_fields=["username"])
        assert login(client, grant_type="password", username="zoe", password=DEFAULT_PASSWORD).status_code == 200

    def test_a_refresh_token_of_an_account_without_a_username_is_refused_the_same_way(self, client, user):
        tokens = login(client, grant_type="password", username="hamlet", password=DEFAULT_PASSWORD).json()
        user.username = None  # e.g. staff cleared it in the admin: the next sign-in asks for one
        user.save(update_fields=["username"])
        response = login(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert response.status_code == 400 and "no portal username" in response.json()["error_description"]

    def test_signs_in_with_email_in_any_case(self, client, user):
        response = login(client, grant_type="password", username="Hamlet@Example.com", password=DEFAULT_PASSWORD)
        assert response.status_code == 200
        assert decode(response.json()["access_token"])["usr"] == "hamlet"

    def test_signs_in_with_another_confirmed_address_of_the_account_as_the_web_does(self, client, user):
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        EmailAddress.objects.create(user=user, email="prince@elsinore.example", verified=True, primary=False)
        web = Client().post("/accounts/login/", {"login": "Prince@Elsinore.example", "password": DEFAULT_PASSWORD})
        assert web.status_code == 302
        response = login(client, grant_type="password", username="Prince@Elsinore.example", password=DEFAULT_PASSWORD)
        assert response.status_code == 200, response.content
        assert decode(response.json()["access_token"])["usr"] == "hamlet"

    def test_an_unconfirmed_extra_address_does_not_sign_in(self, client, user):
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email="claimed@elsinore.example", verified=False, primary=False)
        response = login(client, grant_type="password", username="claimed@elsinore.example", password=DEFAULT_PASSWORD)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"

    def test_recaptcha_token_is_accepted_and_ignored(self, client, user):
        response = login(
            client, grant_type="password", username="hamlet", password=DEFAULT_PASSWORD, recaptchaToken="x"
        )
        assert response.status_code == 200

    def test_unknown_user_and_wrong_password_get_the_same_answer(self, client, user):
        wrong_password = login(client, grant_type="password", username="hamlet", password="nope-nope-nope")
        unknown_user = login(client, grant_type="password", username="nobody", password="nope-nope-nope")
        assert wrong_password.status_code == unknown_user.status_code == 400
        assert wrong_password.json() == unknown_user.json() == {
            "error": "invalid_grant",
            "error_description": auth.ERR_CREDENTIALS_INVALID,
        }

    def test_inactive_user_cannot_sign_in(self, client, user):
        user.is_active = False
        user.save()
        response = login(client, grant_type="password", username="hamlet", password=DEFAULT_PASSWORD)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    def test_missing_password_is_an_invalid_request(self, client, user):
        response = login(client, grant_type="password", username="hamlet")
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_request", "error_description": auth.ERR_CREDENTIALS_MISSING}

    @pytest.mark.parametrize("grant_type", ["", "client_credentials", "PASSWORD"])
    def test_other_grant_types_are_refused(self, client, user, grant_type):
        response = login(client, grant_type=grant_type, username="hamlet", password=DEFAULT_PASSWORD)
        assert response.status_code == 400
        assert response.json() == {"error": "unsupported_grant_type", "error_description": auth.ERR_GRANT_TYPE}

    def test_a_json_body_is_not_a_form(self, client, user):
        response = client.post(
            TOKEN_URL, {"grant_type": "password", "username": "hamlet"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"
        # it said "grant_type must be 'password' or 'refresh_token'" to a client that sent grant_type=password
        assert response.json()["error_description"] == ERR_NOT_A_FORM.format(content_type="application/json")

    def test_repeated_failures_lock_the_login_for_a_while(self, client, user, settings):
        settings.PORTAL_API_LOGIN_FAILURE_LIMIT = 3
        for _ in range(3):
            fail(client)
        locked = login(client, grant_type="password", username="hamlet", password=DEFAULT_PASSWORD)
        assert is_locked(locked)


class TestLockout:
    """Failures count per login + address, per address and per login (portal.apiauth.services)."""

    @pytest.fixture(autouse=True)
    def _limits(self, settings):
        settings.PORTAL_API_LOGIN_FAILURE_LIMIT = 3
        settings.PORTAL_API_ADDRESS_FAILURE_LIMIT = 5
        settings.PORTAL_API_LOGIN_GLOBAL_FAILURE_LIMIT = 8

    def sign_in(self, client, username="hamlet", **kwargs):
        return login(client, grant_type="password", username=username, password=DEFAULT_PASSWORD, **kwargs)

    def test_someone_elsewhere_cannot_lock_the_user_out(self, client, user):
        for _ in range(3):
            fail(client, address="203.0.113.9")
        assert is_locked(self.sign_in(client, address="203.0.113.9"))
        assert self.sign_in(client, address="198.51.100.7").status_code == 200

    def test_one_address_trying_many_accounts_is_stopped(self, client, user):
        UserFactory(username="ophelia")
        for name in ("nobody-1", "nobody-2", "nobody-3", "nobody-4", "nobody-5"):
            fail(client, username=name, address="203.0.113.9")
        assert is_locked(self.sign_in(client, username="ophelia", address="203.0.113.9"))
        assert self.sign_in(client, username="ophelia", address="198.51.100.7").status_code == 200

    def test_many_addresses_guessing_one_account_are_stopped(self, client, user):
        for i in range(8):
            fail(client, address=f"203.0.113.{i + 1}")
        assert is_locked(self.sign_in(client, address="198.51.100.7"))

    def test_a_success_clears_only_its_own_failures(self, client, user):
        for _ in range(2):
            fail(client, address="203.0.113.9")
        assert self.sign_in(client, address="203.0.113.9").status_code == 200
        for _ in range(2):
            fail(client, address="203.0.113.9")
        assert self.sign_in(client, address="203.0.113.9").status_code == 200  # 2 + 2 > 3, but cleared between

    def test_without_trusted_proxies_x_forwarded_for_is_ignored(self, client, user, settings):
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
        for i in range(3):  # a client rotating a forged header is still one address
            fail(client, address="203.0.113.9", forwarded_for=f"192.0.2.{i}")
        assert is_locked(self.sign_in(client, address="203.0.113.9", forwarded_for="192.0.2.200"))

    def test_behind_a_trusted_proxy_clients_are_told_apart(self, client, user, settings):
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
        proxy = "10.0.0.2"
        for _ in range(3):  # what the client writes itself (the left entry) does not count
            fail(client, address=proxy, forwarded_for="192.0.2.1, 203.0.113.9")
        assert is_locked(self.sign_in(client, address=proxy, forwarded_for="192.0.2.99, 203.0.113.9"))
        assert self.sign_in(client, address=proxy, forwarded_for="198.51.100.7").status_code == 200


class TestRefreshAndRevoke:
    def _tokens(self, client):
        return login(client, grant_type="password", username="hamlet", password=DEFAULT_PASSWORD).json()

    def test_refresh_token_is_stored_hashed(self, client, user):
        tokens = self._tokens(client)
        stored = PortalRefreshToken.objects.get(user=user)
        assert stored.token_hash != tokens["refresh_token"]
        assert tokens["refresh_token"] not in stored.token_hash

    def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(self, client, user):
        tokens = self._tokens(client)
        for _ in range(2):  # the SDK keeps refreshing with the first refresh token it got
            response = login(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
            assert response.status_code == 200
            assert response.json()["refresh_token"] == tokens["refresh_token"]
            new_access = response.json()["access_token"]
            assert new_access != tokens["access_token"]
            assert PortalApi(client, token=new_access).get("/me").status_code == 200

    def test_unknown_refresh_token_is_an_invalid_grant(self, client, user):
        response = login(client, grant_type="refresh_token", refresh_token="not-a-token")
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_grant", "error_description": auth.ERR_REFRESH_TOKEN_INVALID}

    def test_revoke_ends_the_refresh_token_and_its_access_tokens(self, client, user):
        tokens = self._tokens(client)
        me = PortalApi(client, token=tokens["access_token"])
        assert me.get("/me").status_code == 200

        assert client.post(REVOKE_URL, {"token": tokens["refresh_token"]}).status_code == 200

        refreshed = login(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert refreshed.status_code == 400
        after = me.get("/me")
        assert after.status_code == 401
        assert error_messages(after) == [auth.ERR_TOKEN_INVALID]

    def test_revoking_an_access_token_ends_its_session(self, client, user):
        # RFC 7009 lets a client revoke either token; an access token was ignored (200) and kept working
        tokens, other = self._tokens(client), self._tokens(client)
        assert client.post(REVOKE_URL, {"token": tokens["access_token"]}).status_code == 200
        assert PortalApi(client, token=tokens["access_token"]).get("/me").status_code == 401
        refreshed = login(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        assert refreshed.status_code == 400
        assert PortalApi(client, token=other["access_token"]).get("/me").status_code == 200  # another sign-in stays

    def test_an_access_token_signed_with_another_key_revokes_nothing(self, client, user, settings):
        tokens = self._tokens(client)
        claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
        forged = jwt.encode(claims, "another-key-" + "x" * 32, algorithm="HS256")
        assert client.post(REVOKE_URL, {"token": forged}).status_code == 200
        assert PortalApi(client, token=tokens["access_token"]).get("/me").status_code == 200

    def test_revoking_an_unknown_token_is_harmless(self, client):
        assert client.post(REVOKE_URL, {"token": "whatever"}).status_code == 200
        assert client.post(REVOKE_URL, {}).status_code == 200

    def test_revoke_all_signs_out_every_session(self, client, user):
        first, second = self._tokens(client), self._tokens(client)
        assert auth.portal_sessions_revoke_all(user=user) == 2
        for tokens in (first, second):
            assert PortalApi(client, token=tokens["access_token"]).get("/me").status_code == 401

    def test_changing_the_password_on_the_site_signs_the_api_out(self, client, user):
        tokens = self._tokens(client)
        web = Client()
        web.force_login(user)
        new = "An0ther-long-password!"
        response = web.post("/accounts/password/change/",
                            {"oldpassword": DEFAULT_PASSWORD, "password1": new, "password2": new})
        assert response.status_code == 302
        assert PortalApi(client, token=tokens["access_token"]).get("/me").status_code == 401
        assert login(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).status_code == 400
        assert login(client, grant_type="password", username="hamlet", password=new).status_code == 200

    def test_any_new_password_signs_the_api_out(self, client, user):
        tokens = self._tokens(client)
        user.set_password("Reset-by-an-admin-1")  # the reset link, the admin, manage.py changepassword
        user.save()
        assert PortalApi(client, token=tokens["access_token"]).get("/me").status_code == 401

    def test_other_changes_and_sign_ins_keep_the_api_signed_in(self, client, user):
        tokens = self._tokens(client)
        user.name = "Hamlet, Prince of Denmark"
        user.save()
        self._tokens(client)  # signing in again (and any password-hash upgrade it makes)
        assert PortalApi(client, token=tokens["access_token"]).get("/me").status_code == 200


class TestBearer:
    def test_bare_bearer_header_is_anonymous_not_a_bad_request(self, client, user):
        response = client.get("/api/v1/me", headers={"Authorization": "Bearer"}, content_type="application/json")
        assert response.status_code == 401
        assert response.json() == {
            "Errors": [{"ErrorCode": "Unauthorized", "Message": auth.ERR_TOKEN_MISSING, "Data": None}]
        }
        assert response["WWW-Authenticate"] == "Bearer"

    def test_no_header_is_401(self, user):
        assert Client().get("/api/v1/me").status_code == 401

    @pytest.mark.parametrize("token", ["garbage", "a.b.c", "Bearer x"])
    def test_malformed_token_is_401_invalid_token(self, client, user, token):
        response = PortalApi(client, token=token).get("/me")
        assert response.status_code == 401
        assert error_codes(response) == ["InvalidToken"]

    def test_token_signed_with_another_key_is_refused(self, client, user, settings):
        forged = jwt.encode(
            {
                "sub": str(user.pk),
                "sid": "1",
                "usr": "hamlet",
                "iss": settings.PORTAL_BASE_URL,
                "aud": f"{settings.PORTAL_BASE_URL}/api/v1",
                "exp": int(time.time()) + 600,
            },
            "not-our-key-but-long-enough-for-hs256-0123456789",
            algorithm="HS256",
        )
        response = PortalApi(client, token=forged).get("/me")
        assert response.status_code == 401
        assert error_messages(response) == [auth.ERR_TOKEN_INVALID]

    def test_expired_token_says_it_expired(self, client, user, settings):
        settings.PORTAL_API_ACCESS_TOKEN_LIFETIME = -30
        expired = PortalApi(client, user).token
        response = PortalApi(client, token=expired).get("/me")
        assert response.status_code == 401
        assert error_messages(response) == [auth.ERR_TOKEN_EXPIRED]

    def test_deactivated_user_loses_access(self, client, user):
        api = PortalApi(client, user)
        user.is_active = False
        user.save()
        assert api.get("/me").status_code == 401

    def test_every_response_carries_a_log_id(self, client, user):
        ok = PortalApi(client, user).get("/me")
        denied = PortalApi(client).get("/me")
        assert len(ok["X-oc-logid"]) == 32
        assert denied["X-oc-logid"] and denied["X-oc-logid"] != ok["X-oc-logid"]


def test_another_users_token_is_not_mine(client, user):
    other = UserFactory(username="ophelia")
    assert PortalApi(client, other).get("/me").json()["Username"] == "ophelia"


class TestNulCharacters:
    """PostgreSQL cannot hold NUL: such input is a clear 400 everywhere, never a 500."""

    @pytest.mark.parametrize(
        "method, path, body",
        [
            ("GET", "/portalusers/a%00b", None),
            ("GET", "/portalusers?search=a%00", None),
            ("GET", "/organizations?ID=a%00", None),
            ("PUT", "/organizations/x", {"Name": "a\u0000b"}),
        ],
    )
    def test_nul_is_refused(self, client, user, method, path, body):
        response = PortalApi(client, user).request(method, path, body)
        assert response.status_code == 400
        assert error_messages(response) == ["The request contains a NUL character, which no field may hold."]

    def test_nul_in_the_login(self, client):
        response = login(client, grant_type="password", username="ham\x00let", password="x")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
