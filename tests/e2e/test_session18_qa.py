"""QA of the session's console and organization changes in Chromium (desktop and phone, mouse and
keyboard): findings that were defects, each checked to fail before its fix."""

import pytest
from playwright.sync_api import expect

from console.tests.conftest import add_member, seed_core
from organizations import services as org_services
from tests.e2e.test_console import sign_in
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STORAGE = "JSON.stringify(sessionStorage)"


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
    other = page.context.new_page()
    other.goto(f"{live_server.url}/accounts/logout/")
    other.locator("main").get_by_role("button", name="Sign out").click()
    other.close()
    page.get_by_role("button", name="Send").first.click()
    expect(page.get_by_text("You were signed out")).to_be_visible()
    assert "olivias-new-shopper" in page.evaluate(STORAGE)  # kept for Olivia


def sign_in_here(page, username):
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


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
