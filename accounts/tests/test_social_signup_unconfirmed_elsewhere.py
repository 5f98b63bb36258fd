"""A GitHub or Google sign-up with an address that another account has only added on Profile › Email
and never confirmed (nobody's, README "Who owns an address"), when the provider does not vouch for it:
the sign-up completes as with any other address. allauth saw the address "in use" and showed the
social sign-up form saying "An account with <address> already exists. If it is yours, sign in to it",
which was not so (and said that somebody had typed it); the same address typed there went through."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "prince@example.com"


@pytest.fixture
def mallory():
    mallory = UserFactory(username="mallory", email="mallory@evil.example")
    EmailAddress.objects.create(user=mallory, email=ADDRESS, verified=False, primary=False)
    return mallory


def test_an_unvouched_provider_sign_up_completes(mallory, social_login, fake_oauth):
    client = Client()
    response = social_login("github", c=client, uid=78, login="hammy", email=ADDRESS, email_verified=False)
    page = client.get(response["Location"], follow=True)
    assert "already exists" not in page.content.decode()
    assert page.redirect_chain[-1][0].startswith(reverse("accounts:username-choose"))
    created = User.objects.get(email=ADDRESS)
    assert created != mallory and client.session["_auth_user_id"] == str(created.pk)
    assert not EmailAddress.objects.filter(user=mallory, email=ADDRESS).exists()
    assert not EmailAddress.objects.get(user=created, email=ADDRESS).verified  # nobody proved it


def test_an_address_of_another_account_still_gets_the_form(social_login, fake_oauth):
    UserFactory(username="laertes", email=ADDRESS)
    client = Client()
    response = social_login("github", c=client, uid=79, login="hammy", email=ADDRESS, email_verified=False)
    page = client.get(response["Location"])
    assert page.status_code == 200 and "already exists" in page.content.decode()
    assert User.objects.filter(email=ADDRESS).count() == 1
