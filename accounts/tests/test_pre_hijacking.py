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
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import MSG_ADDRESS_REMOVED, MSG_PASSWORD_REMOVED, MSG_SIGN_IN_REMOVED
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


def _attacker_signs_up_with_github(client, social_login, capture):
    """GitHub gives the victim's address, not verified; the attacker picks a username, sets a password
    and gets a Portal API token."""
    with capture(execute=True):
        response = social_login("github", uid=666, login="mallory-gh", email=VICTIM, email_verified=False)
    assert response.status_code == 302
    account = User.objects.get(email=VICTIM)
    assert not EmailAddress.objects.get(user=account, email=VICTIM).verified
    client.post(CHOOSE, {"username": "victim-ish"})
    client.post(reverse("account_set_password"), {"password1": ATTACKER_PASSWORD, "password2": ATTACKER_PASSWORD})
    token = _api_token(Client(), VICTIM, ATTACKER_PASSWORD)
    assert client.get(reverse("dashboard")).status_code == 200
    return account, token


def _victim_resets_the_password(capture, email=VICTIM):
    victim = Client()
    mail.outbox.clear()
    with capture(execute=True):
        victim.post(reverse("account_reset_password"), {"email": email})
    sent = _mails_to(email)
    assert len(sent) == 1
    form = victim.get(_link(sent[0]), follow=True)
    done = victim.post(form.redirect_chain[-1][0], {"password1": VICTIM_PASSWORD, "password2": VICTIM_PASSWORD},
                       follow=True)
    assert done.redirect_chain[-1][0] == reverse("account_reset_password_from_key_done")
    return victim, done


class TestProvingTheAddressByAPasswordReset:
    def test_the_attackers_github_link_sessions_and_api_tokens_end(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        account, token = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        victim, done = _victim_resets_the_password(django_capture_on_commit_callbacks)

        assert EmailAddress.objects.get(user=account, email=VICTIM).verified  # the reset proved it
        assert not SocialAccount.objects.filter(user=account).exists()
        assert MSG_SIGN_IN_REMOVED.format(provider="GitHub", label="mallory-gh", email=VICTIM) in _messages(done)
        # the attacker's web session, Portal API token and GitHub sign-in no longer reach the account
        assert client.get(reverse("dashboard")).status_code == 302
        assert _api_me(Client(), token) == 401
        again = social_login("github", c=Client(), uid=666, login="mallory-gh", email=VICTIM, email_verified=False)
        assert again["Location"] == reverse("socialaccount_signup")  # "belongs to another account"
        assert list(User.objects.filter(email=VICTIM)) == [account]
        assert not SocialAccount.objects.filter(user=account).exists()
        # the victim signs in with the new password; the attacker's one is gone
        assert victim.post(reverse("account_login"), {"login": VICTIM, "password": VICTIM_PASSWORD}).status_code == 302
        assert Client().post(reverse("account_login"), {"login": VICTIM, "password": ATTACKER_PASSWORD}).status_code == 200

    def test_core_api_tokens_the_attacker_minted_for_an_organization_stop_working(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        from organizations.services import organization_create

        account, token = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        organization_create(actor=account, oc_id="victim-sbx", name="Victim sandbox")
        api = Client()
        minted = api.get("/api/v1/organizations/victim-sbx/token", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        me = api.get("/core/sandbox/v1/me", HTTP_AUTHORIZATION=f"Bearer {minted['access_token']}")
        assert me.status_code == 200, me.content
        _victim_resets_the_password(django_capture_on_commit_callbacks)
        me = api.get("/core/sandbox/v1/me", HTTP_AUTHORIZATION=f"Bearer {minted['access_token']}")
        assert me.status_code == 401
        refreshed = api.post("/core/sandbox/oauth/token", {"grant_type": "refresh_token",
                                                            "refresh_token": minted["refresh_token"]})
        assert refreshed.status_code == 400, refreshed.content

    def test_the_link_opened_while_signed_in_to_another_account_still_proves_the_address(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth, other_user
    ):
        account, _ = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        victim = Client()
        victim.force_login(other_user)  # allauth signs this session out (emptying it) before the form
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            victim.post(reverse("account_reset_password"), {"email": VICTIM})
        form = victim.get(_link(_mails_to(VICTIM)[0]), follow=True)
        victim.post(form.redirect_chain[-1][0], {"password1": VICTIM_PASSWORD, "password2": VICTIM_PASSWORD})
        assert EmailAddress.objects.get(user=account, email=VICTIM).verified
        assert not SocialAccount.objects.filter(user=account).exists()

    def test_a_confirmed_address_the_attacker_added_is_removed_too(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        account, _ = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        EmailAddress.objects.create(user=account, email="mallory@evil.example", verified=True, primary=False)
        _, done = _victim_resets_the_password(django_capture_on_commit_callbacks)
        assert list(EmailAddress.objects.filter(user=account).values_list("email", flat=True)) == [VICTIM]
        assert MSG_ADDRESS_REMOVED.format(address="mallory@evil.example", email=VICTIM) in _messages(done)
        # and so gives the attacker no reset link back into the account
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(reverse("account_reset_password"), {"email": "mallory@evil.example"})
        assert not any("/accounts/password/reset/key/" in m.body for m in mail.outbox)

    def test_a_reset_through_a_confirmed_address_does_not_prove_the_unconfirmed_primary(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        account, _ = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        EmailAddress.objects.create(user=account, email="mallory@evil.example", verified=True, primary=False)
        _victim_resets_the_password(django_capture_on_commit_callbacks, email="mallory@evil.example")
        assert not EmailAddress.objects.get(user=account, email=VICTIM).verified
        assert SocialAccount.objects.filter(user=account).exists()

    def test_a_reset_link_without_its_address_or_with_another_confirms_nothing(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        account, _ = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        victim = Client()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            victim.post(reverse("account_reset_password"), {"email": VICTIM})
        link = _link(_mails_to(VICTIM)[0])
        path, _, query = link.partition("?")
        assert query.startswith("address=")
        form = victim.get(f"{path}?address=forged{query[12:]}", follow=True)
        victim.post(form.redirect_chain[-1][0], {"password1": VICTIM_PASSWORD, "password2": VICTIM_PASSWORD})
        assert not EmailAddress.objects.get(user=account, email=VICTIM).verified
        assert SocialAccount.objects.filter(user=account).exists()

    def test_a_reset_of_a_confirmed_account_removes_nothing(self, client, user, social_login, fake_oauth,
                                                            django_capture_on_commit_callbacks):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        client.force_login(user)
        social_login("github", uid=77, login="hamlet-gh", email="hamlet-gh@example.com", process="connect")
        assert SocialAccount.objects.filter(user=user).count() == 1
        _, done = _victim_resets_the_password(django_capture_on_commit_callbacks, email=user.email)
        assert SocialAccount.objects.filter(user=user).count() == 1
        assert not any("We removed" in m for m in _messages(done))


class TestProvingTheAddressByItsConfirmationLink:
    def test_the_link_opened_by_the_addresss_owner_removes_the_attackers_github_link(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        mail.outbox.clear()
        account, token = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        confirm = _link(_mails_to(VICTIM)[0], r"http://\S+/accounts/confirm-email/\S+/")
        victim = Client()
        done = victim.post(confirm, follow=True)
        assert EmailAddress.objects.get(user=account, email=VICTIM).verified
        assert not SocialAccount.objects.filter(user=account).exists()
        assert MSG_SIGN_IN_REMOVED.format(provider="GitHub", label="mallory-gh", email=VICTIM) in _messages(done)
        assert client.get(reverse("dashboard")).status_code == 302  # the attacker was signed out
        assert _api_me(Client(), token) == 401
        # the password the attacker set through that sign-in went with it
        assert MSG_PASSWORD_REMOVED.format(email=VICTIM) in _messages(done)
        assert Client().post(reverse("account_login"), {"login": VICTIM, "password": ATTACKER_PASSWORD}).status_code == 200
        assert Client().post(TOKEN_URL, {"grant_type": "password", "username": VICTIM,
                                         "password": ATTACKER_PASSWORD}).status_code == 400

    def test_the_link_opened_while_signed_in_to_another_account_takes_the_account_on_confirm(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth, other_user
    ):
        """Opening the link no longer signs the other account out (only Confirm does); it still proves the address."""
        mail.outbox.clear()
        account, token = _attacker_signs_up_with_github(client, social_login, django_capture_on_commit_callbacks)
        confirm = _link(_mails_to(VICTIM)[0], r"http://\S+/accounts/confirm-email/\S+/")
        victim = Client()
        victim.force_login(other_user)
        assert victim.get(confirm).wsgi_request.user == other_user
        done = victim.post(confirm, follow=True)
        assert EmailAddress.objects.get(user=account, email=VICTIM).verified
        assert not SocialAccount.objects.filter(user=account).exists()
        assert MSG_SIGN_IN_REMOVED.format(provider="GitHub", label="mallory-gh", email=VICTIM) in _messages(done)
        assert client.get(reverse("dashboard")).status_code == 302  # the attacker was signed out
        assert victim.get(reverse("dashboard")).status_code == 302  # and the other account, by Confirm
        assert _api_me(Client(), token) == 401

    def test_a_password_sign_up_confirmed_from_another_device_keeps_its_password_and_sessions(
        self, client, django_capture_on_commit_callbacks
    ):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("account_signup"), {
                "email": "new@example.com", "username": "newbie", "password1": VICTIM_PASSWORD, "password2": VICTIM_PASSWORD})
        confirm = _link(_mails_to("new@example.com")[0], r"http://\S+/accounts/confirm-email/\S+/")
        done = Client().post(confirm, follow=True)
        account = User.objects.get(username="newbie")
        assert EmailAddress.objects.get(user=account).verified and account.has_usable_password()
        assert not any("removed" in m or "signed out" in m for m in _messages(done))
        assert client.get(reverse("dashboard")).status_code == 200

    def test_the_link_opened_while_signed_in_to_the_account_removes_nothing(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        """Someone who signed up with GitHub (address not verified there) confirms it in the same browser."""
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            social_login("github", uid=5, login="dev-gh", email="dev@example.com", email_verified=False)
        client.post(CHOOSE, {"username": "dev"})
        confirm = _link(_mails_to("dev@example.com")[0], r"http://\S+/accounts/confirm-email/\S+/")
        client.post(confirm)
        account = User.objects.get(email="dev@example.com")
        assert EmailAddress.objects.get(user=account).verified
        assert SocialAccount.objects.filter(user=account).count() == 1
        assert client.get(reverse("dashboard")).status_code == 200


class TestProviderSignUpsThatVouchForTheAddress:
    def test_a_google_sign_up_with_a_verified_address_is_confirmed_and_kept_through_a_reset(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        social_login("google", uid="g-9", email=VICTIM, name="Vic Tim")
        account = User.objects.get(email=VICTIM)
        assert EmailAddress.objects.get(user=account).verified
        _victim_resets_the_password(django_capture_on_commit_callbacks)
        assert SocialAccount.objects.filter(user=account).count() == 1

    def test_a_linked_provider_that_vouches_for_the_address_is_kept_when_it_is_proven(
        self, client, social_login, django_capture_on_commit_callbacks, fake_oauth
    ):
        account = UserFactory(username="vic", email=VICTIM)
        EmailAddress.objects.create(user=account, email=VICTIM, verified=False, primary=True)
        client.force_login(account)
        social_login("google", uid="g-10", email=VICTIM, process="connect")
        social_login("github", uid=11, login="someone", email="someone@example.com", process="connect")
        _, done = _victim_resets_the_password(django_capture_on_commit_callbacks)
        assert list(SocialAccount.objects.filter(user=account).values_list("provider", flat=True)) == ["google"]
        assert MSG_SIGN_IN_REMOVED.format(provider="GitHub", label="someone", email=VICTIM) in _messages(done)


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

    def test_a_confirmed_address_of_another_account_is_still_refused(self, client, user):
        EmailAddress.objects.create(user=user, email="prince@example.com", verified=True, primary=False)
        other = UserFactory(username="laertes", email="laertes@example.com")
        client.force_login(other)
        page = client.post(reverse("account_email"), {"action_add": "", "email": "prince@example.com"})
        assert page.status_code == 200 and "email" in page.context["form"].errors
        assert not EmailAddress.objects.filter(user=other, email="prince@example.com").exists()
