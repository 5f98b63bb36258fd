"""Profile › Email and an address another account has only as an unconfirmed extra address. Such an
address is nobody's (README "Who owns an address"): a sign-up with it takes it, and so does Profile ›
Email now: adding it was refused ("A user is already registered with this email address."), so the
address's owner could not add their own address to their account while someone else had typed it.
Confirming it drops it from the other account. A confirmed address of another account (or its sign-in
address) stays refused."""

import re
from unittest import mock
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "prince@example.com"
TAKEN = "A user is already registered with this email address."


def _confirmation_link(address):
    [message] = [m for m in mail.outbox if address in m.to]
    return urlparse(re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)).path


def _add(client, address, capture):
    mail.outbox.clear()
    with capture(execute=True):
        return client.post(reverse("account_email"), {"action_add": "", "email": address}, follow=True)


@pytest.fixture
def mallory(django_capture_on_commit_callbacks):
    """Has typed ADDRESS on Profile › Email and never confirmed it (it is not hers)."""
    mallory = UserFactory(username="mallory", email="mallory@evil.example")
    client = Client()
    client.force_login(mallory)
    _add(client, ADDRESS, django_capture_on_commit_callbacks)
    assert not EmailAddress.objects.get(user=mallory, email=ADDRESS).verified
    mallory.client = client
    mallory.link = _confirmation_link(ADDRESS)
    return mallory


@pytest.fixture
def hamlet(client):
    hamlet = UserFactory(username="hamlet", email="hamlet@example.com")
    EmailAddress.objects.create(user=hamlet, email=hamlet.email, verified=True, primary=True)
    client.force_login(hamlet)
    return hamlet


def test_the_address_can_be_added_and_a_confirmation_is_mailed(client, hamlet, mallory,
                                                               django_capture_on_commit_callbacks):
    page = _add(client, ADDRESS, django_capture_on_commit_callbacks)
    assert page.status_code == 200
    assert "form" not in page.context or not page.context["form"].errors
    assert ADDRESS in page.content.decode()
    assert not EmailAddress.objects.get(user=hamlet, email=ADDRESS).verified
    assert _confirmation_link(ADDRESS)


def test_confirming_it_removes_it_from_the_other_account(client, hamlet, mallory, django_capture_on_commit_callbacks):
    _add(client, ADDRESS, django_capture_on_commit_callbacks)
    done = client.post(_confirmation_link(ADDRESS), follow=True)
    assert done.status_code == 200
    assert EmailAddress.objects.get(user=hamlet, email=ADDRESS).verified
    assert not EmailAddress.objects.filter(user=mallory, email=ADDRESS).exists()
    # the other account's old link confirms nothing for it now
    mallory.client.post(mallory.link, follow=True)
    assert list(EmailAddress.objects.filter(email=ADDRESS).values_list("user__username", "verified")) == [
        ("hamlet", True)]
    # and hamlet can make it his sign-in address
    client.post(reverse("account_email"), {"action_primary": "", "email": ADDRESS})
    hamlet.refresh_from_db()
    assert hamlet.email == ADDRESS


def test_the_other_account_confirming_first_keeps_it_and_it_leaves_the_second(
        client, hamlet, mallory, django_capture_on_commit_callbacks):
    # mallory owned it after all (she confirms first): it leaves hamlet's list, his link confirms nothing
    _add(client, ADDRESS, django_capture_on_commit_callbacks)
    hamlets_link = _confirmation_link(ADDRESS)
    mallory.client.post(mallory.link)
    assert EmailAddress.objects.get(user=mallory, email=ADDRESS).verified
    assert not EmailAddress.objects.filter(user=hamlet, email=ADDRESS).exists()
    done = client.post(hamlets_link, follow=True)
    assert done.status_code in (200, 404)
    assert list(EmailAddress.objects.filter(email=ADDRESS).values_list("user__username", "verified")) == [
        ("mallory", True)]
    # adding it again is now refused: it is mallory's
    page = client.post(reverse("account_email"), {"action_add": "", "email": ADDRESS.upper()})
    assert page.status_code == 200 and page.context["form"].errors["email"] == [TAKEN]


def test_two_accounts_confirming_at_once_the_second_is_told_not_a_500(client, hamlet, mallory,
                                                                       django_capture_on_commit_callbacks):
    _add(client, ADDRESS, django_capture_on_commit_callbacks)
    hamlets_link = _confirmation_link(ADDRESS)
    # mallory's confirmation commits between the check of hamlet's (nothing confirmed yet) and its save
    EmailAddress.objects.filter(user=mallory, email=ADDRESS).update(verified=True)
    with mock.patch.object(EmailAddress, "can_set_verified", return_value=True):
        done = client.post(hamlets_link, follow=True)
    assert done.status_code == 200
    assert any("already confirmed by a different account" in str(m) for m in get_messages(done.wsgi_request))
    assert not EmailAddress.objects.get(user=hamlet, email=ADDRESS).verified
    assert EmailAddress.objects.get(user=mallory, email=ADDRESS).verified


def test_a_confirmed_address_of_another_account_is_refused_with_a_clear_message(client, hamlet):
    other = UserFactory(username="laertes", email="laertes@example.com")
    EmailAddress.objects.create(user=other, email=ADDRESS, verified=True, primary=False)
    page = client.post(reverse("account_email"), {"action_add": "", "email": ADDRESS})
    assert page.status_code == 200 and page.context["form"].errors["email"] == [TAKEN]
    assert not EmailAddress.objects.filter(user=hamlet, email=ADDRESS).exists()


def test_another_accounts_sign_in_address_is_refused_even_unconfirmed(client, hamlet):
    UserFactory(username="laertes", email=ADDRESS)  # no EmailAddress row: never confirmed
    page = client.post(reverse("account_email"), {"action_add": "", "email": ADDRESS})
    assert page.status_code == 200 and page.context["form"].errors["email"] == [TAKEN]
    assert not EmailAddress.objects.filter(user=hamlet, email=ADDRESS).exists()


def test_ones_own_address_is_still_a_duplicate(client, hamlet):
    page = client.post(reverse("account_email"), {"action_add": "", "email": hamlet.email})
    assert page.status_code == 200 and page.context["form"].errors["email"]
    assert EmailAddress.objects.filter(user=hamlet).count() == 1
