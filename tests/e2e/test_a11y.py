"""Accessibility and small-screen checks in a real browser: what assistive technology computes
(accessible names and descriptions), the page never wider than a 360px phone, one h1 on the
console, and the "cancel at the provider" round trip of linking GitHub."""

import re

import pytest
from playwright.sync_api import expect

from organizations import services as org_services
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 780}
PAGE_WIDTH = "document.documentElement.scrollWidth"
# Lines a text takes on screen: a name broken letter by letter takes one line per letter or two.
TEXT_LINES = """el => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"""


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))


def test_sign_in_form_names_and_descriptions(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    password = page.locator("#id_password")
    expect(password).to_have_accessible_name("Password")
    expect(password).to_have_accessible_description("Forgot your password?")
    expect(page.get_by_label("Username or email")).to_have_attribute("autocomplete", "username")
    # keyboard order: the password box, then the reset link, then "Remember me"
    password.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_focused()
    # signed out: no empty navigation landmark
    assert page.get_by_role("navigation").count() == 0


def test_user_menu_is_named_by_the_visible_username(page, live_server):
    UserFactory(username="hamlet", name="Prince Hamlet", email="hamlet@example.com")
    sign_in(page, live_server.url, "hamlet")
    summary = page.locator(".usermenu summary")
    expect(summary).to_have_accessible_name(re.compile(r"^hamlet\b"))


def test_help_texts_are_the_fields_descriptions(page, live_server):
    UserFactory(username="hamlet", name="Prince Hamlet", email="hamlet@example.com")
    sign_in(page, live_server.url, "hamlet")
    page.goto(f"{live_server.url}/account/profile/")
    expect(page.get_by_label("Username")).to_have_accessible_description(re.compile("cannot be an email address"))
    page.goto(f"{live_server.url}/organizations/new/")
    expect(page.get_by_label("Id")).to_have_accessible_description(re.compile("Used in API URLs"))
    page.goto(f"{live_server.url}/accounts/password/change/")
    expect(page.get_by_label("New password", exact=True)).to_have_accessible_description(re.compile("at least 8 characters"))
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.get_by_label("Username")).to_have_accessible_description(re.compile("cannot be an email address"))


def test_email_addresses_fit_a_phone_and_the_radios_are_a_named_group(page, live_server, screenshot):
    from allauth.account.models import EmailAddress

    user = UserFactory(username="hamlet", name="Prince Hamlet", email="hamlet@example.com")
    EmailAddress.objects.create(user=user, email="hamlet@example.com", verified=True, primary=True)
    EmailAddress.objects.create(user=user, email="prince.hamlet.of.denmark@elsinore.example", verified=False, primary=False)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "hamlet")
    page.goto(f"{live_server.url}/accounts/email/")
    screenshot("email-360")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    card = page.locator("main").bounding_box()
    for name in ("Make primary", "Re-send verification", "Remove"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"], name
    group = page.get_by_role("group", name=re.compile("Addresses of your account"))
    expect(group.get_by_role("radio")).to_have_count(2)


def test_organizations_fit_a_phone_and_names_wrap_between_words(page, live_server, screenshot):
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org_services.organization_create(actor=owner, oc_id="demo-marketplace", name="Demo Marketplace", region="usw")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/organizations/")
    screenshot("organizations-360")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    name = page.get_by_role("link", name="Demo Marketplace")
    expect(name).to_be_visible()
    assert name.locator("strong").evaluate(TEXT_LINES) <= 2
    for tab in ("All", "Sandbox", "Staging", "Production"):
        box = page.get_by_role("navigation", name="Environment").get_by_role("link", name=re.compile(f"^{tab}")).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], tab


def test_console_pages_have_one_h1(page, console):
    base = console
    for url in (base, f"{base}apiclients/", f"{base}apiclients/new/", f"{base}webhooks/", f"{base}webhooks/new/"):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        expect(page.get_by_role("heading", level=1)).to_have_text("API console · Acme UI")
        levels = page.locator("h1, h2, h3, h4, h5, h6").evaluate_all("hs => hs.map(h => +h.tagName[1])")
        assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (url, levels)


def test_cancelling_link_github_at_the_provider_leads_back_to_authentication(page, live_server, fake_oauth, screenshot):
    UserFactory(username="hamlet", name="Prince Hamlet", email="hamlet@example.com")
    sign_in(page, live_server.url, "hamlet")
    page.goto(f"{live_server.url}/account/authentication/")
    fake_oauth.next_identity("github", deny=True)
    page.get_by_role("button", name="Link GitHub").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Linking cancelled")
    expect(page).to_have_title(re.compile("^Linking cancelled"))
    screenshot("linking-cancelled")
    page.get_by_role("link", name="Back to Authentication").click()
    expect(page).to_have_url(f"{live_server.url}/account/authentication/")
    expect(page.locator('[data-provider="github"]')).to_contain_text("Not linked")


def test_github_sign_up_with_a_registered_email_explains_and_leads_to_linking(page, live_server, fake_oauth, screenshot):
    UserFactory(username="hamlet", name="Prince Hamlet", email="hamlet@example.com")
    fake_oauth.next_identity("github", uid=4242, login="hamlet-gh", email="hamlet@example.com", name="Hamlet")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Continue with GitHub").click()

    # Before any submit: what happened, and the way out (sign in, then link).
    expect(page.get_by_role("heading", level=1)).to_have_text("Finish signing up with GitHub")
    notice = page.get_by_test_id("email-taken")
    expect(notice).to_contain_text("An account with hamlet@example.com already exists.")
    screenshot("social-sign-up-email-taken")
    page.get_by_role("button", name="Continue").click()  # the same address again: refused, still explained
    expect(page.get_by_label("Email")).to_have_accessible_description(re.compile("belongs to another account"))
    notice.get_by_role("link", name="sign in to it").click()

    page.locator("input[name=login]").fill("hamlet")
    page.locator("input[name=password]").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/account/authentication/")
    fake_oauth.next_identity("github", uid=4242, login="hamlet-gh", email="hamlet@example.com", name="Hamlet")
    page.get_by_role("button", name="Link GitHub").click()
    expect(page.locator('[data-provider="github"]')).to_contain_text("hamlet-gh")
