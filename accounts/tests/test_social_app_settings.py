"""A provider whose keys the environment gives (GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET: the settings'
app) and a Social application for it in the admin: the settings' app is the one used."""

import pytest
from allauth.socialaccount.models import SocialApp
from django.test import override_settings
from django.urls import reverse

from accounts.admin import ERR_SOCIAL_APP_IN_SETTINGS
from accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


@pytest.fixture
def admin_github_app(db):
    return SocialApp.objects.create(provider="github", name="GitHub (admin)", client_id="admin-client", secret="s")


def test_the_sign_in_page_shows_one_github_button_with_an_admin_app_as_well(client, admin_github_app):
    html = client.get(LOGIN).content.decode()
    assert html.count("Continue with GitHub") == 1 and html.count("Continue with Google") == 1


def test_continue_with_github_goes_to_the_provider_with_the_settings_keys_not_a_500(client, admin_github_app, settings):
    response = client.post(reverse("github_login"), {"process": "login"})
    assert response.status_code == 302
    assert response["Location"].startswith(settings.FAKE_OAUTH_URL)
    assert "client_id=test-github-client" in response["Location"]


@override_settings(SOCIALACCOUNT_PROVIDERS={"github": {"SCOPE": ["read:user"]}, "google": {}})
def test_an_admin_app_of_a_provider_without_keys_in_the_environment_is_used(client, admin_github_app):
    html = client.get(LOGIN).content.decode()
    assert html.count("Continue with GitHub") == 1 and "Continue with Google" not in html
    response = client.post(reverse("github_login"), {"process": "login"})
    assert response.status_code == 302 and "client_id=admin-client" in response["Location"]


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "Boss-pass-123!"))
    return client


def _add_app(client, provider):
    return client.post(reverse("admin:socialaccount_socialapp_add"), {
        "provider": provider, "name": "From the admin", "client_id": "admin-client", "secret": "s", "key": "",
        "settings": "{}", "_save": "1"})


def test_the_admin_refuses_an_app_for_a_provider_configured_in_the_environment(staff_client):
    response = _add_app(staff_client, "github")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["provider"]
    assert errors == [ERR_SOCIAL_APP_IN_SETTINGS.format(
        provider="GitHub", variables="GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET")]
    assert "GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET" in response.content.decode()
    assert not SocialApp.objects.exists()


@override_settings(SOCIALACCOUNT_PROVIDERS={"github": {"SCOPE": ["read:user"]}, "google": {}})
def test_the_admin_adds_an_app_for_a_provider_without_keys_in_the_environment(staff_client):
    response = _add_app(staff_client, "github")
    assert response.status_code == 302
    assert SocialApp.objects.get().client_id == "admin-client"
