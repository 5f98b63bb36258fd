"""A completed password reset ends the "Too many failed login attempts" lock on the account's own
sign-in. allauth cleared only the failures counted for the account's email addresses, so someone who
forgot the password, tried their *username* five times, and then reset the password as they should,
was still refused with the new one for up to 5 minutes; failures from many addresses (the 100 in 15
minutes of accounts.adapters.LOGIN_FAILED_ANY_ADDRESS) kept even the address locked after the reset.
Only the reset mailed to the account clears them (its link is the proof), never a sign-in."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
NEW = "Hamlet-owns-4711x"
LOCKED = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _limits():
    cache.clear()
    with override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,5/5m/key", "reset_password": "20/m/ip,5/m/key"}):
        yield
    cache.clear()


@pytest.fixture
def hamlet():
    return UserFactory(username="hamlet", email="hamlet@example.com")


def _reset(client, capture, email="hamlet@example.com"):
    with capture(execute=True):
        client.post(reverse("account_reset_password"), {"email": email})
    url = urlparse(re.search(r"http://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body).group(0))
    form = client.get(f"{url.path}?{url.query}", follow=True)
    done = client.post(form.redirect_chain[-1][0] if form.redirect_chain else url.path,
                       {"password1": NEW, "password2": NEW}, follow=True)
    assert "Your password has been changed" in done.content.decode() or done.redirect_chain, done.content[:500]


@pytest.mark.parametrize("login", ["hamlet", "Hamlet", "hamlet@example.com"])
def test_the_new_password_signs_in_after_failures_with_the_username(client, hamlet, login,
                                                                    django_capture_on_commit_callbacks):
    for _ in range(5):
        assert "not correct" in client.post(LOGIN, {"login": "hamlet", "password": "wrong"}).content.decode()
    for _ in range(5):
        client.post(LOGIN, {"login": "hamlet@example.com", "password": "wrong"})
    locked = client.post(LOGIN, {"login": "hamlet", "password": "wrong"}).content.decode()
    assert LOCKED in locked and "a new password signs in at once" in locked  # the way out, which works now
    _reset(client, django_capture_on_commit_callbacks)
    signed_in = client.post(LOGIN, {"login": login, "password": NEW})
    assert signed_in.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", signed_in.content.decode(), re.S)


def test_the_new_password_signs_in_after_failures_from_many_addresses(client, hamlet, monkeypatch,
                                                                      django_capture_on_commit_callbacks):
    from accounts import adapters

    monkeypatch.setattr(adapters, "LOGIN_FAILED_ANY_ADDRESS", {"login_failed_any_address": "4/15m/key"})
    for n in range(4):
        Client().post(LOGIN, {"login": "hamlet", "password": "wrong"}, REMOTE_ADDR=f"203.0.113.{n + 1}")
        Client().post(LOGIN, {"login": "hamlet@example.com", "password": "wrong"}, REMOTE_ADDR=f"203.0.113.{n + 1}")
    assert LOCKED in client.post(LOGIN, {"login": "hamlet", "password": "wrong"}).content.decode()
    _reset(client, django_capture_on_commit_callbacks)
    for login in ("hamlet", "hamlet@example.com"):
        signed_in = Client().post(LOGIN, {"login": login, "password": NEW})
        assert signed_in.status_code == 302, (login, re.findall(r"errorlist[^>]*>(.*?)</ul>", signed_in.content.decode(), re.S))


def test_a_successful_sign_in_clears_nothing(client, hamlet):
    """(allauth's rule, kept: an attacker knowing one password of theirs could otherwise reset the count.)"""
    from tests.factories import DEFAULT_PASSWORD

    for _ in range(4):
        client.post(LOGIN, {"login": "hamlet", "password": "wrong"})
    assert client.post(LOGIN, {"login": "hamlet", "password": DEFAULT_PASSWORD}).status_code == 302
    client.logout()
    client.post(LOGIN, {"login": "hamlet", "password": "wrong"})
    assert LOCKED in client.post(LOGIN, {"login": "hamlet", "password": DEFAULT_PASSWORD}).content.decode()


def test_the_web_reset_ends_the_portal_api_lock_too(client, hamlet, settings, django_capture_on_commit_callbacks):
    # the Portal API counts its own failed sign-ins (POST /api/v1/oauth/token): the reset ends them too
    settings.PORTAL_API_LOGIN_FAILURE_LIMIT = 3

    def api_sign_in(password):
        return Client().post("/api/v1/oauth/token", {"grant_type": "password", "username": "hamlet",
                                                     "password": password}).status_code

    for _ in range(3):
        assert api_sign_in("wrong") == 400
    assert api_sign_in("wrong") == 429
    _reset(client, django_capture_on_commit_callbacks)
    assert api_sign_in(NEW) == 200
