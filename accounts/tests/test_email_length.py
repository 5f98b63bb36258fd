"""An email address longer than the 254 characters the database keeps (Django's EmailField lets
through up to 320): sign-up, Profile > Email and the social sign-up form answer with a form error;
it was a 500 on PostgreSQL (value too long) and silently stored on SQLite."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.forms import ERR_EMAIL_TOO_LONG
from accounts.models import User

pytestmark = pytest.mark.django_db

# 64 + 1 + 3 * 64 + 11 = 268 characters, a well-formed address that Django's validator accepts
TOO_LONG = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 63]) + ".example.com"


def test_the_address_is_well_formed_and_too_long():
    from django.core.validators import validate_email

    validate_email(TOO_LONG)
    assert len(TOO_LONG) > 254


def test_sign_up_with_a_too_long_address_is_a_form_error(client):
    response = client.post(reverse("account_signup"), {
        "email": TOO_LONG, "username": "longmail", "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42",
    })  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [ERR_EMAIL_TOO_LONG]
    assert ERR_EMAIL_TOO_LONG in response.content.decode()
    assert not User.objects.filter(username="longmail").exists()


def test_adding_a_too_long_address_is_a_form_error(client, user):
    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": TOO_LONG})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [ERR_EMAIL_TOO_LONG]
    assert not EmailAddress.objects.filter(user=user).exclude(email=user.email).exists()


def test_social_sign_up_with_a_too_long_address_is_a_form_error(client, social_login, user):
    social_login("github", uid=4711, login="long-gh", email=user.email)  # taken: the form asks for another
    response = client.post(reverse("socialaccount_signup"), {"email": TOO_LONG})
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [ERR_EMAIL_TOO_LONG]
    assert User.objects.count() == 1


def test_the_inputs_say_how_long_an_address_may_be(client, user):
    assert 'maxlength="254"' in client.get(reverse("account_signup")).content.decode()
    client.force_login(user)
    assert 'maxlength="254"' in client.get(reverse("account_email")).content.decode()
