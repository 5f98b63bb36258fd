"""The staff pages of users (admin site: Accounts › Users): bad input is a form error, never a 500."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.admin import ERR_ADMIN_EMAIL_TAKEN
from accounts.models import User
from accounts.validators import ERR_USERNAME_TOO_LONG
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:accounts_user_add")
NEW_PASSWORD = "Zx9!long-admin-pass"


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "Boss-pass-123!"))
    return client


def _add(client, **fields):
    data = {"username": "newbie", "email": "newbie@example.com", "usable_password": "true",
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "_save": "1", **fields}
    return client.post(ADD, data)


def _change_data(user, **fields):
    return {"username": user.username or "", "email": user.email, "name": user.name, "is_active": "on",
            "date_joined_0": "2026-01-02", "date_joined_1": "03:04:05", "_save": "1", **fields}


def _errors(response) -> str:
    return " ".join(str(e) for form in [response.context["adminform"].form] for e in form.errors.values())


def test_adding_a_user_without_a_username_creates_one_who_chooses_it_later(staff_client):
    """An empty username was a 500 (Django's username field took the length of None)."""
    response = _add(staff_client, username="")
    assert response.status_code == 302
    user = User.objects.get(email="newbie@example.com")
    assert user.username is None and not user.has_valid_username


def test_emptying_a_username_on_the_change_page_is_not_a_500(staff_client, user):
    response = staff_client.post(reverse("admin:accounts_user_change", args=[user.pk]), _change_data(user, username=""))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.username is None


def test_adding_a_user_with_an_address_of_another_account_in_another_case_says_so(staff_client, user):
    response = _add(staff_client, email="HAMLET@Example.com")
    assert response.status_code == 200
    errors = _errors(response)
    assert ERR_ADMIN_EMAIL_TAKEN in errors and "Constraint" not in errors and errors.count("already") == 1
    assert not User.objects.filter(username="newbie").exists()


def test_adding_a_user_with_an_address_another_account_added_is_refused(staff_client, user):
    """The address was let through, and then signed in to two accounts."""
    EmailAddress.objects.create(user=user, email="prince@example.com", verified=True, primary=False)
    response = _add(staff_client, email="Prince@example.com")
    assert response.status_code == 200
    assert ERR_ADMIN_EMAIL_TAKEN in _errors(response)


def test_changing_an_email_to_another_accounts_in_another_case_says_so(staff_client, user, other_user):
    url = reverse("admin:accounts_user_change", args=[other_user.pk])
    response = staff_client.post(url, _change_data(other_user, email="Hamlet@EXAMPLE.com"))
    assert response.status_code == 200
    errors = _errors(response)
    assert ERR_ADMIN_EMAIL_TAKEN in errors and "Constraint" not in errors
    other_user.refresh_from_db()
    assert other_user.email == "ophelia@example.com"


def test_keeping_ones_own_address_in_another_case_saves(staff_client, user):
    UserFactory(username="horatio", email="horatio@example.com")
    response = staff_client.post(reverse("admin:accounts_user_change", args=[user.pk]),
                                 _change_data(user, email="Hamlet@Example.com", name="The Prince"))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "hamlet@example.com" and user.name == "The Prince"


def test_an_address_changed_by_staff_becomes_the_primary_one_on_profile_email(staff_client, user):
    """Profile › Email still called the old address Primary (and confirmations and staff notices
    went by it) while the account's email was the new one."""
    EmailAddress.objects.create(user=user, email="hamlet@example.com", verified=True, primary=True)
    response = staff_client.post(reverse("admin:accounts_user_change", args=[user.pk]),
                                 _change_data(user, email="Prince.Hamlet@example.com"))
    assert response.status_code == 302
    rows = {a.email: (a.verified, a.primary) for a in EmailAddress.objects.filter(user=user)}
    assert rows == {"prince.hamlet@example.com": (False, True), "hamlet@example.com": (True, False)}
    user.refresh_from_db()
    assert user.email == "prince.hamlet@example.com"


def test_changing_back_to_an_address_the_account_has_keeps_it_confirmed(staff_client, user):
    EmailAddress.objects.create(user=user, email="hamlet@example.com", verified=False, primary=True)
    EmailAddress.objects.create(user=user, email="prince@example.com", verified=True, primary=False)
    staff_client.post(reverse("admin:accounts_user_change", args=[user.pk]), _change_data(user, email="prince@example.com"))
    rows = {a.email: (a.verified, a.primary) for a in EmailAddress.objects.filter(user=user)}
    assert rows == {"prince@example.com": (True, True), "hamlet@example.com": (False, False)}


def test_a_user_added_by_staff_has_their_address_as_primary(staff_client):
    _add(staff_client, email="Newbie@Example.com")
    user = User.objects.get(username="newbie")
    assert [(a.email, a.verified, a.primary) for a in EmailAddress.objects.filter(user=user)] == [
        ("newbie@example.com", False, True)
    ]


def test_other_changes_leave_the_addresses_alone(staff_client, user):
    EmailAddress.objects.create(user=user, email="hamlet@example.com", verified=True, primary=False)
    EmailAddress.objects.create(user=user, email="prince@example.com", verified=True, primary=True)
    staff_client.post(reverse("admin:accounts_user_change", args=[user.pk]), _change_data(user, name="Hamlet II"))
    assert EmailAddress.objects.get(user=user, primary=True).email == "prince@example.com"


def test_staff_cannot_give_a_name_a_line_break_either(staff_client, user):
    from accounts.validators import ERR_NAME_CHARACTERS

    response = staff_client.post(reverse("admin:accounts_user_change", args=[user.pk]),
                                 _change_data(user, name="Prince\r\nHamlet"))
    assert response.status_code == 200 and ERR_NAME_CHARACTERS in _errors(response)


def test_adding_a_user_with_a_too_long_username_gets_the_portals_message(staff_client):
    """It was Django's "Ensure this value has at most 40 characters (it has 41)."."""
    response = _add(staff_client, username="a" * 41)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [ERR_USERNAME_TOO_LONG]
    assert not User.objects.filter(email="newbie@example.com").exists()
