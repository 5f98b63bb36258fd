"""The account that loses an unconfirmed extra address is told. An address another account has only
added on Profile › Email and never confirmed is nobody's (README "Who owns an address"): a sign-up with
it, or another account confirming it, drops it from that account. Its owner is now told so:

- a notice on their Profile › Email page, shown once (signing in points there), for whoever signs in
  to the account (who added the address);
- an email, only to the account's primary address when that is confirmed: an unconfirmed primary may be
  somebody else's (an account can be signed up with any address), and they are not to learn the address;
- neither names the account that took the address (the other account may be an attacker's, or the
  address's owner's).
"""

import re
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import EmailReleaseNotice
from accounts.services import MSG_EMAIL_RELEASED, MSG_EMAIL_RELEASED_AT_SIGN_IN
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "prince@example.com"
PASSWORD = "Hamlet-owns-4711"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _mails_to(address):
    return [m for m in mail.outbox if address in m.to]


def _confirmation_link(address):
    [message] = _mails_to(address)
    return urlparse(re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)).path


def _add(client, address, capture):
    with capture(execute=True):
        return client.post(reverse("account_email"), {"action_add": "", "email": address}, follow=True)


@pytest.fixture
def adder(django_capture_on_commit_callbacks):
    """Added ADDRESS on Profile › Email and never confirmed it; its own primary address is confirmed."""
    adder = UserFactory(username="yorick", email="yorick@example.com")
    EmailAddress.objects.create(user=adder, email=adder.email, verified=True, primary=True)
    adder.client = Client()
    adder.client.force_login(adder)
    _add(adder.client, ADDRESS, django_capture_on_commit_callbacks)
    assert not EmailAddress.objects.get(user=adder, email=ADDRESS).verified
    mail.outbox.clear()
    return adder


@pytest.fixture
def hamlet(client):
    hamlet = UserFactory(username="hamlet", email="hamlet@example.com")
    EmailAddress.objects.create(user=hamlet, email=hamlet.email, verified=True, primary=True)
    client.force_login(hamlet)
    return hamlet


def _hamlet_confirms(client, capture):
    _add(client, ADDRESS, capture)
    link = _confirmation_link(ADDRESS)
    mail.outbox.clear()
    with capture(execute=True):
        done = client.post(link, follow=True)
    assert done.status_code == 200
    return done


class TestConfirmedByAnotherAccount:
    def test_the_account_that_loses_it_is_mailed_at_its_confirmed_address(
            self, client, hamlet, adder, django_capture_on_commit_callbacks):
        _hamlet_confirms(client, django_capture_on_commit_callbacks)
        assert not EmailAddress.objects.filter(user=adder, email=ADDRESS).exists()
        [message] = _mails_to(adder.email)
        assert message.subject == "Portal: An address was removed from your account"
        assert ADDRESS in message.body and "yorick" in message.body
        assert "confirmed that it owns this address" in message.body
        # who took it is not said; nothing is mailed to the address itself or to the taker about this
        assert "hamlet" not in message.body.lower()
        assert [m.to for m in mail.outbox] == [[adder.email]]

    def test_profile_email_says_so_once(self, client, hamlet, adder, django_capture_on_commit_callbacks):
        _hamlet_confirms(client, django_capture_on_commit_callbacks)
        page = adder.client.get(reverse("account_email"))
        assert MSG_EMAIL_RELEASED["confirmed"].format(email=ADDRESS) in _messages(page)
        assert "hamlet" not in page.content.decode().lower()
        assert not any(ADDRESS in m for m in _messages(adder.client.get(reverse("account_email"))))

    def test_signing_in_points_to_profile_email(self, client, hamlet, adder, django_capture_on_commit_callbacks):
        _hamlet_confirms(client, django_capture_on_commit_callbacks)
        signed_in = Client().post(reverse("account_login"), {"login": "yorick", "password": DEFAULT_PASSWORD},
                                  follow=True)
        assert MSG_EMAIL_RELEASED_AT_SIGN_IN in _messages(signed_in)
        assert EmailReleaseNotice.objects.filter(user=adder).exists()  # until Profile › Email is opened

    def test_an_unconfirmed_primary_address_is_not_mailed_but_the_notice_waits(
            self, client, hamlet, django_capture_on_commit_callbacks):
        # the adder's sign-in address may be anybody's: they are not to learn ADDRESS
        adder = UserFactory(username="mallory", email="stranger@example.com")
        other = Client()
        other.force_login(adder)
        _add(other, ADDRESS, django_capture_on_commit_callbacks)
        mail.outbox.clear()
        _hamlet_confirms(client, django_capture_on_commit_callbacks)
        assert not _mails_to("stranger@example.com")
        page = other.get(reverse("account_email"))
        assert MSG_EMAIL_RELEASED["confirmed"].format(email=ADDRESS) in _messages(page)

    def test_the_account_that_keeps_it_is_not_told_anything_new(self, client, hamlet, adder,
                                                                django_capture_on_commit_callbacks):
        done = _hamlet_confirms(client, django_capture_on_commit_callbacks)
        assert not _mails_to(hamlet.email)
        assert not EmailReleaseNotice.objects.filter(user=hamlet).exists()
        assert not any("removed" in m for m in _messages(done))

    def test_a_confirmation_that_fails_tells_nobody(self, client, hamlet, adder, django_capture_on_commit_callbacks):
        from unittest import mock

        _add(client, ADDRESS, django_capture_on_commit_callbacks)
        link = _confirmation_link(ADDRESS)
        third = UserFactory(username="laertes", email="laertes@example.com")
        EmailAddress.objects.create(user=third, email=ADDRESS, verified=True, primary=False)  # confirmed meanwhile
        mail.outbox.clear()
        with mock.patch.object(EmailAddress, "can_set_verified", return_value=True), \
                django_capture_on_commit_callbacks(execute=True):
            client.post(link, follow=True)
        assert EmailAddress.objects.filter(user=adder, email=ADDRESS).exists()
        assert not EmailReleaseNotice.objects.exists() and not mail.outbox


class TestSignedUpWith:
    def test_a_password_sign_up_tells_the_account_that_loses_it(self, adder, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(reverse("account_signup"), {
                "email": ADDRESS, "username": "hamlet", "password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 302
        assert not EmailAddress.objects.filter(user=adder, email=ADDRESS).exists()
        [message] = _mails_to(adder.email)
        assert ADDRESS in message.body and "signed up for another account" in message.body
        assert "Forgot your password?" in message.body and "hamlet" not in message.body.lower()
        page = adder.client.get(reverse("account_email"))
        assert MSG_EMAIL_RELEASED["signed_up"].format(email=ADDRESS) in _messages(page)

    def test_a_provider_sign_up_it_vouches_for_counts_as_confirmed(
            self, adder, social_login, fake_oauth, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            social_login("google", c=Client(), uid="g-77", email=ADDRESS, name="Ham Let")
        assert not EmailAddress.objects.filter(user=adder, email=ADDRESS).exists()
        [message] = _mails_to(adder.email)
        assert "confirmed that it owns this address" in message.body
        assert [n.reason for n in EmailReleaseNotice.objects.filter(user=adder)] == ["confirmed"]

    def test_a_provider_sign_up_it_does_not_vouch_for_counts_as_a_sign_up(
            self, adder, social_login, fake_oauth, django_capture_on_commit_callbacks):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = social_login("github", c=client, uid=78, login="hammy", email=ADDRESS, email_verified=False)
            client.get(response["Location"])  # the sign-up completes (test_social_signup_unconfirmed_elsewhere)
        assert not EmailAddress.objects.filter(user=adder, email=ADDRESS).exists()
        [message] = _mails_to(adder.email)
        assert "signed up for another account" in message.body and "hammy" not in message.body
        assert [n.reason for n in EmailReleaseNotice.objects.filter(user=adder)] == ["signed_up"]

    def test_a_sign_up_with_another_address_tells_nobody(self, adder, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            Client().post(reverse("account_signup"), {
                "email": "horatio@example.com", "username": "horatio", "password1": PASSWORD, "password2": PASSWORD})
        assert not _mails_to(adder.email) and not EmailReleaseNotice.objects.exists()


def test_taking_the_account_by_its_primary_address_drops_the_previous_holders_notices(adder):
    """The notices are about what the account's previous holder added: the address's owner, taking
    the account (accounts.services.user_email_takeover), is told what was removed, not those."""
    from accounts.services import user_email_takeover

    holder = UserFactory(username="vic", email="victim@example.com")
    EmailAddress.objects.create(user=holder, email=holder.email, verified=False, primary=True)
    EmailReleaseNotice.objects.create(user=holder, email=ADDRESS, reason="signed_up")
    user_email_takeover(user=holder, email=holder.email, password_replaced=True)
    assert not EmailReleaseNotice.objects.filter(user=holder).exists()
