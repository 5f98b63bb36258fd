"""Two requests racing on the same user name or the same user's sign-in methods (PostgreSQL).

The requests run in threads with their own database connections and are held at a
threading.Barrier inside the check-then-write (tests/races.py), so the race happens on every run."""

import threading

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.adapters import ERR_UNLINK_LAST_SIGN_IN_METHOD
from accounts.models import User
from accounts.validators import ERR_USERNAME_TAKEN
from tests.factories import UserFactory
from tests.races import needs_postgres, pause_at, run_concurrently

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]

SIGNUP = reverse("account_signup")
PASSWORD = "a-Strong-pass-42"


def test_two_sign_ups_with_the_same_username_at_once_one_gets_the_username_taken_message(monkeypatch):
    """Both sign-up forms found the username free, then both saved: the second was a 500
    (IntegrityError on the username's unique constraint) instead of "This username is taken"."""
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "accounts.adapters.username_clean", barrier)

    def sign_up(email):
        response = Client(raise_request_exception=True).post(
            SIGNUP, {"email": email, "username": "newcomer", "password1": PASSWORD, "password2": PASSWORD})
        return response.status_code, response.context["form"].errors if response.status_code == 200 else None

    outcomes = run_concurrently(first=lambda: sign_up("first@example.com"), second=lambda: sign_up("second@example.com"))

    assert sorted(o[0] if isinstance(o, tuple) else repr(o) for o in outcomes.values()) == [200, 302], outcomes
    (errors,) = [o[1] for o in outcomes.values() if o[0] == 200]
    assert errors == {"username": [ERR_USERNAME_TAKEN]}
    assert User.objects.filter(username__iexact="newcomer").count() == 1


def test_two_sign_ups_with_the_same_email_at_once_get_the_answer_for_a_registered_address(monkeypatch):
    """The same with the email address: the second gets what a sign-up with a registered address
    gets one second later (here the form saying so), not a 500."""
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "accounts.adapters.username_clean", barrier)

    def sign_up(username):
        response = Client(raise_request_exception=True).post(
            SIGNUP, {"email": "same@example.com", "username": username, "password1": PASSWORD, "password2": PASSWORD})
        return response.status_code, response.context["form"].errors if response.status_code == 200 else None

    outcomes = run_concurrently(first=lambda: sign_up("first-one"), second=lambda: sign_up("second-one"))
    monkeypatch.undo()
    later = sign_up("third-one")

    assert sorted(o[0] if isinstance(o, tuple) else repr(o) for o in outcomes.values()) == [200, 302], outcomes
    assert later[0] == 200 and "email" in later[1]
    (errors,) = [o[1] for o in outcomes.values() if o[0] == 200]
    assert errors == later[1]
    assert User.objects.filter(email="same@example.com").count() == 1


def test_with_mandatory_verification_the_second_sign_up_with_the_address_reveals_nothing(monkeypatch, settings):
    """ACCOUNT_EMAIL_VERIFICATION=mandatory: both pages say "we have sent an email" and the address's
    owner is told an account already exists, as for a sign-up with a registered address."""
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "accounts.adapters.username_clean", barrier)

    def sign_up(username):
        response = Client(raise_request_exception=True).post(
            SIGNUP, {"email": "same@example.com", "username": username, "password1": PASSWORD, "password2": PASSWORD})
        return response.status_code, response.get("Location")

    outcomes = run_concurrently(first=lambda: sign_up("first-one"), second=lambda: sign_up("second-one"))

    assert list(outcomes.values()) == [(302, reverse("account_email_verification_sent"))] * 2, outcomes
    assert User.objects.filter(email="same@example.com").count() == 1
    assert len([m for m in mail.outbox if m.to == ["same@example.com"]]) == 2  # a confirmation, "already exists"


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


def test_a_double_click_on_the_provider_sign_up_form_signs_in_instead_of_a_500(monkeypatch, social_login, client):
    """Both submits of "Finish signing up with GitHub" found the typed address free, then both
    saved: the second was a 500 (IntegrityError). Now it signs in to the account the first made."""
    UserFactory(username="hamlet", email="hamlet@example.com")
    response = social_login("github", uid=78, login="hamlet-gh", email="hamlet@example.com")
    assert response["Location"] == reverse("socialaccount_signup")
    pending = dict(client.session.items())
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "accounts.forms.SocialSignupForm.validate_unique_email", barrier)

    def submit():
        browser = Client(raise_request_exception=True)
        session = browser.session
        session.update(pending)
        session.save()
        answer = browser.post(reverse("socialaccount_signup"), {"email": "prince@example.com"})
        return answer.status_code, browser.session.get("_auth_user_id")

    outcomes = run_concurrently(first=submit, second=submit)

    created = User.objects.get(email="prince@example.com")
    assert sorted(outcomes.values(), key=repr) == [(302, str(created.pk))] * 2, outcomes
    assert SocialAccount.objects.get(uid="78").user == created


def test_signing_up_with_the_same_github_account_in_two_tabs_at_once_signs_both_in(monkeypatch, social_login):
    """Both provider callbacks found no account for it, then both created one: the second was a 500
    (IntegrityError). Now it signs in to the account the first made."""
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "accounts.adapters.SocialAccountAdapter.pre_social_login", barrier)

    def sign_up():
        browser = Client(raise_request_exception=True)
        answer = social_login("github", c=browser, uid=79, login="twin-tabs", email="twin@example.com")
        return answer.status_code, browser.session.get("_auth_user_id")

    outcomes = run_concurrently(first=sign_up, second=sign_up)

    created = User.objects.get(email="twin@example.com")
    assert sorted(outcomes.values(), key=repr) == [(302, str(created.pk))] * 2, outcomes
    assert SocialAccount.objects.get(uid="79").user == created
