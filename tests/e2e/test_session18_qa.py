"""QA of the session's console and organization changes in Chromium (desktop and phone, mouse and
keyboard): findings that were defects, each checked to fail before its fix."""

import pytest
from playwright.sync_api import expect

from console.tests.conftest import add_member, seed_core
from coreapi import models as core_models
from organizations import services as org_services
from tests.e2e.helpers import sign_out_in_another_tab
from tests.e2e.test_console import sign_in
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STORAGE = "JSON.stringify(sessionStorage)"
PHONE = {"width": 375, "height": 740}
PAGE_WIDTH = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture
def shared_console(page, live_server):
    """A shared computer: Olivia (owner) and Bob (a full-access admin) of one Sandbox; Olivia is
    signed in on this tab, on Users.Create of the console; returns the console's URL."""
    olivia = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    bob = UserFactory(username="bob", name="Bob Builder", email="bob@example.com")
    org = org_services.organization_create(actor=olivia, oc_id="acme-shared", name="Acme Shared", region="usw")
    seed_core(org)
    add_member(org, olivia, bob, roles=["FullAccess"], is_admin=True)
    sign_in(page, live_server.url, "olivia")
    url = f"{live_server.url}/console/sandbox/acme-shared/"
    page.goto(f"{url}?op=Users.Create")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/buyers/{buyerID}/users")
    return url


def signed_out_while_building(page, live_server):
    """Olivia types a request, is signed out in another tab, then presses Send: the sign-in page."""
    page.get_by_label("buyerID").fill("buyer-1")
    page.get_by_label("Username").fill("olivias-new-shopper")
    send_after_signing_out_elsewhere(page, live_server)
    assert "olivias-new-shopper" in page.evaluate(STORAGE)  # kept for Olivia


def send_after_signing_out_elsewhere(page, live_server):
    """Signed out in another tab, Send on this one: the sign-in page, saying so."""
    sign_out_in_another_tab(page, live_server.url)
    page.get_by_role("button", name="Send").first.click()
    expect(page.get_by_text("You were signed out")).to_be_visible()


def sign_in_here(page, username):
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def send_after_signing_out_elsewhere_and_sign_in_again(page, live_server):
    send_after_signing_out_elsewhere(page, live_server)
    sign_in_here(page, "olivia")


def test_someone_else_signing_in_on_the_tab_never_gets_the_draft(page, shared_console, live_server):
    signed_out_while_building(page, live_server)
    sign_in_here(page, "bob")  # back to the same console page, as Bob: a fresh builder
    expect(page).to_have_url(f"{shared_console}?op=Users.Create")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/buyers/{buyerID}/users")
    expect(page.get_by_label("Username")).to_have_value("")
    expect(page.get_by_label("buyerID")).to_have_value("")
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)
    assert "olivias-new-shopper" not in page.evaluate(STORAGE)  # and it is gone from the tab


def test_any_page_of_another_account_drops_the_draft(page, shared_console, live_server):
    signed_out_while_building(page, live_server)
    page.goto(f"{live_server.url}/accounts/login/")  # Bob signs in to his dashboard, not the console
    sign_in_here(page, "bob")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert "olivias-new-shopper" not in page.evaluate(STORAGE)


def test_the_same_account_signing_in_again_still_gets_it(page, shared_console, live_server):
    signed_out_while_building(page, live_server)
    page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/")  # via another page of hers first
    sign_in_here(page, "olivia")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.goto(f"{shared_console}?op=Users.Create")
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("olivias-new-shopper")


def test_a_long_api_client_id_on_the_webhook_form_wraps_on_a_phone(page, live_server, screenshot):
    # The API clients' fieldset took the width of its longest line (a fieldset is min-content wide):
    # a client ID of 60 characters made the whole page 645px wide on a 375px phone
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-hooks", name="Acme Hooks", region="usw")
    mp = seed_core(org)
    long_id = "storefront" + "0" * 50
    core_models.ApiClient.objects.create(marketplace=mp, oc_id=long_id, app_name="Storefront with a long ID")
    core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Orders hook", url="https://example.com/hook",
                                       webhook_routes=[{"Route": "v1/orders", "Verb": "POST"}], api_client_ids=[long_id])
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "olivia")
    for path in ("hook-1/", "new/"):
        page.goto(f"{live_server.url}/console/sandbox/acme-hooks/webhooks/{path}")
        client = page.get_by_label(f"Storefront with a long ID ({long_id})")
        expect(client).to_be_visible()
        width, screen = page.evaluate(PAGE_WIDTH)
        assert width <= screen, f"{path}: the page is {width}px wide on a {screen}px screen"
        box = page.get_by_test_id("webhook-client-choices").bounding_box()
        assert box["x"] + box["width"] <= screen
    screenshot("01-phone")




def test_a_fresh_builder_is_not_announced_as_a_request_brought_back(page, shared_console, live_server):
    # Nothing typed: the session ends while the context picker opens (its search asks the server).
    # Signing in again said "The request you were building is back as you left it" over a fresh builder
    sign_out_in_another_tab(page, live_server.url)
    page.get_by_test_id("context-switch").locator("summary").click()
    page.locator("#ctx-client-search").focus()
    expect(page.get_by_label("Username or email")).to_be_visible()  # the sign-in page
    assert "portal.console.draft:" not in page.evaluate(STORAGE)
    sign_in_here(page, "olivia")
    expect(page).to_have_url(f"{shared_console}?op=Users.Create")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/buyers/{buyerID}/users")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("draft-restored")).to_have_count(0)


def test_the_draft_notice_goes_once_the_request_is_sent(page, shared_console, live_server):
    # it stayed above the builder whatever was sent after, until another page
    page.goto(f"{shared_console}?op=Products.Get")
    page.get_by_label("productID").fill("prod-1")
    send_after_signing_out_elsewhere_and_sign_in_again(page, live_server)
    notice = page.get_by_test_id("draft-restored")
    expect(notice).to_have_text("The request you were building is back as you left it.")
    expect(page.get_by_label("productID")).to_have_value("prod-1")
    page.get_by_label("productID").focus()
    page.keyboard.press("Enter")  # Send, by keyboard
    expect(page.locator("#response")).to_contain_text("200")
    expect(notice).to_have_count(0)
    expect(page.get_by_label("productID")).to_be_focused()  # focus stays where it was


def test_a_history_entry_loaded_with_edit_is_kept_unchanged(page, shared_console, live_server):
    page.goto(f"{shared_console}?op=Products.Get")
    page.get_by_label("productID").fill("prod-2")
    with page.expect_response(lambda r: "/send/" in r.url):
        page.get_by_role("button", name="Send").first.click()
    page.goto(f"{shared_console}?op=Products.Get")  # a fresh builder; the entry's Edit loads it back
    page.get_by_test_id("history").get_by_role("button", name="Edit").first.click()
    expect(page.get_by_label("productID")).to_have_value("prod-2")
    send_after_signing_out_elsewhere_and_sign_in_again(page, live_server)
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.get_by_label("productID")).to_have_value("prod-2")


def test_a_draft_built_while_impersonating_says_send_is_no_longer_as_that_user(page, shared_console, live_server):
    # Signing in again starts with your own access (the context is the session's): the request built
    # as the shopper came back saying only "as you left it", and Send made it as the owner
    page.get_by_test_id("context-switch").locator("summary").click()
    page.locator("#ctx-client-search").focus()
    page.locator("[data-testid=ctx-client][data-client=buyer-client]").click()
    page.locator("[data-testid=ctx-user][data-username=shopper]").click()
    expect(page.locator("strong[data-testid=ctx-user]")).to_have_text("shopper")
    page.goto(f"{shared_console}?op=Products.Get")
    page.get_by_label("productID").fill("prod-1")
    send_after_signing_out_elsewhere_and_sign_in_again(page, live_server)
    expect(page.locator("strong[data-testid=ctx-user]")).to_have_text("you (olivia)")
    notice = page.get_by_test_id("draft-restored")
    expect(notice).to_have_text(
        "The request you were building is back as you left it. It was built as shopper via Storefront; "
        "Send calls the API in your current context, as you (olivia): switch context to send it as shopper again.")
    expect(notice).to_have_class("message warning")
    expect(notice).to_have_attribute("role", "alert")  # read out at once: Send would act as someone else
    expect(page.get_by_label("productID")).to_have_value("prod-1")
