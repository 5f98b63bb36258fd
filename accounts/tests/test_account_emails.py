"""allauth's account emails are named after the portal, not the host of the request that sent them
(the QA walk-through got "[127.0.0.1:8641] Please Confirm Your Email Address" / "Hello from
127.0.0.1:8641!"); the dashboard greets a signed-in user once."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:8641"


def assert_branded(message):
    assert message.subject.startswith("Portal: ")
    assert "Hello from Portal!" in message.body and "Thank you for using Portal!" in message.body
    assert HOST not in message.subject and HOST not in message.body.replace(f"http://{HOST}/", "")


def test_the_sign_up_confirmation_email_says_portal(client, settings, django_capture_on_commit_callbacks):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), {"email": "nina@example.com", "username": "nina",
                                                "password1": DEFAULT_PASSWORD, "password2": DEFAULT_PASSWORD},
                    HTTP_HOST=HOST)
    [message] = mail.outbox
    assert message.subject == "Portal: Confirm your email address"
    assert "register an account on Portal." in message.body
    assert_branded(message)


def test_the_password_reset_email_says_portal(client, user, settings, django_capture_on_commit_callbacks):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST=HOST)
    [message] = mail.outbox
    assert message.subject == "Portal: Reset your password"
    assert_branded(message)


def test_confirming_an_added_address_is_not_called_registering_an_account(
    client, user, settings, django_capture_on_commit_callbacks
):
    """Profile > Email > Add: the mail said "has given your email address to register an account"."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_email"), {"action_add": "", "email": "prince@elsinore.example"}, HTTP_HOST=HOST)
    [message] = mail.outbox
    assert message.to == ["prince@elsinore.example"]
    assert message.subject == "Portal: Confirm your email address"
    assert "hamlet added this address to their account on Portal." in message.body
    assert "register" not in message.body
    assert f"http://{HOST}/accounts/confirm-email/" in message.body
    assert_branded(message)


def test_the_dashboard_says_signed_in_once(client, user, password):
    page = client.post(reverse("account_login"), {"login": user.username, "password": password}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("dashboard")
    assert page.content.decode().count("Signed in as") == 1  # the flash message, not a second line
    again = client.get(reverse("dashboard")).content.decode()
    assert "Signed in as" not in again and "Welcome, Prince Hamlet" in again
