"""Portal API, the SDK's CurrentUser calls that change the account: PUT /me (name, username),
PUT /me/password, the authorization methods (list, link, unlink), a password reset by code
(/forgotpassword, /resetpassword); the account lifecycle calls the portal leaves to its web pages
answer 501 naming the page (they were 404 "not found")."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.core.cache import cache

from accounts import apis, services, services_register, services_reset
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

    def test_the_current_password_as_the_new_one_is_a_400_and_every_session_goes_on(self, client, user):
        """It "changed" the password to itself and ended every web and Portal API session."""
        api = PortalApi(client, user)
        same = api.put("/me/password", {"CurrentPassword": DEFAULT_PASSWORD, "NewPassword": DEFAULT_PASSWORD})
        assert same.status_code == 400
        assert error_messages(same) == [services.ERR_NEW_PASSWORD_SAME]
        assert {e["Data"]["Field"] for e in same.json()["Errors"]} == {"NewPassword"}
        assert api.get("/me").status_code == 200  # still signed in

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


class TestPasswordResetByCode:
    @pytest.fixture(autouse=True)
    def _clean(self):
        mail.outbox.clear()
        cache.clear()  # the per-client mail counter

    def forgot(self, client, email):
        answer = PortalApi(client).post("/forgotpassword", {"Email": email, "Recaptcha": {"Token": "x"}})
        assert answer.status_code == 204
        return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1) if mail.outbox else None

    def reset(self, client, email, code, password="a-new-Secret-42"):
        return PortalApi(client).post("/resetpassword", {"Email": email, "Code": code, "Password": password})

    def test_a_code_mailed_to_the_account_resets_its_password_once(self, client, user):
        api = PortalApi(client, user)
        code = self.forgot(client, "HAMLET@example.com")
        assert mail.outbox[-1].to == ["hamlet@example.com"] and "reset your password" in mail.outbox[-1].subject
        done = self.reset(client, "hamlet@example.com", code)
        assert done.status_code == 200 and done.json()["Username"] == "hamlet"
        assert User.objects.get(pk=user.pk).check_password("a-new-Secret-42")
        assert api.get("/me").status_code == 401  # every session ended
        again = self.reset(client, "hamlet@example.com", code, password="another-Secret-43")
        assert again.status_code == 400 and error_messages(again) == [services_reset.ERR_RESET_CODE]
        assert User.objects.get(pk=user.pk).check_password("a-new-Secret-42")

    def test_nothing_tells_whether_an_address_has_an_account(self, client, user):
        EmailAddress.objects.create(user=user, email="extra@example.com", verified=False, primary=False)
        assert self.forgot(client, "nobody@example.com") is None  # same 204, no mail
        assert self.forgot(client, "extra@example.com") is None  # an unconfirmed extra address is nobody's
        unknown = self.reset(client, "nobody@example.com", "123456")
        assert unknown.status_code == 400 and error_messages(unknown) == [services_reset.ERR_RESET_CODE]

    def test_a_confirmed_extra_address_gets_its_own_code_which_proves_only_it(self, client, user):
        EmailAddress.objects.create(user=user, email="work@example.com", verified=True, primary=False)
        code = self.forgot(client, "work@example.com")
        assert mail.outbox[-1].to == ["work@example.com"]
        other = self.reset(client, "hamlet@example.com", code)  # the account's other address: not proven
        assert other.status_code == 400
        assert self.reset(client, "work@example.com", code).status_code == 200

    def test_a_wrong_code_changes_nothing_and_codes_are_throttled(self, client, user):
        code = self.forgot(client, "hamlet@example.com")
        wrong = "000000" if code != "000000" else "111111"
        assert self.reset(client, "hamlet@example.com", wrong).status_code == 400
        assert self.reset(client, "hamlet@example.com", code).status_code == 400  # throttled right after a failure
        assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)

    def test_a_weak_password_does_not_use_the_code_up(self, client, user):
        code = self.forgot(client, "hamlet@example.com")
        weak = self.reset(client, "hamlet@example.com", code, password="123")
        assert weak.status_code == 400 and {e["Data"]["Field"] for e in weak.json()["Errors"]} == {"Password"}
        assert self.reset(client, "hamlet@example.com", code).status_code == 200

    def test_one_mail_a_minute_and_the_answer_does_not_change(self, client, user):
        self.forgot(client, "hamlet@example.com")
        self.forgot(client, "hamlet@example.com")
        assert len(mail.outbox) == 1

    def test_a_reset_through_the_unconfirmed_primary_address_takes_the_account(self, client, user):
        # someone signed up with GitHub using hamlet's address, unverified by GitHub: the owner resets
        SocialAccount.objects.create(user=user, provider="github", uid="99", extra_data={"login": "impostor"})
        code = self.forgot(client, "hamlet@example.com")
        assert self.reset(client, "hamlet@example.com", code).status_code == 200
        assert EmailAddress.objects.get(user=user, email="hamlet@example.com").verified
        assert not SocialAccount.objects.filter(user=user).exists()

    def test_a_code_that_could_not_be_delivered_is_withdrawn(self, client, user):
        from organizations.models import ActionCodeDevice
        from organizations.services import action_code_undelivered

        code = self.forgot(client, "hamlet@example.com")
        device = ActionCodeDevice.objects.get(user=user, name=services_reset.RESET_DEVICE)
        action_code_undelivered(device_pk=device.pk, valid_until=device.valid_until.isoformat())  # the mail task gave up
        assert self.reset(client, "hamlet@example.com", code).status_code == 400
        self.forgot(client, "hamlet@example.com")
        assert len(mail.outbox) == 2  # a new one at once: no cooldown


    def test_a_reset_ends_the_lock_of_failed_sign_ins_here_and_on_the_web(self, client, user, settings):
        settings.PORTAL_API_LOGIN_FAILURE_LIMIT = 3
        for _ in range(3):
            client.post("/api/v1/oauth/token", {"grant_type": "password", "username": "hamlet", "password": "guess"})

        def sign_in(password):
            return client.post("/api/v1/oauth/token", {"grant_type": "password", "username": "hamlet",
                                                       "password": password}).status_code
        assert sign_in(DEFAULT_PASSWORD) == 429  # locked
        code = self.forgot(client, "hamlet@example.com")
        assert self.reset(client, "hamlet@example.com", code).status_code == 200
        assert sign_in("a-new-Secret-42") == 200  # at once

class TestSignUpByCode:
    @pytest.fixture(autouse=True)
    def _clean(self):
        mail.outbox.clear()
        cache.clear()

    def register(self, client, email):
        answer = PortalApi(client).post("/register", {"Email": email, "Recaptcha": {"Token": "x"}})
        assert answer.status_code == 204, answer.content
        found = re.search(r"\b(\d{6})\b", mail.outbox[-1].body) if mail.outbox else None
        return found.group(1) if found else None

    def verify(self, client, email, code, username="laertes", password="a-new-Secret-42", name="Laertes"):
        return PortalApi(client).post("/verify", {"Email": email, "Code": code, "Username": username,
                                                  "Password": password, "Name": name, "Country": "DK"})

    def test_a_code_then_username_and_password_make_an_account_with_its_address_confirmed(self, client):
        code = self.register(client, "Laertes@Example.com")
        assert mail.outbox[-1].to == ["laertes@example.com"] and "sign-up code" in mail.outbox[-1].subject
        assert self.verify(client, "laertes@example.com", code).status_code == 204
        user = User.objects.get(username="laertes")
        assert (user.email, user.name) == ("laertes@example.com", "Laertes")
        assert EmailAddress.objects.get(user=user).verified
        token = client.post("/api/v1/oauth/token", {"grant_type": "password", "username": "laertes",
                                                    "password": "a-new-Secret-42"})
        assert token.status_code == 200
        me = PortalApi(client, token=token.json()["access_token"]).get("/me").json()
        assert me["Verified"] is True
        again = self.verify(client, "laertes@example.com", code, username="laertes2")  # single use
        assert again.status_code == 400 and error_messages(again) == [services_register.ERR_VERIFY_CODE]

    def test_a_taken_address_is_mailed_that_it_has_an_account_and_the_answer_is_the_same(self, client, user):
        assert self.register(client, "hamlet@example.com") is None  # no code: a mail saying it has an account
        assert mail.outbox[-1].to == ["hamlet@example.com"] and "already has an account" in mail.outbox[-1].subject
        assert "http://testserver/accounts/password/reset/" in mail.outbox[-1].body
        refused = self.verify(client, "hamlet@example.com", "123456")
        assert refused.status_code == 400 and User.objects.filter(email="hamlet@example.com").count() == 1

    def test_field_errors_come_first_and_keep_the_code(self, client, user):
        code = self.register(client, "laertes@example.com")
        bad = self.verify(client, "laertes@example.com", code, username="hamlet", password="123", name="A\nB")
        assert bad.status_code == 400
        assert {e["Data"]["Field"] for e in bad.json()["Errors"]} == {"Username", "Password", "Name"}
        assert self.verify(client, "laertes@example.com", code).status_code == 204

    def test_wrong_codes_end_the_pending_sign_up_after_five(self, client):
        code = self.register(client, "laertes@example.com")
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(services_register.MAX_WRONG):
            assert self.verify(client, "laertes@example.com", wrong).status_code == 400
        assert self.verify(client, "laertes@example.com", code).status_code == 400
        assert not User.objects.filter(username="laertes").exists()

    def test_a_code_proves_only_the_address_it_was_mailed_to(self, client):
        code = self.register(client, "laertes@example.com")
        assert self.verify(client, "someone.else@example.com", code).status_code == 400
        assert not User.objects.filter(username="laertes").exists()

    def test_an_unconfirmed_extra_address_of_another_account_is_taken_from_it(self, client, user):
        EmailAddress.objects.create(user=user, email="laertes@example.com", verified=False, primary=False)
        code = self.register(client, "laertes@example.com")
        assert code is not None
        assert self.verify(client, "laertes@example.com", code).status_code == 204
        assert not EmailAddress.objects.filter(user=user, email="laertes@example.com").exists()

    def test_an_invalid_address_is_a_400_and_mails_are_limited(self, client, settings):
        bad = PortalApi(client).post("/register", {"Email": "not an address"})
        assert bad.status_code == 400 and bad.json()["Errors"][0]["Data"]["Field"] == "Email"
        self.register(client, "laertes@example.com")
        self.register(client, "laertes@example.com")  # within the minute: no second mail
        assert len(mail.outbox) == 1
        for i in range(services_register.MAILS_PER_CLIENT - 3):  # the invalid address counted too
            self.register(client, f"stranger{i}@example.com")
        limited = PortalApi(client).post("/register", {"Email": "one.more@example.com"})
        assert limited.status_code == 429 and error_codes(limited) == ["TooManyRequests"]

