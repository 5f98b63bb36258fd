"""Profile > Email never removes an account's last address. allauth allowed it when the address
was the only one (sign-in by username is on): the user's email became "" (no password reset, no
emailed organization codes, "Email": "" from the Portal API), and the second account to do it hit
the unique constraint on users' emails (a 500)."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ONLY_ONE = "You cannot remove hamlet@example.com: it is the only email address of your account. Add another address first."
PRIMARY = "You cannot remove your primary email address (hamlet@example.com). Make another address primary first."


@pytest.fixture
def hamlet(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def remove(client, email):
    return client.post(reverse("account_email"), {"action_remove": "", "email": email}, follow=True)


def test_the_only_address_cannot_be_removed(client, hamlet):
    client.force_login(hamlet)
    page = remove(client, "hamlet@example.com")
    assert ONLY_ONE in page.content.decode()
    assert User.objects.get(pk=hamlet.pk).email == "hamlet@example.com"
    assert EmailAddress.objects.filter(user=hamlet, email="hamlet@example.com", primary=True).exists()


def test_two_accounts_trying_it_get_the_same_answer_not_a_500(client, hamlet):
    other = UserFactory(username="ophelia", email="ophelia@example.com")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    client.force_login(hamlet)
    remove(client, "hamlet@example.com")
    client.force_login(other)
    page = remove(client, "ophelia@example.com")
    assert page.status_code == 200
    assert "it is the only email address of your account" in page.content.decode()
    assert User.objects.get(pk=other.pk).email == "ophelia@example.com"


def test_the_primary_address_among_others_says_to_make_another_primary(client, hamlet):
    EmailAddress.objects.create(user=hamlet, email="prince@example.com", verified=True, primary=False)
    client.force_login(hamlet)
    page = remove(client, "hamlet@example.com")
    assert PRIMARY in page.content.decode()


def test_another_address_can_still_be_removed(client, hamlet):
    EmailAddress.objects.create(user=hamlet, email="prince@example.com", verified=True, primary=False)
    client.force_login(hamlet)
    page = remove(client, "prince@example.com")
    assert "Removed email address prince@example.com." in page.content.decode()
    assert list(EmailAddress.objects.filter(user=hamlet).values_list("email", flat=True)) == ["hamlet@example.com"]
