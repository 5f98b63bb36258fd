"""Browser tests of the accounts slice: social sign-up, choose username, link/unlink providers,
legacy users forced to choose a username. GitHub and Google are the fake OAuth server."""

import re

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from accounts.adapters import ERR_UNLINK_LAST_SIGN_IN_METHOD
from accounts.models import User
from tests.e2e.helpers import sign_out_in_another_tab
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_out(page):
    page.locator(".usermenu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name=re.compile("Sign in to"))).to_be_visible()


def test_github_sign_up_choose_username_link_google_unlink_github_and_sign_in_with_google(
    page, live_server, fake_oauth, screenshot
):
    fake_oauth.next_identity("github", uid=9001, login="Mona-Dev", email="mona@example.com", name="Mona Lisa")
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("button", name="Continue with GitHub")).to_be_visible()
    expect(page.get_by_role("button", name="Continue with Google")).to_be_visible()
    screenshot("sign-in")

    # Sign up with GitHub: straight to "Choose your username", the GitHub login suggested.
    page.get_by_role("button", name="Continue with GitHub").click()
    expect(page.get_by_role("heading", name="Choose your username")).to_be_visible()
    box = page.get_by_label("Username")
    expect(box).to_have_value("Mona-Dev")
    box.fill("mona@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("A username cannot be an email address")).to_be_visible()
    screenshot("choose-username-error")
    page.get_by_label("Username").fill("mona")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.get_by_text("Welcome! Your username is mona.")).to_be_visible()

    # Profile > Authentication from the user menu; link Google.
    page.locator(".usermenu summary").click()
    page.get_by_role("link", name="Authentication").click()
    expect(page.get_by_role("link", name="Authentication")).to_have_class(re.compile("active"))
    expect(page.locator('[data-provider="github"]')).to_contain_text("Mona-Dev")
    expect(page.get_by_role("link", name="Set a password")).to_be_visible()
    fake_oauth.next_identity("google", uid="g-9001", email="mona.lisa@gmail.example", name="Mona Lisa")
    page.get_by_role("button", name="Link Google").click()
    expect(page).to_have_url(f"{live_server.url}/account/authentication/")
    expect(page.locator('[data-provider="google"]')).to_contain_text("mona.lisa@gmail.example")
    screenshot("authentication")

    # Unlink GitHub (Google remains), then the last one is refused.
    page.get_by_role("button", name="Unlink GitHub Mona-Dev").click()
    expect(page.locator('[data-provider="github"]')).to_contain_text("Not linked")
    page.get_by_role("button", name=re.compile("Unlink Google")).click()
    expect(page.get_by_text(ERR_UNLINK_LAST_SIGN_IN_METHOD)).to_be_visible()
    expect(page.locator('[data-provider="google"]')).to_contain_text("Linked")
    screenshot("unlink-refused")
    user = User.objects.get(username="mona")
    assert list(SocialAccount.objects.filter(user=user).values_list("provider", flat=True)) == ["google"]

    # Sign out, sign in with Google: the same account, straight to the dashboard.
    _sign_out(page)
    fake_oauth.next_identity("google", uid="g-9001", email="mona.lisa@gmail.example", name="Mona Lisa")
    page.get_by_role("button", name="Continue with Google").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(page.locator(".usermenu-name")).to_have_text("mona")
    assert User.objects.count() == 1


def test_legacy_user_with_an_email_username_must_choose_before_the_dashboard(page, live_server, screenshot):
    legacy = UserFactory(username=None, name="Old Timer", email="old.timer@example.com")
    User.objects.filter(pk=legacy.pk).update(username="old.timer@example.com")  # as stored before migration 0002
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Username or email").fill("old.timer@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Choose your username")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("old-timer")
    screenshot("choose-username")
    page.goto(f"{live_server.url}/account/profile/")  # no way around it
    expect(page.get_by_role("heading", name="Choose your username")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    assert User.objects.get(pk=legacy.pk).username == "old-timer"
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", name="Welcome, Old Timer")).to_be_visible()


def test_sign_up_page_and_password_sign_up(page, live_server, screenshot):
    UserFactory(username="taken", email="taken@example.com")
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("fresh@example.com")
    page.get_by_label("Username").fill("TAKEN")
    page.get_by_label("Password", exact=True).fill("a-Strong-pass-42")
    page.get_by_label("Password (again)").fill("a-Strong-pass-42")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("That username is taken.")).to_be_visible()
    screenshot("sign-up-error")
    page.get_by_label("Username").fill("fresh")
    page.get_by_label("Password", exact=True).fill("a-Strong-pass-42")
    page.get_by_label("Password (again)").fill("a-Strong-pass-42")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")


def test_social_only_user_sets_a_password_then_signs_in_with_it(page, live_server, fake_oauth, screenshot):
    user = UserFactory(username="socialite", name="So Cial", email="socialite@example.com")
    user.set_unusable_password()
    user.save()
    SocialAccount.objects.create(user=user, provider="github", uid="777", extra_data={"login": "socialite"})
    fake_oauth.next_identity("github", uid=777, login="socialite", email="socialite@example.com")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Continue with GitHub").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/account/authentication/")
    page.get_by_role("link", name="Set a password").click()
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("short")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()
    screenshot("set-password-error")
    page.get_by_label("Password", exact=True).fill("a-Strong-pass-42")
    page.get_by_label("Password (again)").fill("a-Strong-pass-42")
    page.get_by_role("button", name="Set password").click()
    expect(page).to_have_url(f"{live_server.url}/account/authentication/")
    expect(page.get_by_role("link", name="Change password")).to_be_visible()

    _sign_out(page)
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    screenshot("password-reset")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill("socialite")
    page.get_by_label("Password").fill("a-Strong-pass-42")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/")


def test_a_console_send_after_signing_out_in_another_tab_goes_to_sign_in_and_back(page, live_server, screenshot):
    """The sign-in page appeared inside the console's response panel (htmx followed the redirect)."""
    from organizations import services as org_services

    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org_services.organization_create(actor=owner, oc_id="acme-shop", name="Acme Shop", region="usw")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill("olivia")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(f"{base}/console/sandbox/acme-shop/")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")

    sign_out_in_another_tab(page, base)

    page.get_by_role("button", name="Send").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fconsole%2Fsandbox%2Facme-shop%2F"))
    expect(page.get_by_role("status")).to_contain_text("You were signed out")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    screenshot("sign-in")
    page.get_by_label("Username or email").fill("olivia")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{base}/console/sandbox/acme-shop/")
