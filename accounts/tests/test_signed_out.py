"""A page left open after signing out (in another tab, or a session that ended) and then used."""

import pytest
from django.urls import reverse

from accounts.middleware import MSG_SIGNED_OUT_NOTHING_DONE

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
LOGIN = reverse("account_login")
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/console/sandbox/acme/?op=Products.List"}
CONSOLE_SEND = "/console/sandbox/acme/send/"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_form_sent_after_signing_out_elsewhere_says_nothing_was_saved(client, user):
    """It went to the sign-in page without a word: after signing in, the profile showed the old
    name as if the new one had been saved and changed back."""
    response = client.post(PROFILE, {"name": "New name", "username": "hamlet"})
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next={PROFILE}"
    assert _messages(client.get(response["Location"])) == [MSG_SIGNED_OUT_NOTHING_DONE]
    user.refresh_from_db()
    assert user.name == "Prince Hamlet"


def test_an_htmx_action_after_signing_out_goes_to_the_sign_in_page_and_back(client, user):
    """htmx followed the redirect and showed the whole sign-in page inside the console's response panel."""
    response = client.post(CONSOLE_SEND, {}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next=%2Fconsole%2Fsandbox%2Facme%2F%3Fop%3DProducts.List"
    assert b"Sign in" not in response.content
    assert _messages(client.get(LOGIN)) == [MSG_SIGNED_OUT_NOTHING_DONE]


def test_an_htmx_read_after_signing_out_goes_to_the_sign_in_page_without_a_warning(client, user):
    response = client.get("/console/sandbox/acme/operations/", headers=HTMX)
    assert response["HX-Redirect"].startswith(f"{LOGIN}?next=%2Fconsole%2F")
    assert _messages(client.get(LOGIN)) == []


def test_an_htmx_request_from_another_site_comes_back_to_no_other_site(client, user):
    response = client.post(CONSOLE_SEND, {}, headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    assert response["HX-Redirect"] == LOGIN


def test_opening_a_page_signed_out_is_asked_to_sign_in_as_before(client, user):
    response = client.get(PROFILE)
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next={PROFILE}"
    assert _messages(client.get(response["Location"])) == []


def test_signing_out_says_only_that(client, user, password):
    client.post(LOGIN, {"login": "hamlet", "password": password})
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert MSG_SIGNED_OUT_NOTHING_DONE not in _messages(client.get(response["Location"]))


def test_signed_in_pages_are_left_alone(client, user):
    client.force_login(user)
    response = client.post(PROFILE, {"name": "New name", "username": "hamlet"})
    assert response.status_code == 302 and response["Location"] == PROFILE
    assert MSG_SIGNED_OUT_NOTHING_DONE not in _messages(client.get(PROFILE))


def test_an_action_sent_after_signing_out_comes_back_to_the_page_it_was_on(client, user):
    """Unlink (POST only) from Profile › Authentication: signing in went to the unlink address, a 405
    (an empty page). Change password lost the page's ?next= (Cancel and Save went to another place)."""
    from allauth.socialaccount.models import SocialAccount

    account = SocialAccount.objects.create(user=user, provider="github", uid="5", extra_data={"login": "ham"})
    page = reverse("accounts:authentication")
    unlink = reverse("accounts:social-account-disconnect", args=[account.pk])
    response = client.post(unlink, headers={"Referer": f"http://testserver{page}"})
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=%2Faccount%2Fauthentication%2F"
    assert _messages(client.get(response["Location"])) == [MSG_SIGNED_OUT_NOTHING_DONE]
    client.force_login(user)
    assert client.get(page).status_code == 200
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    change = reverse("account_change_password")
    response = client.__class__().post(change, {}, headers={"Referer": f"http://testserver{change}?next={page}"})
    assert response["Location"] == f"{LOGIN}?next=%2Faccounts%2Fpassword%2Fchange%2F%3Fnext%3D%2Faccount%2Fauthentication%2F"


@pytest.mark.parametrize("referer", ["", "https://evil.example/account/profile/", "http://testserver//evil.example/",
                                     "http://testserver/accounts/login/"])
def test_a_referer_of_another_site_or_none_keeps_the_address_posted_to(client, user, referer):
    response = client.post(PROFILE, {"name": "New name"}, headers={"Referer": referer} if referer else {})
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next={PROFILE}"
