"""Shared steps of the browser tests."""

from playwright.sync_api import expect


def sign_out_in_another_tab(page, base_url: str) -> None:
    """Sign out in a second tab of the same browser (the first stays on its page, now signed out).
    The tab is closed once the signed-out page has loaded: closing it during that navigation hung
    at times (Page.close never returned), which stalled a whole run with no timeout."""
    other = page.context.new_page()
    other.goto(f"{base_url}/accounts/logout/")
    other.locator("main").get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("link", name="Sign in")).to_be_visible()
    other.wait_for_load_state("load")
    other.close()
