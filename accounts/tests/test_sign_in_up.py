"""Password sign-up and sign-in (allauth) with the portal's username rules, provider buttons, rate limits."""

import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from accounts.validators import ERR_USERNAME_EMAIL, ERR_USERNAME_TAKEN, ERR_USERNAME_TOO_LONG, ERR_USERNAME_TOO_SHORT

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
LOGIN = reverse("account_login")
GOOD = {"email": "new@example.com", "username": "newcomer", "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42"}


def test_password_sign_up_creates_the_user_and_lands_on_the_dashboard(client):
    response = client.post(SIGNUP, GOOD)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    user = User.objects.get(email="new@example.com")
    assert user.username == "newcomer" and user.check_password("a-Strong-pass-42")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("username", "message"),
    [("me@example.com", ERR_USERNAME_EMAIL), ("HAMLET", ERR_USERNAME_TAKEN), ("ab", ERR_USERNAME_TOO_SHORT), ("x y z", "only letters")],
)
def test_password_sign_up_applies_the_username_rules(client, user, username, message):
    response = client.post(SIGNUP, {**GOOD, "username": username})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["username"])
    assert not User.objects.filter(email="new@example.com").exists()


def username_input(html: str) -> str:
    """The username's <input> tag of a page (not the hidden "initial-username" of Profile)."""
    return re.search(r'<input[^>]*\sname="username"[^>]*>', html).group(0)


def test_a_too_long_username_on_sign_up_gets_the_portals_message(client):
    """It was Django's "Ensure this value has at most 40 characters (it has 41)."."""
    response = client.post(SIGNUP, {**GOOD, "username": "a" * 41})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [ERR_USERNAME_TOO_LONG]
    assert "Ensure this value" not in response.content.decode()


def test_the_sign_up_username_input_hints_3_to_40_characters(client):
    """It said minlength="1" while the help text and the rule say at least 3."""
    tag = username_input(client.get(SIGNUP).content.decode())
    assert 'minlength="3"' in tag and 'maxlength="40"' in tag


@pytest.mark.parametrize("login", ["hamlet", "HAMLET", "hamlet@example.com"])
def test_sign_in_with_username_or_email(client, user, password, login):
    response = client.post(LOGIN, {"login": login, "password": password})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_wrong_password_shows_a_form_error(client, user):
    response = client.post(LOGIN, {"login": "hamlet", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_sign_in_page_shows_provider_buttons_when_keys_are_configured(client):
    html = client.get(LOGIN).content.decode()
    assert "Continue with GitHub" in html and "Continue with Google" in html
    assert 'action="/accounts/github/login/?process=login"' in html


@override_settings(SOCIALACCOUNT_PROVIDERS={"github": {"SCOPE": ["read:user"]}, "google": {}})
def test_sign_in_page_hides_provider_buttons_without_keys(client):
    html = client.get(LOGIN).content.decode()
    assert "Continue with" not in html and 'class="divider"' not in html
    assert client.get(SIGNUP).status_code == 200
    assert client.post(reverse("github_login")).status_code == 404  # not a broken button either


@pytest.fixture
def rate_limit_cache():
    cache.clear()
    yield
    cache.clear()


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,3/5m/key"})
def test_repeated_failed_sign_ins_are_limited(client, user, password, rate_limit_cache):
    for _ in range(3):
        assert "not correct" in client.post(LOGIN, {"login": "hamlet", "password": "wrong"}).content.decode()
    response = client.post(LOGIN, {"login": "hamlet", "password": password})  # even the right password
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(ACCOUNT_RATE_LIMITS={"login": "3/m/ip"})
def test_too_many_sign_in_attempts_from_one_address_get_429(client, user, rate_limit_cache):
    for _ in range(3):
        assert client.post(LOGIN, {"login": "hamlet", "password": "wrong"}).status_code == 200
    response = client.post(LOGIN, {"login": "hamlet", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


@override_settings(ACCOUNT_RATE_LIMITS={"signup": "2/m/ip"})
def test_too_many_sign_ups_from_one_address_get_429(client, rate_limit_cache):
    for i in range(2):
        client.post(SIGNUP, {**GOOD, "email": f"n{i}@example.com", "username": f"newbie{i}"})
        client.logout()
    assert client.post(SIGNUP, {**GOOD, "email": "n9@example.com", "username": "newbie9"}).status_code == 429
    assert not User.objects.filter(email="n9@example.com").exists()


def test_rate_limits_are_configured_in_base_settings():
    from portal.settings import base

    assert {"login", "login_failed", "signup"} <= set(base.ACCOUNT_RATE_LIMITS)


@pytest.mark.django_db
def test_every_described_by_on_the_sign_up_page_points_at_text_on_it(client):
    import re

    page = client.get(reverse("account_signup")).content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described  # the username and password rules
    for ids in described:
        for one in ids.split():
            assert f'id="{one}"' in page, one


@pytest.mark.parametrize("next_url", ["abc", "-1", "organizations/", "%2F%2Fevil.example", "//evil.example", "https://evil.example/"])
def test_sign_in_with_a_next_that_is_not_a_path_here_goes_to_the_dashboard(client, user, password, next_url):
    response = client.post(reverse("account_login"), {"login": user.username, "password": password, "next": next_url})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


@pytest.mark.parametrize("next_url", ["/organizations/", "http://testserver/organizations/"])
def test_sign_in_with_a_next_on_this_site_goes_there(client, user, password, next_url):
    response = client.post(reverse("account_login"), {"login": user.username, "password": password, "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "100/m/ip,3/5m/key"})
def test_failed_sign_ins_from_elsewhere_do_not_lock_the_user_out(client, user, password, rate_limit_cache):
    """allauth counted '3 failures in 5 minutes' per login alone: anyone could keep hamlet out."""
    for _ in range(5):
        client.post(LOGIN, {"login": "hamlet", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    response = client.post(LOGIN, {"login": "hamlet", "password": password}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "100/m/ip,50/5m/key"})
def test_failed_sign_ins_for_one_login_from_many_addresses_are_still_limited(
    client, user, password, rate_limit_cache, monkeypatch
):
    from accounts import adapters

    monkeypatch.setattr(adapters, "LOGIN_FAILED_ANY_ADDRESS", {"login_failed_any_address": "4/15m/key"})
    for n in range(4):
        client.post(LOGIN, {"login": "hamlet", "password": "wrong"}, REMOTE_ADDR=f"203.0.113.{n + 1}")
    response = client.post(LOGIN, {"login": "Hamlet", "password": password}, REMOTE_ADDR="198.51.100.7")
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
