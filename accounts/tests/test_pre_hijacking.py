"""Account pre-hijacking: someone signs up with another person's address (through a provider that does
not vouch for it, or adds it as an extra address) and waits for its owner to start using the account.

Policy (README, Sign in): proving an account's unconfirmed primary address by mail (a password reset
mailed to it, or its confirmation link opened outside a session of that account) takes the account:
provider links that do not vouch for the address and every other address are removed, every session
and Portal API token ends, and the owner is told what was removed. An unconfirmed extra address is
nobody's: it gets no password reset, does not sign in and does not block a sign-up (which drops it).
"""

import re
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

VICTIM = "victim@example.com"
VICTIM_PASSWORD = "Victim-owns-4711"
ATTACKER_PASSWORD = "Attacker-was-here-99"
CHOOSE = reverse("accounts:username-choose")
TOKEN_URL = "/api/v1/oauth/token"


def _mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def _link(message, pattern=r"http://\S+/accounts/password/reset/key/\S+"):
    url = urlparse(re.search(pattern, message.body).group(0))
    return f"{url.path}?{url.query}" if url.query else url.path


def _api_token(client, login, password):
    response = client.post(TOKEN_URL, {"grant_type": "password", "username": login, "password": password})
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def _api_me(client, token):
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


class TestUnconfirmedExtraAddresses:
    @pytest.fixture
    def attacker(self, client, django_capture_on_commit_callbacks):
        attacker = UserFactory(username="mallory", email="mallory@evil.example")
        client.force_login(attacker)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("account_email"), {"action_add": "", "email": VICTIM})
        assert not EmailAddress.objects.get(user=attacker, email=VICTIM).verified
        mail.outbox.clear()
        return attacker

    def test_forgot_password_does_not_mail_the_other_accounts_reset_link(self, attacker,
                                                                        django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            sent = Client().post(reverse("account_reset_password"), {"email": VICTIM}, follow=True)
        assert sent.redirect_chain[-1][0] == reverse("account_reset_password_done")  # as for any address
        assert len(_mails_to(VICTIM)) == 1  # allauth's "no account for this address" mail, not a link
        assert "/accounts/password/reset/key/" not in _mails_to(VICTIM)[0].body

    def test_it_does_not_sign_in(self, attacker):
        response = Client().post(reverse("account_login"), {"login": VICTIM, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200 and "_auth_user_id" not in response.client.session

    def test_it_does_not_block_a_sign_up_which_drops_it(self, attacker):
        victim = Client()
        response = victim.post(reverse("account_signup"), {
            "email": VICTIM, "username": "victim", "password1": VICTIM_PASSWORD, "password2": VICTIM_PASSWORD})
        assert response.status_code == 302, response.context["form"].errors
        created = User.objects.get(username="victim")
        assert created.email == VICTIM
        assert EmailAddress.objects.get(email=VICTIM).user == created
        assert not EmailAddress.objects.filter(user=attacker, email=VICTIM).exists()

    def test_it_does_not_block_a_provider_sign_up(self, attacker, social_login, fake_oauth):
        response = social_login("google", c=Client(), uid="g-11", email=VICTIM, name="Vic Tim")
        assert response.status_code == 302 and response["Location"] != reverse("socialaccount_signup")
        created = User.objects.get(email=VICTIM)
        assert EmailAddress.objects.get(email=VICTIM).user == created and created != attacker

    def test_the_primary_address_of_an_account_still_blocks_a_sign_up(self, user):
        response = Client().post(reverse("account_signup"), {
            "email": user.email, "username": "copycat", "password1": VICTIM_PASSWORD, "password2": VICTIM_PASSWORD})
        assert response.status_code == 200 and "email" in response.context["form"].errors
