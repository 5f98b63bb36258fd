"""Portal API, the SDK's CurrentUser calls that change the account: PUT /me (name, username),
PUT /me/password, GET /me/authorizationmethods and .../link; the account lifecycle calls the
portal leaves to its web pages answer 501 naming the page (they were 404 "not found")."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.core.cache import cache

from accounts import apis
from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.portal_api import PortalApi, error_codes, error_messages

pytestmark = pytest.mark.django_db


class TestSave:
    def test_changes_the_name_and_the_username(self, client, user):
        api = PortalApi(client, user)
        saved = api.put("/me", {"Username": "prince-h", "Name": "Hamlet of Denmark", "Email": user.email,
                                "Verified": True, "SCAdmin": True})  # read-only fields sent back: ignored
        assert saved.status_code == 200, saved.json()
        assert saved.json()["Username"] == "prince-h" and saved.json()["Name"] == "Hamlet of Denmark"
        assert saved.json()["SCAdmin"] is False
        user.refresh_from_db()
        assert (user.username, user.name, user.is_staff) == ("prince-h", "Hamlet of Denmark", False)
        assert api.get("/me").json()["Username"] == "prince-h"  # the same token goes on working

    def test_leaves_out_what_is_not_sent(self, client, user):
        assert PortalApi(client, user).put("/me", {"Name": "Only the name"}).json()["Username"] == "hamlet"

    def test_a_taken_or_invalid_username_is_a_400_naming_the_field(self, client, user):
        UserFactory(username="ophelia")
        api = PortalApi(client, user)
        taken = api.put("/me", {"Username": "Ophelia"})
        assert taken.status_code == 400 and taken.json()["Errors"][0]["Data"] == {"Field": "Username"}
        assert "taken" in error_messages(taken)[0]
        bad = api.put("/me", {"Username": "a@b.example"})
        assert bad.status_code == 400 and error_codes(bad) == ["InvalidRequest"]
        assert User.objects.get(pk=user.pk).username == "hamlet"

    def test_a_name_on_two_lines_is_refused(self, client, user):
        refused = PortalApi(client, user).put("/me", {"Name": "Evil\r\nBcc: x@example.com"})
        assert refused.status_code == 400 and refused.json()["Errors"][0]["Data"]["Field"] == "Name"
        assert User.objects.get(pk=user.pk).name == "Prince Hamlet"

    def test_another_email_is_refused_and_points_to_the_web(self, client, user):
        refused = PortalApi(client, user).put("/me", {"Name": "New name", "Email": "new@example.com"})
        assert refused.status_code == 400
        assert "Profile > Email (http://testserver/accounts/email/)" in error_messages(refused)[0]
        user.refresh_from_db()
        assert (user.email, user.name) == ("hamlet@example.com", "Prince Hamlet")  # nothing saved


class TestChangePassword:
    def test_with_the_current_password_it_changes_and_every_session_ends(self, client, user):
        api = PortalApi(client, user)
        changed = api.put("/me/password", {"CurrentPassword": DEFAULT_PASSWORD, "NewPassword": "a-new-Secret-42"})
        assert changed.status_code == 200, changed.json()
        assert changed.json()["Username"] == "hamlet"
        user.refresh_from_db()
        assert user.check_password("a-new-Secret-42")
        assert api.get("/me").status_code == 401  # signed out everywhere: sign in again
        token = client.post("/api/v1/oauth/token", {"grant_type": "password", "username": "hamlet",
                                                    "password": "a-new-Secret-42"})
        assert token.status_code == 200

    def test_a_wrong_or_missing_current_password_changes_nothing(self, client, user):
        api = PortalApi(client, user)
        wrong = api.put("/me/password", {"CurrentPassword": "not-it", "NewPassword": "a-new-Secret-42"})
        assert wrong.status_code == 400 and error_messages(wrong) == [apis.ERR_CURRENT_PASSWORD_WRONG]
        missing = api.put("/me/password", {"NewPassword": "a-new-Secret-42"})
        assert missing.status_code == 400 and error_messages(missing) == [apis.ERR_CURRENT_PASSWORD_MISSING]
        assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)
        assert api.get("/me").status_code == 200

    def test_guessing_the_current_password_is_stopped_like_sign_in(self, client, user, settings):
        settings.PORTAL_API_LOGIN_FAILURE_LIMIT = 3
        cache.clear()  # failures counted by other tests of this login
        api = PortalApi(client, user)
        for _ in range(3):
            assert api.put("/me/password", {"CurrentPassword": "guess", "NewPassword": "a-new-Secret-42"}).status_code == 400
        stopped = api.put("/me/password", {"CurrentPassword": DEFAULT_PASSWORD, "NewPassword": "a-new-Secret-42"})
        assert stopped.status_code == 429 and error_codes(stopped) == ["TooManyRequests"]
        assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)

    def test_a_weak_new_password_is_a_400_on_new_password(self, client, user):
        weak = PortalApi(client, user).put("/me/password", {"CurrentPassword": DEFAULT_PASSWORD, "NewPassword": "123"})
        assert weak.status_code == 400
        assert {e["Data"]["Field"] for e in weak.json()["Errors"]} == {"NewPassword"}
        assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)

    def test_an_account_without_a_password_sets_one_on_the_web(self, client, user):
        user.set_unusable_password()
        user.save()
        refused = PortalApi(client, user).put("/me/password", {"NewPassword": "a-new-Secret-42"})
        assert refused.status_code == 400 and "http://testserver/accounts/password/set/" in error_messages(refused)[0]
        assert not User.objects.get(pk=user.pk).has_usable_password()


class TestAuthorizationMethods:
    def test_lists_the_password_and_each_linked_provider_once(self, client, user):
        api = PortalApi(client, user)
        assert api.get("/me/authorizationmethods").json() == [{"Name": "Password"}]
        SocialAccount.objects.create(user=user, provider="github", uid="1")
        SocialAccount.objects.create(user=user, provider="google", uid="2")
        SocialAccount.objects.create(user=user, provider="github", uid="3")
        user.set_unusable_password()
        user.save()
        api = PortalApi(client, user)
        assert api.get("/me/authorizationmethods").json() == [{"Name": "Github"}, {"Name": "Google"}]

    def test_link_answers_the_web_page_that_links_a_provider(self, client, user):
        api = PortalApi(client, user)
        linked = api.post("/me/authorizationmethods/Github/link")
        assert linked.status_code == 200
        assert linked.json() == {"RedirectUrl": "http://testserver/accounts/3rdparty/"}
        unknown = api.post("/me/authorizationmethods/Myspace/link")
        assert unknown.status_code == 404 and error_codes(unknown) == ["NotFound"]

    def test_unlinking_needs_a_confirmation_window_and_uses_it_up(self, client, user):
        SocialAccount.objects.create(user=user, provider="github", uid="1")
        SocialAccount.objects.create(user=user, provider="google", uid="2")
        api = PortalApi(client, user)
        refused = api.delete("/me/authorizationmethods/Github")
        assert refused.status_code == 403 and error_codes(refused) == ["ConfirmationRequired"]
        assert "POST /me/verifyemail" in error_messages(refused)[0]
        assert SocialAccount.objects.filter(user=user, provider="github").exists()

        open_confirmation_window(api)
        assert api.delete("/me/authorizationmethods/github").status_code == 204  # any letter case
        assert list(SocialAccount.objects.filter(user=user).values_list("provider", flat=True)) == ["google"]
        assert api.get("/me/authorizationmethods").json() == [{"Name": "Password"}, {"Name": "Google"}]
        again = api.delete("/me/authorizationmethods/Google")  # the window was used up
        assert again.status_code == 403 and error_codes(again) == ["ConfirmationRequired"]

    def test_the_last_way_to_sign_in_stays_and_the_window_stays_open(self, client, user):
        SocialAccount.objects.create(user=user, provider="github", uid="1")
        user.set_unusable_password()
        user.save()
        api = PortalApi(client, user)
        open_confirmation_window(api)
        last = api.delete("/me/authorizationmethods/Github")
        assert last.status_code == 400 and "only way to sign in" in error_messages(last)[0]
        assert SocialAccount.objects.filter(user=user).exists()
        from organizations.services import confirmation_is_open

        assert confirmation_is_open(user=user)

    def test_a_method_not_linked_is_not_found(self, client, user):
        api = PortalApi(client, user)
        for name in ("Github", "Password", "Myspace"):
            missing = api.delete(f"/me/authorizationmethods/{name}")
            assert missing.status_code == 404 and error_codes(missing) == ["NotFound"], name


def open_confirmation_window(api):
    assert api.post("/me/verifyemail").status_code == 200
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert api.post("/confirmation", {"Code": code}).status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "page"),
    [
        ("POST", "/register", "/accounts/signup/"),
        ("POST", "/verify", "/accounts/signup/"),
        ("POST", "/forgotpassword", "/accounts/password/reset/"),
        ("POST", "/resetpassword", "/accounts/password/reset/"),
        ("POST", "/unlock", "/accounts/password/reset/"),
    ],
)
def test_the_account_lifecycle_left_to_the_web_is_a_501_naming_its_page(client, method, path, page):
    answer = PortalApi(client).request(method, path, {"Email": "someone@example.com"})  # anonymous, as the SDK
    assert answer.status_code == 501 and error_codes(answer) == ["NotImplemented"]
    assert f"http://testserver{page}" in error_messages(answer)[0]


def test_change_email_and_accept_terms_are_501_for_a_signed_in_user(client, user):
    api = PortalApi(client, user)
    assert api.put("/me/email", {"Email": "new@example.com", "Password": DEFAULT_PASSWORD}).status_code == 501
    assert api.post("/me/accept").status_code == 501
    assert PortalApi(client).put("/me/email", {"Email": "x@example.com"}).status_code == 401
    assert User.objects.get(pk=user.pk).email == "hamlet@example.com"
