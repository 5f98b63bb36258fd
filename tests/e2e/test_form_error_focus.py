"""A page that comes back with a form error puts the keyboard on what to fix (static/js/portal.js):
the first invalid field, or the form-wide message when no field is to blame. Before, focus started
at the top of the page and a keyboard or screen-reader user had to hunt for the error."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = "() => { const e = document.activeElement; return e ? (e.name || e.className || e.tagName) : null; }"


def _sign_in(page, base, login, password):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_failed_sign_in_focuses_its_message_and_tab_goes_on_to_the_username(page, live_server):
    UserFactory(username="ophelia", email="ophelia@example.com")
    _sign_in(page, live_server.url, "ophelia", "not-the-password-1")

    message = page.locator("form .errorlist.nonfield")
    expect(message).to_be_focused()
    expect(message).to_contain_text("not correct")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Username or email")).to_be_focused()


def test_a_sign_up_with_a_weak_password_focuses_the_password_field_with_its_message(page, live_server):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("horatio")
    page.get_by_label("Email").fill("horatio@example.com")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_label("Password (again)").fill("password")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()

    password = page.get_by_label("Password", exact=True)
    expect(password).to_be_focused()
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("too common"))


def test_a_page_without_errors_leaves_focus_alone(page, live_server):
    UserFactory(username="laertes", email="laertes@example.com")
    _sign_in(page, live_server.url, "laertes", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/accounts/password/change/")
    assert page.evaluate(FOCUSED) == "BODY"

    page.get_by_label("Current password").fill("wrong-password-77")
    page.get_by_label("New password", exact=True).fill("a-much-better-one-42")
    page.get_by_label("New password (again)").fill("a-much-better-one-42")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("Current password")).to_be_focused()


def test_an_invite_of_a_name_that_is_no_username_focuses_change_which_reads_out_why(page, live_server):
    from organizations.services import organization_create

    olivia = UserFactory(username="olivia", email="olivia@example.com")
    organization_create(actor=olivia, oc_id="acme-shop", name="Acme shop")
    _sign_in(page, live_server.url, "olivia", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/")
    box = page.get_by_role("combobox", name="Invite a user")
    box.fill("Bob Jones")
    with page.expect_navigation():
        box.press("Enter")

    change = page.get_by_role("button", name="Change")
    expect(change).to_be_focused()
    expect(change).to_have_accessible_description(re.compile("No portal user has the username “Bob Jones”"))
    page.keyboard.press("Enter")  # Change: the box again, empty, to search
    expect(page.get_by_role("combobox", name="Invite a user")).to_be_focused()


def test_an_empty_invite_focuses_the_search_box_with_its_message(page, live_server):
    from organizations.services import organization_create

    olivia = UserFactory(username="olivia", email="olivia@example.com")
    organization_create(actor=olivia, oc_id="acme-shop", name="Acme shop")
    _sign_in(page, live_server.url, "olivia", DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/")
    with page.expect_navigation():
        page.get_by_role("button", name="Send invitation").click()

    box = page.get_by_role("combobox", name="Invite a user")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-invalid", "true")
