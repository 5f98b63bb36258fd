"""The "one confirmation email every 3 minutes" limit (ACCOUNT_RATE_LIMITS["confirm_email"]) counts per
account and address. allauth counted per address alone, so an account that had typed someone's
address on Profile › Email (and pressed "Re-send verification" every 3 minutes) kept that address's
owner from getting any confirmation email: signing up with it, or adding it to their own account,
mailed nothing, and "Re-send verification" told them one had been sent "a few minutes ago"."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts.views import MSG_CONFIRMATION_RECENTLY_SENT
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_limits")]

ADDRESS = "prince@example.com"
PASSWORD = "Hamlet-owns-4711"


@pytest.fixture
def _limits():
    cache.clear()
    with override_settings(ACCOUNT_RATE_LIMITS={"confirm_email": "1/3m/key"}):
        yield
    cache.clear()


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _post(client, capture, url, data):
    mail.outbox.clear()
    with capture(execute=True):
        return client.post(url, data, follow=True)


@pytest.fixture
def mallory(django_capture_on_commit_callbacks):
    """Has just typed ADDRESS on Profile › Email (a confirmation went to it) and re-sends it."""
    mallory = UserFactory(username="mallory", email="mallory@evil.example")
    mallory.client = Client()
    mallory.client.force_login(mallory)
    _post(mallory.client, django_capture_on_commit_callbacks, reverse("account_email"), {"action_add": "", "email": ADDRESS})
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    return mallory


def test_a_sign_up_with_the_address_is_still_mailed_its_confirmation(mallory, django_capture_on_commit_callbacks):
    done = _post(Client(), django_capture_on_commit_callbacks, reverse("account_signup"), {
        "email": ADDRESS, "username": "hamlet", "password1": PASSWORD, "password2": PASSWORD})
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert f"Confirmation email sent to {ADDRESS}." in _messages(done)


def test_another_account_adding_it_is_mailed_and_can_re_send_later(client, mallory,
                                                                   django_capture_on_commit_callbacks):
    hamlet = UserFactory(username="hamlet", email="hamlet@example.com")
    client.force_login(hamlet)
    done = _post(client, django_capture_on_commit_callbacks, reverse("account_email"), {"action_add": "", "email": ADDRESS})
    assert [m.to for m in mail.outbox] == [[ADDRESS]]
    assert f"Confirmation email sent to {ADDRESS}." in _messages(done)
    # mallory re-sending does not use up hamlet's turn, nor the other way round
    again = _post(mallory.client, django_capture_on_commit_callbacks, reverse("account_email"),
                  {"action_send": "", "email": ADDRESS})
    assert MSG_CONFIRMATION_RECENTLY_SENT.format(email=ADDRESS) in _messages(again) and not mail.outbox


def test_the_same_account_is_still_limited(mallory, django_capture_on_commit_callbacks):
    again = _post(mallory.client, django_capture_on_commit_callbacks, reverse("account_email"),
                  {"action_send": "", "email": ADDRESS})
    assert not mail.outbox and MSG_CONFIRMATION_RECENTLY_SENT.format(email=ADDRESS) in _messages(again)


def test_adding_again_too_soon_says_no_email_was_sent(mallory, django_capture_on_commit_callbacks):
    """Removed and added again within the 3 minutes: nothing was mailed, and the page said nothing."""
    url = reverse("account_email")
    _post(mallory.client, django_capture_on_commit_callbacks, url, {"action_remove": "", "email": ADDRESS})
    again = _post(mallory.client, django_capture_on_commit_callbacks, url, {"action_add": "", "email": ADDRESS})
    assert not mail.outbox
    assert MSG_CONFIRMATION_RECENTLY_SENT.format(email=ADDRESS) in _messages(again)
