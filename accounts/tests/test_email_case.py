"""Accounts made outside allauth (createsuperuser, the admin site, scripts) with capitals in an
address's local part: they sign in by email and reset passwords like everyone, and nobody else can
sign up, sign in with a provider or add that address in another case (a form answer, never a 500)."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "Ops-pass-12345"


@pytest.fixture
def ops():
    return User.objects.create_superuser("ops", "Ops.Lead@Example.com", PASSWORD)


def test_any_way_of_creating_a_user_stores_the_address_in_lower_case(ops):
    assert ops.email == "ops.lead@example.com"
    legacy = User.objects.create_user(username="legacy1", email="  Legacy@Example.COM ", password=PASSWORD)
    assert legacy.email == "legacy@example.com"
    legacy.email = "Renamed@Example.com"
    legacy.save()
    assert User.objects.get(pk=legacy.pk).email == "renamed@example.com"


@pytest.mark.parametrize("login", ["Ops.Lead@example.com", "ops.lead@example.com", "OPS.LEAD@EXAMPLE.COM"])
def test_sign_in_by_email_in_any_case(client, ops, login):
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_password_reset_finds_the_account(client, ops):
    client.post(reverse("account_reset_password"), {"email": "Ops.Lead@example.com"})
    [message] = mail.outbox
    assert message.to == ["ops.lead@example.com"] and "Unknown Account" not in message.subject


def test_password_sign_up_with_that_address_in_another_case_is_a_form_error(client, ops):
    response = client.post(reverse("account_signup"), {
        "email": "OPS.lead@example.com", "username": "newcomer", "password1": "a-Strong-pass-42",
        "password2": "a-Strong-pass-42",
    })  # fmt: skip
    assert response.status_code == 200
    assert "already registered" in " ".join(response.context["form"].errors["email"])
    assert User.objects.count() == 1


def test_first_provider_sign_in_with_that_address_asks_for_another_one(client, social_login, ops):
    response = social_login("github", uid=301, login="ops-gh", email="OPS.LEAD@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
    assert User.objects.count() == 1


def test_adding_that_address_to_another_account_is_refused(client, ops, user):
    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "ops.lead@EXAMPLE.com"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not user.emailaddress_set.filter(email__iexact="ops.lead@example.com").exists()
