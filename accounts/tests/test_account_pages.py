"""allauth's password, sign-out and confirmation pages in the portal's words: sentence case like
the rest of the portal ("Change password", not "Change Password"), no "contact us" without a
contact, a way on from the end of a password reset (it was a dead end), Cancel back to
Profile › Authentication, and "link"/"unlink" in the messages of that page."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Fresh-pass-4711"


def h1(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


def labels(response) -> list[str]:
    return re.findall(r"<label for=\"id_[^\"]+\">([^<]+)</label>", response.content.decode())


def test_password_reset_ends_on_a_page_that_leads_to_sign_in(client, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("account_reset_password"), {"email": user.email}, follow=True)
    assert h1(sent) == "Check your email"
    assert "contact us" not in sent.content.decode()
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    assert h1(form) == "Choose a new password"
    assert labels(form) == ["New password", "New password (again)"]
    done = client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("account_reset_password_from_key_done")
    assert h1(done) == "Password changed"
    assert f'href="{reverse("account_login")}">Sign in</a>' in done.content.decode()


def test_the_reset_request_page(client):
    page = client.get(reverse("account_reset_password"))
    body = page.content.decode()
    assert h1(page) == "Reset your password"
    assert "Email me a reset link" in body and "Reset My Password" not in body
    assert "contact us" not in body
    assert f'href="{reverse("account_login")}">Sign in</a>' in body


def test_signed_in_the_reset_page_says_signed_in_not_logged_in(client, user):
    client.force_login(user)
    body = client.get(reverse("account_reset_password")).content.decode()
    assert "You are signed in as hamlet." in body and "logged in" not in body


def test_change_password_in_sentence_case_with_cancel_back_to_authentication(client, user):
    client.force_login(user)
    page = client.get(reverse("account_change_password"))
    assert h1(page) == "Change password"
    assert labels(page) == ["Current password", "New password", "New password (again)"]
    assert 'placeholder="New password"' in page.content.decode()
    assert f'<a class="button secondary" href="{reverse("accounts:authentication")}">Cancel</a>' in page.content.decode()


def test_set_password_in_sentence_case_with_cancel_back_to_authentication(client, user):
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get(reverse("account_set_password"))
    assert h1(page) == "Set a password"
    assert labels(page) == ["Password", "Password (again)"]
    assert f'<a class="button secondary" href="{reverse("accounts:authentication")}">Cancel</a>' in page.content.decode()
    assert "Set password</button>" in page.content.decode()


def test_sign_out_page(client, user):
    client.force_login(user)
    page = client.get(reverse("account_logout"))
    assert h1(page) == "Sign out"
    assert "Sign Out" not in page.content.decode()


def test_an_invalid_confirmation_link_says_where_to_ask_for_a_new_one(client):
    page = client.get(reverse("account_confirm_email", args=["not-a-key"]))
    assert h1(page) == "Confirm your email address"
    assert f'href="{reverse("account_email")}"' in page.content.decode()


def test_linking_and_unlinking_say_linked_and_unlinked(client, social_login, user):
    client.force_login(user)
    linked = social_login("google", process="connect", uid="g-88", email="hamlet@gmail.example", name="Hamlet")
    page = client.get(linked["Location"])
    assert "Google is linked: you can now sign in with it." in page.content.decode()
    account = SocialAccount.objects.get(user=user)
    page = client.post(reverse("accounts:social-account-disconnect", args=[account.pk]), follow=True)
    assert "The account is unlinked: you can no longer sign in with it." in page.content.decode()
    assert "third-party" not in page.content.decode()


def test_a_failed_link_goes_back_to_authentication(client, user, fake_oauth):
    client.force_login(user)
    client.post(reverse("github_login"), {"process": "connect"})
    page = client.get(reverse("github_callback"), {"code": "whatever", "state": "forged-state"})
    assert page.status_code == 401
    assert h1(page) == "Linking failed"
    assert f'href="{reverse("accounts:authentication")}"' in page.content.decode()


def test_a_provider_login_opened_by_get_says_sign_in_or_link(client, user, fake_oauth):
    page = client.get(reverse("github_login"))
    assert h1(page) == "Sign in with GitHub"
    assert "Continue to GitHub</button>" in page.content.decode() and "third-party" not in page.content.decode()
    client.force_login(user)
    page = client.get(reverse("github_login"), {"process": "connect"})
    assert h1(page) == "Link GitHub"


def test_with_mandatory_verification_the_sent_page_leads_to_sign_in(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    page = client.post(reverse("account_signup"), {
        "email": "nina@example.com", "username": "nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    }, follow=True)  # fmt: skip
    assert page.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert h1(page) == "Confirm your email address"
    assert "contact us" not in page.content.decode()
    assert f'href="{reverse("account_login")}">Back to sign in</a>' in page.content.decode()


def test_a_deactivated_account_signing_in_with_a_provider_is_told_so(client, social_login, user):
    SocialAccount.objects.create(user=user, provider="github", uid="909", extra_data={"login": "hamlet"})
    user.is_active = False
    user.save()
    page = client.get(social_login("github", uid=909, login="hamlet", email=user.email)["Location"])
    assert h1(page) == "Account deactivated"
    assert f'href="{reverse("account_login")}">Back to sign in</a>' in page.content.decode()


@pytest.mark.parametrize("path", ["/accounts/3rdparty/", "/accounts/social/connections/"])
def test_allauths_connections_page_is_profile_authentication(client, user, path):
    client.force_login(user)
    page = client.get(path, follow=True)
    assert page.redirect_chain[-1][0] == reverse("accounts:authentication")
    assert reverse("socialaccount_connections") == "/accounts/3rdparty/"
