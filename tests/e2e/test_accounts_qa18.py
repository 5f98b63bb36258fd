"""Browser QA of the accounts flows (desktop and a 375x740 phone, mouse and keyboard): an account
whose unconfirmed extra address was taken by another account is told so on signing in and on
Profile › Email, which stays within a phone's width; a password reset ends a sign-in lock."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from playwright.sync_api import expect

from accounts.services import MSG_EMAIL_RELEASED, MSG_EMAIL_RELEASED_AT_SIGN_IN, email_unconfirmed_extras_release
from tests.e2e.helpers import sign_out_in_another_tab
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
PAGE_WIDTH = "document.documentElement.scrollWidth"
LONG = "a.rather.long.address.for.a.phone.screen@subdomain.example.com"


def _sign_in_by_keyboard(page, base, login, password=DEFAULT_PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(login)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_taken_address_is_told_on_signing_in_and_on_profile_email_on_a_phone(page, live_server, screenshot):
    page.set_viewport_size(PHONE)
    yorick = UserFactory(username="yorick", email="yorick@example.com")
    EmailAddress.objects.create(user=yorick, email=yorick.email, verified=True, primary=True)
    EmailAddress.objects.create(user=yorick, email=LONG, verified=False, primary=False)
    email_unconfirmed_extras_release(email=LONG, proven=True)  # another account confirmed it
    assert [m.to for m in mail.outbox] == [[yorick.email]]

    _sign_in_by_keyboard(page, live_server.url, "yorick")
    expect(page.get_by_text(MSG_EMAIL_RELEASED_AT_SIGN_IN)).to_be_visible()
    page.goto(f"{live_server.url}/account/profile/")
    page.get_by_role("link", name="Manage email addresses").focus()
    page.keyboard.press("Enter")
    notice = page.get_by_text(MSG_EMAIL_RELEASED["confirmed"].format(email=LONG))
    expect(notice).to_be_visible()
    screenshot("email-released-notice")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    expect(page.get_by_test_id("email-list")).not_to_contain_text(LONG)
    page.reload()  # said once
    expect(page.get_by_text(LONG)).to_have_count(0)


@override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/m/ip,5/5m/key", "reset_password": "20/m/ip,5/m/key"})
def test_forgot_password_after_too_many_tries_signs_in_with_the_new_one(page, live_server):
    cache.clear()
    UserFactory(username="hamlet", email="hamlet@example.com")
    for _ in range(5):
        _sign_in_by_keyboard(page, live_server.url, "hamlet", "not-my-password")
        expect(page.locator(".errorlist")).to_be_visible()
    _sign_in_by_keyboard(page, live_server.url, "hamlet", "not-my-password")
    expect(page.get_by_text("Too many failed login attempts")).to_be_visible()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("hamlet@example.com")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("Hamlet-owns-4711x")
    page.get_by_label("New password (again)").fill("Hamlet-owns-4711x")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    _sign_in_by_keyboard(page, live_server.url, "hamlet", "Hamlet-owns-4711x")
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    cache.clear()


def test_unlink_after_signing_out_in_another_tab_comes_back_to_authentication(page, live_server):
    """Signing in went to the unlink address itself: 405, an empty page."""
    from allauth.socialaccount.models import SocialAccount

    hamlet = UserFactory(username="hamlet", email="hamlet@example.com")
    SocialAccount.objects.create(user=hamlet, provider="github", uid="5", extra_data={"login": "ham"})
    _sign_in_by_keyboard(page, live_server.url, "hamlet")
    page.goto(f"{live_server.url}/account/authentication/")
    sign_out_in_another_tab(page, live_server.url)
    page.get_by_role("button", name="Unlink GitHub ham").click()
    expect(page.get_by_text("You were signed out")).to_be_visible()
    page.get_by_label("Username or email").fill("hamlet")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/account/authentication/")
    expect(page.get_by_role("button", name="Unlink GitHub ham")).to_be_visible()  # nothing was done
