"""Back to a list the user had searched with htmx shows the whole page, its search still in the box.
A search pushes its address (/organizations/?q=...), whose answer to htmx is only the results: the
browser's cache kept that answer for the address and gave it back on Back, a bare unstyled table,
until the answers said they vary on HX-Request. And htmx's snapshot of a page it changed keeps what
was typed into its fields."""

import pytest
from playwright.sync_api import expect

from organizations.services import organization_create
from tests.e2e.test_organizations import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def org_list(page, live_server):
    """Olivia's organization list, with two organizations to tell a search's results apart."""
    olivia = UserFactory(username="olivia", email="olivia@example.com")
    organization_create(actor=olivia, oc_id="alpha-shop", name="Alpha shop")
    organization_create(actor=olivia, oc_id="three-shop", name="Three shop")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/organizations/")


def test_back_to_a_searched_list_shows_the_whole_page_with_its_search(page, live_server, org_list):
    search = page.get_by_label("Search organizations")
    search.fill("three")
    expect(page).to_have_url(f"{live_server.url}/organizations/?q=three&sort=name")
    expect(page.get_by_role("link", name="Alpha shop")).to_have_count(0)

    page.get_by_role("link", name="Three shop").click()
    expect(page).to_have_url(f"{live_server.url}/organizations/sandbox/three-shop/")
    page.go_back()

    expect(page).to_have_url(f"{live_server.url}/organizations/?q=three&sort=name")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # the page, not the partial
    assert page.evaluate("document.styleSheets.length") > 0
    expect(page.get_by_label("Search organizations")).to_have_value("three")
    expect(page.get_by_role("link", name="Three shop")).to_be_visible()
    expect(page.get_by_role("link", name="Alpha shop")).to_have_count(0)


def test_back_between_two_searches_keeps_the_typed_search_with_its_results(page, live_server, org_list):
    page.get_by_label("Search organizations").fill("three")
    expect(page).to_have_url(f"{live_server.url}/organizations/?q=three&sort=name")
    page.get_by_label("Sort").select_option("-created")
    expect(page).to_have_url(f"{live_server.url}/organizations/?q=three&sort=-created")

    page.go_back()  # htmx puts back its snapshot of the first search
    expect(page).to_have_url(f"{live_server.url}/organizations/?q=three&sort=name")
    expect(page.get_by_role("link", name="Alpha shop")).to_have_count(0)
    expect(page.get_by_label("Search organizations")).to_have_value("three")
    expect(page.get_by_label("Sort")).to_have_value("name")
