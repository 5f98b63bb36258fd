"""Screen readers: picking an API client in "Switch context" says how many users came in (a polite
live region, filled by the users' answer); a user search says how many match. Before, the list
appeared without a word, so a screen reader user did not know the pick had done anything."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_picking_a_client_and_searching_its_users_is_announced(page, console):
    status = page.get_by_test_id("ctx-users-status")
    expect(status).to_have_attribute("aria-live", "polite")
    page.get_by_test_id("context-switch").locator("summary").click()
    page.get_by_placeholder("Search API clients").focus()
    page.locator("[data-testid=ctx-client][data-client=buyer-client]").click()
    expect(status).to_have_text("1 user you may impersonate signs in through Storefront.")
    # the new search box is live once htmx has settled the swap (it drops htmx-added then); typed
    # into before that, a loaded machine missed the input event
    expect(page.locator("#ctx-users .htmx-added, #ctx-users.htmx-settling")).to_have_count(0)
    with page.expect_response(lambda r: "q=nobody-like-this" in r.url):
        page.get_by_placeholder("Search users").fill("nobody-like-this")
    expect(status).to_have_text("No user you may impersonate matches “nobody-like-this” and signs in through Storefront.")
    expect(page.get_by_test_id("ctx-users-status")).to_have_count(1)  # updated in place, never a second region
