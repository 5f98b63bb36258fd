"""Two requests racing on the same user's sign-in methods (PostgreSQL).

The requests run in threads with their own database connections and are held at a
threading.Barrier inside the check-then-write (tests/races.py), so the race happens on every run."""

import threading

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse

from accounts.adapters import ERR_UNLINK_LAST_SIGN_IN_METHOD
from tests.factories import UserFactory
from tests.races import needs_postgres, pause_at, run_concurrently

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def test_unlinking_both_providers_in_two_tabs_keeps_one_way_to_sign_in(monkeypatch):
    """A user without a password and with GitHub and Google linked unlinks GitHub in one tab and
    Google in the other: each check saw the other provider still linked, so both were removed and
    the account had no way to sign in left."""
    user = UserFactory(username="socialite")
    user.set_unusable_password()
    user.save()
    github = SocialAccount.objects.create(user=user, provider="github", uid="1", extra_data={"login": "socialite"})
    google = SocialAccount.objects.create(user=user, provider="google", uid="2", extra_data={"email": "s@example.com"})
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "accounts.adapters.SocialAccountAdapter.validate_disconnect", barrier)

    def unlink(account):
        client = Client(raise_request_exception=True)
        client.force_login(user)
        response = client.post(reverse("accounts:social-account-disconnect", args=[account.pk]), follow=True)
        return response.status_code, response.content.decode()

    outcomes = run_concurrently(github=lambda: unlink(github), google=lambda: unlink(google))

    assert all(isinstance(o, tuple) and o[0] == 200 for o in outcomes.values()), outcomes
    assert SocialAccount.objects.filter(user=user).count() == 1
    assert sum(ERR_UNLINK_LAST_SIGN_IN_METHOD in html for _, html in outcomes.values()) == 1
