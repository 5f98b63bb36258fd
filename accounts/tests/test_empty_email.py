"""An account with an empty email: databases from before every account needed one may hold one (the
unique constraint allows one such row). It signs in (web and Portal API), uses Profile, chooses a
username and is found and invited by others; saving Profile or choosing a username was a 500
("email: This field cannot be blank"). Adding an address makes it the account's email."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from accounts.views import MSG_NO_EMAIL, MSG_PROFILE_SAVED, MSG_USERNAME_CHOSEN
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.portal_api import PortalApi

pytestmark = pytest.mark.django_db


@pytest.fixture
def legacy(db):
    user = UserFactory(username="yorick", name="Poor Yorick", email="yorick@example.com")
    User.objects.filter(pk=user.pk).update(email="")
    user.refresh_from_db()
    assert user.email == ""
    return user


def sign_in(client, login="yorick"):
    response = client.post(reverse("account_login"), {"login": login, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_signs_in_and_uses_profile(client, legacy):
    sign_in(client)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200 and MSG_NO_EMAIL in page.content.decode()
    saved = client.post(reverse("accounts:profile"), {"name": "Yorick the Jester", "username": "yorick"}, follow=True)
    assert saved.status_code == 200 and MSG_PROFILE_SAVED in saved.content.decode()
    renamed = client.post(reverse("accounts:profile"), {"name": "Yorick", "username": "jester"})
    assert renamed.status_code == 302
    legacy.refresh_from_db()
    assert (legacy.name, legacy.username, legacy.email) == ("Yorick", "jester", "")
    for name in ("accounts:authentication", "account_email", "account_change_password", "dashboard"):
        assert client.get(reverse(name)).status_code == 200, name


def test_a_legacy_username_is_replaced_on_choose_your_username(client, legacy):
    User.objects.filter(pk=legacy.pk).update(username="yorick@old.example")
    client.force_login(legacy)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("accounts:username-choose"))
    chosen = client.post(reverse("accounts:username-choose"), {"username": "yorick"}, follow=True)
    assert chosen.status_code == 200 and MSG_USERNAME_CHOSEN.format(username="yorick") in chosen.content.decode()
    assert User.objects.get(pk=legacy.pk).username == "yorick"


def test_portal_api_sign_in_and_me(client, legacy):
    token = client.post("/api/v1/oauth/token", {"grant_type": "password", "username": "yorick", "password": DEFAULT_PASSWORD})
    assert token.status_code == 200
    me = PortalApi(client, token=token.json()["access_token"]).get("/me")
    assert me.status_code == 200 and me.json()["Username"] == "yorick" and me.json()["Email"] == ""


def test_others_find_the_account(client, legacy, owner):
    client.force_login(owner)
    assert b"yorick" in client.get(reverse("accounts:user-autocomplete"), {"q": "yor"}).content
    assert PortalApi(client, owner).get("/portalusers", search="yor").json()["Items"][0]["Username"] == "yorick"


def test_password_reset_for_an_empty_address_is_a_form_error(client, legacy):
    response = client.post(reverse("account_reset_password"), {"email": ""})
    assert response.status_code == 200 and response.context["form"].errors["email"]

def test_an_added_address_becomes_the_accounts_email(client, legacy):
    client.force_login(legacy)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "Yorick@Example.com"})
    assert response.status_code == 302
    legacy.refresh_from_db()
    assert legacy.email == "yorick@example.com"
    assert EmailAddress.objects.get(user=legacy).primary
    assert "Manage email addresses" in client.get(reverse("accounts:profile")).content.decode()

def test_mandatory_verification_says_there_is_no_address_to_confirm(client, legacy, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post(reverse("account_login"), {"login": "yorick", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Your account has no email address" in text and "We've emailed you" not in text
    assert not mailoutbox
    assert client.get(reverse("dashboard")).status_code == 302  # not signed in


def test_mandatory_verification_still_mails_an_account_with_an_address(client, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    UserFactory(username="laertes", email="laertes@example.com")
    response = client.post(reverse("account_login"), {"login": "laertes", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("account_email_verification_sent")
