"""ACCOUNT_EMAIL_VERIFICATION=mandatory (README, Configuration): an operator who must not let
sign-up tell strangers which email addresses have accounts. A new account can sign in only after
confirming its address; signing up with a registered address looks exactly like a new sign-up to
the person typing it, and the address's owner gets an email saying an account already exists."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
LOGIN = reverse("account_login")
PASSWORD = "a-Strong-pass-42"


@pytest.fixture(autouse=True)
def mandatory(settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"


def sign_up(client, django_capture_on_commit_callbacks, email, username):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(SIGNUP, {"email": email, "username": username, "password1": PASSWORD,
                                    "password2": PASSWORD}, follow=True)


def test_a_new_account_signs_in_only_after_confirming_its_address(client, django_capture_on_commit_callbacks):
    page = sign_up(client, django_capture_on_commit_callbacks, "nina@example.com", "nina")
    assert page.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "We've emailed you a link to confirm your address" in page.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302  # not signed in
    refused = client.post(LOGIN, {"login": "nina", "password": PASSWORD}, follow=True)
    assert refused.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard")).status_code == 302
    [message] = [m for m in mail.outbox if m.to == ["nina@example.com"]][-1:]
    confirm_url = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", message.body).group(1)
    confirmed = client.post(confirm_url, follow=True)
    assert confirmed.status_code == 200
    signed_in = client.post(LOGIN, {"login": "nina", "password": PASSWORD}, follow=True)
    assert signed_in.redirect_chain[-1][0] == reverse("dashboard")
    assert "Welcome" in signed_in.content.decode()


def test_signing_up_with_a_registered_address_does_not_say_it_is_registered(client, user,
                                                                         django_capture_on_commit_callbacks):
    taken = sign_up(client, django_capture_on_commit_callbacks, user.email, "someone-else")
    fresh = sign_up(client.__class__(), django_capture_on_commit_callbacks, "unknown@example.com", "unknown")
    assert taken.status_code == fresh.status_code == 200
    assert taken.redirect_chain[-1][0] == fresh.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "already" not in taken.content.decode().lower()
    assert not User.objects.filter(username="someone-else").exists()
    [notice] = [m for m in mail.outbox if m.to == [user.email]]
    assert notice.subject.startswith("Portal: ") and "already" in (notice.subject + notice.body).lower()
