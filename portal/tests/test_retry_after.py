"""Every 429 of the Portal API carries Retry-After (seconds until its window ends when known, else
the window's length) and says the wait in its message: 12 wrong passwords at POST /oauth/token and a
wrong code at POST /confirmation answered "Try again in a few minutes." / "Wait a few seconds"
without one (QA: 429s #2). CORS exposes the header (portal.common.cors)."""

import re
import time

import pytest
from django.core import mail
from django.core.cache import cache

from portal.apiauth import services as auth
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.portal_api import PortalApi, error_codes, error_messages

TOKEN_URL = "/api/v1/oauth/token"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    mail.outbox.clear()
    yield
    cache.clear()


@pytest.fixture
def user():
    return UserFactory(username="hamlet", email="hamlet@example.com")


def sign_in(client, password="wrong-wrong"):
    return client.post(TOKEN_URL, {"grant_type": "password", "username": "hamlet", "password": password})


def lock(client, settings, limit=3):
    settings.PORTAL_API_LOGIN_FAILURE_LIMIT = limit
    for _ in range(limit):
        assert sign_in(client).status_code == 400


class TestSignIn:
    def test_the_lock_says_when_it_ends(self, client, user, settings):
        lock(client, settings)
        locked = sign_in(client)
        assert locked.status_code == 429
        assert 890 <= int(locked["Retry-After"]) <= 900
        assert locked.json() == {"error": "invalid_grant",
                                 "error_description": "Too many failed sign-in attempts. Try again in 15 minutes."}

    def test_the_wait_is_what_is_left_of_the_window(self, client, user, settings):
        lock(client, settings)
        login_key = auth._failure_keys("hamlet", "127.0.0.1")[0]
        cache.set(auth._until_key(login_key), time.time() + 12 * 60 - 5, timeout=900)
        locked = sign_in(client, DEFAULT_PASSWORD)
        assert locked.status_code == 429
        assert 700 <= int(locked["Retry-After"]) <= 715
        assert locked.json()["error_description"] == "Too many failed sign-in attempts. Try again in 12 minutes."

    def test_a_wrong_current_password_lock_says_it_too(self, client, user, settings):
        api = PortalApi(client, user)
        lock(client, settings)
        stopped = api.put("/me/password", {"CurrentPassword": DEFAULT_PASSWORD, "NewPassword": "a-new-Secret-42"})
        assert stopped.status_code == 429 and error_codes(stopped) == ["TooManyRequests"]
        assert 890 <= int(stopped["Retry-After"]) <= 900
        assert error_messages(stopped) == ["Too many wrong passwords for this account: try again in 15 minutes."]


class TestCodes:
    def test_a_wrong_confirmation_code_throttles_with_the_seconds_left(self, client, user):
        api = PortalApi(client, user)
        assert api.post("/me/verifyemail").status_code == 200
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
        wrong = "000000" if code != "000000" else "111111"
        assert api.post("/confirmation", {"Code": wrong}).status_code == 400
        assert api.post("/confirmation", {"Code": wrong}).status_code in (400, 429)  # 1 s after the first
        throttled = api.post("/confirmation", {"Code": wrong})
        assert throttled.status_code == 429 and error_codes(throttled) == ["TooManyRequests"]
        wait = int(throttled["Retry-After"])
        assert 1 <= wait <= 4
        assert error_messages(throttled) == [f"Too many wrong codes. Try again in {auth.wait_text(wait)}."]
        assert re.fullmatch(r"Too many wrong codes\. Try again in (a second|\d seconds)\.", error_messages(throttled)[0])

    def test_the_send_cooldown_says_when_it_ends(self, client, user):
        api = PortalApi(client, user)
        assert api.post("/me/verifyemail").status_code == 200
        again = api.post("/me/verifyemail")
        assert again.status_code == 429
        assert 55 <= int(again["Retry-After"]) <= 60

    @pytest.mark.parametrize("path, body", [("/register", {"Email": "new@example.com"}),
                                            ("/forgotpassword", {"Email": "hamlet@example.com"})])
    def test_too_many_code_mails_last_the_window(self, client, user, path, body, monkeypatch):
        from accounts import services_register

        monkeypatch.setattr(services_register, "MAILS_PER_CLIENT", 1)
        api = PortalApi(client)
        assert api.post(path, body).status_code == 204
        limited = api.post(path, body)
        assert limited.status_code == 429 and limited["Retry-After"] == str(services_register.MAILS_WINDOW)
        assert "15 minutes" in error_messages(limited)[0]


@pytest.mark.parametrize("seconds, words", [(1, "a second"), (12, "12 seconds"), (60, "a minute"), (61, "2 minutes"),
                                            (720, "12 minutes"), (899.2, "15 minutes")])
def test_wait_text(seconds, words):
    assert auth.wait_text(seconds) == words


def test_the_openapi_document_names_retry_after(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "Retry-After" in paths["/api/v1/confirmation"]["post"]["responses"]["429"].get("headers", {})
    assert "Retry-After" in paths["/api/v1/oauth/token"]["post"]["responses"]["429"].get("headers", {})
