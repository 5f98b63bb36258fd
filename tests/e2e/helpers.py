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


def open_seeded_console(page, live_server, oc_id: str, name: str):
    """Olivia (created here) signed in on the console of her Sandbox organization `oc_id`, seeded with
    core data (console.tests.conftest.seed_core), on its first operation; returns (its URL, the
    organization's core marketplace)."""
    from console.tests.conftest import seed_core
    from organizations import services as org_services
    from tests.e2e.test_console import sign_in
    from tests.factories import UserFactory

    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id=oc_id, name=name, region="usw")
    marketplace = seed_core(org)
    sign_in(page, live_server.url, "olivia")
    url = f"{live_server.url}/console/sandbox/{oc_id}/"
    page.goto(url)
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")
    return url, marketplace


def send_and_wait(page) -> None:
    """Press the console's Send and wait for its answer."""
    with page.expect_response(lambda r: "/send/" in r.url):
        page.get_by_role("button", name="Send").first.click()
