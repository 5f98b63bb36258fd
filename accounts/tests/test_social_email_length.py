"""A provider (GitHub, Google) that sends an email address longer than the 254 characters the
database keeps: the address is set aside and the user is asked for one on the social sign-up form,
which says why (it said the provider "did not share an email address"); linking or signing in with
such a provider account works. An address that is longer only in lower case ("İ" lowers to two
characters) created a user with an empty email, and the second such sign-up was a 500."""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User
from accounts.tests.test_email_length import TOO_LONG

pytestmark = pytest.mark.django_db

# 237 characters as sent, 277 in lower case (each "İ" becomes "i" and a combining dot)
LONGER_IN_LOWER_CASE = "a" * 64 + "@" + "\u0130" * 40 + "." + "b" * 63 + "." + "c" * 63 + ".com"
MSG_TOO_LONG = "shared is longer than 254 characters"


@pytest.mark.parametrize("provider,uid", [("github", 5150), ("google", "g-5150")])
def test_sign_up_with_a_too_long_provider_address_asks_for_one(client, social_login, provider, uid):
    response = social_login(provider, uid=uid, login="longmail", email=TOO_LONG, name="Long Mail")
    assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
    assert not User.objects.exists()

    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert MSG_TOO_LONG in text and "did not share" not in text
    assert page.context["form"]["email"].value() in ("", None)

    done = client.post(reverse("socialaccount_signup"), {"email": "long.mail@example.com"})
    assert done.status_code == 302
    user = User.objects.get()
    assert user.email == "long.mail@example.com"
    assert SocialAccount.objects.get(user=user).uid == str(uid)
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == ["long.mail@example.com"]


def test_linking_a_provider_with_a_too_long_address(client, social_login, user):
    client.force_login(user)
    response = social_login("github", process="connect", uid=5151, login="hamlet-long", email=TOO_LONG)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:authentication")
    assert SocialAccount.objects.get(user=user).uid == "5151"
    user.refresh_from_db()
    assert user.email == "hamlet@example.com"
    assert not EmailAddress.objects.filter(user=user, email=TOO_LONG).exists()
    page = client.get(reverse("accounts:authentication"))
    assert page.status_code == 200 and "hamlet-long" in page.content.decode()


def test_signing_in_again_when_the_provider_address_became_too_long(client, social_login, user):
    SocialAccount.objects.create(user=user, provider="google", uid="g-5152", extra_data={"email": user.email})
    response = social_login("google", uid="g-5152", email=TOO_LONG, name="Prince Hamlet")
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(reverse("accounts:authentication")).status_code == 200
    user.refresh_from_db()
    assert user.email == "hamlet@example.com"


def test_an_address_longer_only_in_lower_case_is_set_aside_too(client, social_login):
    assert len(LONGER_IN_LOWER_CASE) <= 254 < len(LONGER_IN_LOWER_CASE.lower())
    for n in (1, 2):  # the second user with an empty email was a 500 (unique constraint)
        client.logout()
        response = social_login("github", uid=5160 + n, login=f"unicode-{n}", email=LONGER_IN_LOWER_CASE)
        assert response.status_code == 302 and response["Location"] == reverse("socialaccount_signup")
        assert MSG_TOO_LONG in client.get(response["Location"]).content.decode()
        done = client.post(reverse("socialaccount_signup"), {"email": f"unicode-{n}@example.com"})
        assert done.status_code == 302
    assert sorted(User.objects.values_list("email", flat=True)) == ["unicode-1@example.com", "unicode-2@example.com"]

