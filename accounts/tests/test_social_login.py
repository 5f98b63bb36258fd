"""GitHub and Google sign-up/sign-in through allauth's real provider code and the fake OAuth server."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHOOSE = reverse("accounts:username-choose")


def test_github_sign_up_creates_a_user_without_username_sent_to_choose_one(client, social_login):
    response = social_login("github", uid=101, login="OctoDev", email="octodev@example.com", name="Octo Dev")
    assert response.status_code == 302
    user = User.objects.get(email="octodev@example.com")
    assert user.username is None and not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).uid == "101"

    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 302 and dashboard["Location"].startswith(CHOOSE)
    choose = client.get(dashboard["Location"])
    assert choose.context["form"]["username"].value() == "OctoDev"


def test_google_sign_up_suggests_a_username_from_the_name(client, social_login):
    social_login("google", uid="g-1", email="jane.roe@example.com", name="Jane Roe")
    page = client.get(CHOOSE)
    assert page.context["form"]["username"].value() == "jane-roe"


def test_signing_in_again_with_the_same_github_account_reuses_the_user(client, social_login):
    social_login("github", uid=7, login="seven", email="seven@example.com")
    user = User.objects.get(email="seven@example.com")
    client.post(CHOOSE, {"username": "seven"})
    client.logout()
    response = social_login("github", uid=7, login="seven", email="seven@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert User.objects.count() == 1
    assert client.get(reverse("dashboard")).context["user"] == user


def test_suggestion_avoids_an_existing_username_in_another_case(client, social_login):
    UserFactory(username="octocat")
    social_login("github", uid=8, login="OctoCat", email="other-octo@example.com")
    assert client.get(CHOOSE).context["form"]["username"].value() == "OctoCat-2"


def test_social_sign_up_with_an_email_of_another_account_asks_for_another_email_not_a_username(client, social_login, user):
    response = social_login("github", uid=9, login="hamlet-gh", email="hamlet@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
    form = client.get(response["Location"]).context["form"]
    assert "username" not in form.fields and "email" in form.fields
    done = client.post(reverse("socialaccount_signup"), {"email": "hamlet.gh@example.com"})
    assert done.status_code == 302
    created = User.objects.get(email="hamlet.gh@example.com")
    assert created.username is None


def test_callback_with_a_mismatched_state_shows_an_error_not_a_500(client, fake_oauth):
    client.post(reverse("github_login"), {"process": "login"})  # a real pending state in the session
    response = client.get(reverse("github_callback"), {"code": "whatever", "state": "forged-state"})
    assert response.status_code == 401
    assert "<h1>Sign-in failed</h1>" in response.content.decode()
    assert not User.objects.exists()


def test_callback_without_any_pending_login_shows_an_error_not_a_500(client, fake_oauth):
    response = client.get(reverse("google_callback"), {"code": "x", "state": "y"})
    assert response.status_code == 401
    assert "<h1>Sign-in failed</h1>" in response.content.decode()
    assert not User.objects.exists()


def test_unknown_provider_callback_is_404(client):
    assert client.get("/accounts/gitlab/login/callback/?code=x&state=y").status_code == 404
    assert client.get("/accounts/nope/login/callback/").status_code == 404


def test_user_cancelling_at_the_provider_lands_on_the_cancelled_page(client, social_login):
    response = social_login("github", deny=True)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert "login/cancelled" in response["Location"]
    assert not User.objects.exists()


def test_connect_google_from_the_authentication_page(client, social_login, user):
    client.force_login(user)
    response = social_login("google", process="connect", uid="g-77", email="hamlet@gmail.example", name="Hamlet")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:authentication")
    assert SocialAccount.objects.get(user=user, provider="google").uid == "g-77"


def test_connecting_a_github_account_of_another_user_is_refused(client, social_login, user, other_user):
    SocialAccount.objects.create(user=other_user, provider="github", uid="555", extra_data={"login": "oph"})
    client.force_login(user)
    response = social_login("github", process="connect", uid=555, login="oph")
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True)
    assert "This GitHub account is already linked to another portal account." in page.content.decode()
    assert not SocialAccount.objects.filter(user=user).exists()


def test_social_sign_up_keeps_saying_why_after_an_empty_address(client, social_login):
    """The provider shared no address: the explanation stays with the error (it was dropped)."""
    response = social_login("github", uid=21, login="silent", email="", name="Silent")
    assert response["Location"] == reverse("socialaccount_signup")
    assert "GitHub did not share an email address" in client.get(response["Location"]).content.decode()
    page = client.post(reverse("socialaccount_signup"), {"email": ""}).content.decode()
    assert "GitHub did not share an email address" in page and "This field is required." in page


def test_social_sign_up_with_a_taken_address_keeps_saying_so_after_a_malformed_one(client, social_login, user):
    social_login("github", uid=22, login="hamlet-gh", email="hamlet@example.com")
    page = client.post(reverse("socialaccount_signup"), {"email": "not-an-address"}).content.decode()
    assert "An account with hamlet@example.com already exists." in page
    assert "Enter a valid email address." in page


def test_social_sign_up_with_another_taken_address_says_link_under_authentication(client, social_login, user):
    from accounts.adapters import ERR_SOCIAL_EMAIL_TAKEN

    social_login("github", uid=23, email="", login="anon-gh")
    response = client.post(reverse("socialaccount_signup"), {"email": "Hamlet@example.com"})
    assert response.context["form"].errors["email"] == [ERR_SOCIAL_EMAIL_TAKEN % "GitHub"]
    page = response.content.decode()
    assert "An account with Hamlet@example.com already exists." in page
    assert "connect your GitHub account" not in page


def _pending_social_sign_up(client, social_login):
    """A GitHub sign-up waiting on its form (the provider's address is another account's); returns
    a second client holding the same session data, as a second submit of that form would."""
    from django.test import Client

    UserFactory(username="hamlet", email="hamlet@example.com")
    response = social_login("github", uid=77, login="hamlet-gh", email="hamlet@example.com")
    assert response["Location"] == reverse("socialaccount_signup")
    twin = Client()
    session = twin.session
    session.update(dict(client.session.items()))
    session.save()
    return twin


def test_submitting_the_provider_sign_up_form_twice_signs_in_to_the_account_the_first_made(client, social_login):
    """The second submit of a double-click said the address "belongs to another account" (the one
    the first submit had just made, with this GitHub account linked) and to link GitHub to it."""
    twin = _pending_social_sign_up(client, social_login)
    assert client.post(reverse("socialaccount_signup"), {"email": "prince@example.com"}).status_code == 302
    created = User.objects.get(email="prince@example.com")

    again = twin.post(reverse("socialaccount_signup"), {"email": "prince@example.com"})
    assert again.status_code == 302, again.context["form"].errors
    assert twin.session["_auth_user_id"] == str(created.pk)
    assert User.objects.filter(email="prince@example.com").count() == 1
    assert SocialAccount.objects.get(uid="77").user == created


def test_another_provider_account_typing_a_just_taken_address_is_still_told_it_is_taken(client, social_login, fake_oauth):
    twin = _pending_social_sign_up(client, social_login)
    UserFactory(username="horatio", email="prince@example.com")
    again = twin.post(reverse("socialaccount_signup"), {"email": "prince@example.com"})
    assert again.status_code == 200
    assert [e.code for e in again.context["form"].errors.as_data()["email"]] == ["email_taken"]
    assert not SocialAccount.objects.filter(uid="77").exists()


def test_the_provider_sign_up_form_of_an_account_made_meanwhile_in_another_tab_signs_in(client, social_login):
    """Two tabs signing up with the same GitHub account at once: the second was asked for another
    address because "an account with it already exists" (the one the first tab had just made)."""
    twin = _pending_social_sign_up(client, social_login)
    client.post(reverse("socialaccount_signup"), {"email": "prince@example.com"})
    created = User.objects.get(email="prince@example.com")
    page = twin.get(reverse("socialaccount_signup"))
    assert page.status_code == 302 and twin.session["_auth_user_id"] == str(created.pk)
