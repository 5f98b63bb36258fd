"""htmx keeps snapshots of the pages it changed in the tab's sessionStorage and puts them back on Back
without asking the server. The console's snapshots hold API responses: after signing out, Back
showed the last response to whoever used the tab next. A signed-out page (or another account's)
now drops them."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CACHE = "sessionStorage.getItem('htmx-history-cache')"


def test_signing_out_drops_the_console_snapshots_so_back_shows_no_response(page, console, live_server):
    page.get_by_placeholder("Search operations").fill("Products.Get")
    page.locator("a.op-link[data-op='Products.Get']").click()  # an htmx swap pushed into history
    expect(page).to_have_url(re.compile(r"op=Products\.Get"))
    page.get_by_label("productID").fill("prod-1")
    with page.expect_response(lambda r: "/send/" in r.url):
        page.get_by_role("button", name="Send").first.click()
    expect(page.get_by_test_id("response-status")).to_contain_text("200")
    page.get_by_placeholder("Search operations").fill("Products.List")
    page.locator("a.op-link[data-op='Products.List']").click()  # the page above is now a snapshot
    expect(page).to_have_url(re.compile(r"op=Products\.List"))
    assert "Red shirt" in (page.evaluate(CACHE) or "")  # the snapshot holds the response

    page.goto(f"{live_server.url}/accounts/logout/")
    page.locator("main").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert page.evaluate(CACHE) is None

    for _ in range(3):  # Back, to the console pages of before
        page.go_back()
        page.wait_for_load_state("load")
        assert "Red shirt" not in page.content()
