"""A phone-sized screen (375x740) and the keyboard alone (QA findings): no main page scrolls
sideways, even the console once it has a history; picking an operation or a history entry's "Edit"
takes focus (and the view) to the request; Send and "Re-run" bring the response into view; the user
autocomplete works with the arrow keys and Escape; the user menu closes on Escape, outside and when
focus leaves it; "Skip to content" is the first stop."""

import re

import pytest
from playwright.sync_api import expect

from console.tests.conftest import seed_core
from organizations import services as org_services
from tests.e2e.test_console import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
PAGE_WIDTH = "document.documentElement.scrollWidth"
IN_VIEW_BY_ID = "id => { const r = document.getElementById(id).getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight * 0.75; }"
FOCUSED_ID = "() => document.activeElement && document.activeElement.id"


@pytest.fixture
def phone(page, live_server):
    """Olivia (owner of a seeded Sandbox with a contributor and an invitation) signed in on a phone."""
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    UserFactory(username="ivan", name="Ivan Petrov", email="ivan@example.com")
    UserFactory(username="ivy", name="Ivy Green", email="ivy@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-phone", name="Acme Phone", region="usw")
    seed_core(org)
    org_services.contributor_save(actor=owner, organization=org, username="ivan", roles=["ProductReader"], is_admin=True)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "olivia")
    return live_server.url


def wait_in_view(page, element_id):
    """The element's top comes into the upper three quarters of the screen (after the htmx swap)."""
    page.wait_for_function(IN_VIEW_BY_ID, arg=element_id, timeout=5000)


def console_send(page):
    with page.expect_response(lambda r: "/send/" in r.url):
        page.locator("#builder-form .builder-head").get_by_role("button", name="Send").press("Enter")


def test_no_main_page_scrolls_sideways_on_a_phone(page, phone, screenshot):
    console = f"{phone}/console/sandbox/acme-phone/"
    page.goto(f"{console}?op=Products.List")
    console_send(page)  # a history entry: its table once made the whole console 580px wide
    expect(page.get_by_test_id("history")).to_contain_text("/v1/products")
    org = f"{phone}/organizations/sandbox/acme-phone/"
    pages = [
        "/dashboard/", "/organizations/", "/organizations/new/", "/organizations/invitations/",
        "/organizations/deleted/", "/organizations/production/", "/account/profile/", "/account/authentication/",
        org, f"{org}settings/", f"{org}activity/",
        console, f"{console}?op=Products.Create", f"{console}apiclients/", f"{console}apiclients/new/",
        f"{console}apiclients/admin-client/", f"{console}webhooks/", f"{console}webhooks/new/",
    ]
    for url in pages:
        page.goto(url if url.startswith("http") else f"{phone}{url}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"], url
    page.goto(f"{console}?op=Products.List")
    history = page.get_by_test_id("history")
    history.scroll_into_view_if_needed()
    screenshot("console-history")
    # the history scrolls inside its card; its buttons are reached by the keyboard
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    history.get_by_role("button", name="Re-run").first.focus()
    expect(history.get_by_role("button", name="Re-run").first).to_be_in_viewport()
    page.context.clear_cookies()
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page.goto(f"{phone}{url}")
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"], url


def test_picking_an_operation_by_keyboard_takes_focus_to_the_request(page, phone, screenshot):
    page.goto(f"{phone}/console/sandbox/acme-phone/")
    builder = page.get_by_test_id("builder")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")
    picker = page.locator("details.op-picker > summary")  # on a phone a one-line "Choose operation"
    picker.press("Enter")
    page.locator("a.op-link[data-op='Products.Create']").press("Enter")
    expect(page.locator("#builder-form input[name=op]")).to_have_value("Products.Create")
    # on a phone the request form is below the operation list opened: focus and view go there
    expect(builder).to_be_focused()
    wait_in_view(page, "builder-form")
    screenshot("picked")
    page.keyboard.press("Tab")
    expect(builder.locator(".builder-head").get_by_role("button", name="Send")).to_be_focused()

    # Send: the response lands below the long body form and is brought into view
    console_send(page)
    response = page.get_by_test_id("response")
    expect(response).to_be_visible()
    wait_in_view(page, "response")

    # a live edit (typing in a list option) does not move the page
    picker.press("Enter")
    page.locator("a.op-link[data-op='Products.List']").press("Enter")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")
    search = page.get_by_label("search", exact=True)
    search.focus()
    top = page.evaluate("scrollY")
    with page.expect_response(lambda r: "/send/" in r.url):
        search.press_sequentially("shirt")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("scrollY") == top
    expect(search).to_be_focused()

    # "Re-run" in the history (below the response) brings the new response into view, "Edit"
    # takes focus to the request it loads
    history = page.get_by_test_id("history")
    expect(history.locator("tbody tr").first).to_contain_text("/v1/products?")  # the live edit (newest)
    expect(history.locator("tbody tr").last).to_contain_text("POST")  # Products.Create (oldest)
    with page.expect_response(lambda r: "/rerun/" in r.url):
        history.get_by_role("button", name="Re-run").last.press("Enter")
    wait_in_view(page, "response")
    page.wait_for_load_state("networkidle")  # the history reloads after a call
    history.get_by_role("button", name="Edit").last.press("Enter")
    expect(page.locator("#builder-form input[name=op]")).to_have_value("Products.Create")
    expect(builder).to_be_focused()
    wait_in_view(page, "builder-form")


def test_user_autocomplete_by_keyboard(page, phone, screenshot):
    page.goto(f"{phone}/organizations/sandbox/acme-phone/")
    box = page.get_by_role("combobox", name="Invite a user")
    box.press_sequentially("iv")
    options = page.get_by_role("option")
    expect(options).to_have_count(2)  # ivan (already a contributor is still listed) and ivy
    page.keyboard.press("ArrowDown")
    expect(options.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")  # closes the list, keeps what was typed
    expect(options).to_have_count(0)
    expect(box).to_have_value("iv")
    expect(box).to_have_attribute("aria-expanded", "false")

    box.press_sequentially("y")
    expect(options).to_have_count(1)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    # the chosen user is shown and focus is on its "Change" (not lost to the page)
    assert page.locator("input[name=username]").input_value() == "ivy"
    expect(page.get_by_role("button", name="Change")).to_be_focused()
    screenshot("chosen")
    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    assert page.locator("input[name=username]").input_value() == ""


def test_user_menu_and_skip_link_by_keyboard(page, phone):
    page.goto(f"{phone}/organizations/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Request Production")).to_be_focused()

    menu = page.locator("details.usermenu")
    summary = menu.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Profile")).to_be_focused()
    page.keyboard.press("Escape")  # closes, focus back on its button
    expect(menu).not_to_have_attribute("open", re.compile(".*"))
    expect(summary).to_be_focused()

    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("open", "")
    page.locator("footer").click()  # a tap outside closes it
    expect(menu).not_to_have_attribute("open", re.compile(".*"))

    summary.click()
    expect(menu).to_have_attribute("open", "")
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Tab")  # focus moves on past the menu: it closes, nothing stays over the page
    expect(menu).not_to_have_attribute("open", re.compile(".*"))
