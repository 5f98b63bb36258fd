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


def _confirmation_link(user, email="prince@elsinore.example"):
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    address = EmailAddress.objects.create(user=user, email=email, verified=False, primary=False)
    return reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]), address


def test_a_confirmation_link_opened_again_says_the_address_is_confirmed_already(client, user):
    """It said the link "has expired or is invalid" and to ask for a new one (which then said the
    address was verified already)."""
    link, address = _confirmation_link(user)
    assert client.post(link).status_code == 302
    address.refresh_from_db()
    assert address.verified

    html = client.get(link).content.decode()
    assert "<strong>prince@elsinore.example</strong> is confirmed already: there is nothing more to do." in html
    assert "expired or is invalid" not in html


def test_pressing_confirm_again_after_going_back_is_not_a_404(client, user):
    link, _address = _confirmation_link(user)
    client.post(link)
    again = client.post(link)
    assert again.status_code == 200
    assert "is confirmed already" in again.content.decode()


def test_a_forged_or_unknown_link_still_says_it_is_invalid(client, user):
    link, address = _confirmation_link(user)
    address.verified = True
    address.save()
    forged = link.replace(link.rstrip("/").rsplit(":", 1)[1], "forged")
    for response in (client.get(forged), client.post(forged), client.get(reverse("account_confirm_email", args=["abc"]))):
        html = response.content.decode()
        assert "expired or is invalid" in html and "prince@elsinore.example" not in html


def test_opening_another_accounts_confirmation_link_signed_in_keeps_you_signed_in_and_says_confirm_signs_out(
    client, user, other_user
):
    """allauth signed the other account out as soon as the page opened (a GET), before Confirm was pressed."""
    from accounts.views import MSG_CONFIRM_SIGNS_OUT

    link, address = _confirmation_link(user)
    client.force_login(other_user)
    page = client.get(link)
    assert page.status_code == 200
    assert page.wsgi_request.user == other_user
    assert client.get(reverse("dashboard")).status_code == 200  # still signed in
    warning = MSG_CONFIRM_SIGNS_OUT.format(email="prince@elsinore.example", username=other_user.username)
    assert warning in page.content.decode()
    address.refresh_from_db()
    assert not address.verified


def test_confirm_on_another_accounts_link_confirms_the_address_and_signs_you_out(client, user, other_user):
    link, address = _confirmation_link(user)
    client.force_login(other_user)
    done = client.post(link)
    assert done.status_code == 302
    address.refresh_from_db()
    assert address.verified
    assert client.get(reverse("dashboard")).status_code == 302  # signed out, as allauth does on Confirm


def test_the_own_confirmation_link_does_not_warn_about_signing_out(client, user):
    link, _address = _confirmation_link(user)
    client.force_login(user)
    html = client.get(link).content.decode()
    assert "sign you out" not in html and 'data-testid="confirm-signs-out"' not in html
