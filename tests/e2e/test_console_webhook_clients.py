"""A webhook's API clients in the console, with many of them: a filter box narrows the list as you
type, and a checked client the filter hides is still saved."""

import pytest
from playwright.sync_api import expect

from console.tests.conftest import seed_core
from coreapi import models as core_models
from organizations import services as org_services
from tests.e2e.test_console import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hook_page(page, live_server):
    """Olivia signed in; her Sandbox organization has 60 more API clients and a webhook assigned
    to one of them (App 07); returns the webhook's page."""
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-hooks", name="Acme Hooks", region="usw")
    mp = seed_core(org)
    core_models.ApiClient.objects.bulk_create([
        core_models.ApiClient(marketplace=mp, oc_id=f"client-{i:02d}", app_name=f"App {i:02d}") for i in range(60)])
    core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Orders hook", url="https://example.com/hook",
                                       webhook_routes=[{"Route": "v1/orders", "Verb": "POST"}],
                                       api_client_ids=["client-07"])
    sign_in(page, live_server.url, "olivia")
    url = f"{live_server.url}/console/sandbox/acme-hooks/webhooks/hook-1/"
    page.goto(url)
    return url


def test_the_client_filter_narrows_the_list_and_a_hidden_checked_client_is_saved(page, hook_page, screenshot):
    choices = page.get_by_test_id("webhook-client-choices")
    checkboxes = choices.locator("input[type=checkbox]")
    count = page.get_by_test_id("client-filter-count")
    expect(checkboxes).to_have_count(62)  # the 60 and seed_core's two
    expect(count).to_have_text("1 selected")
    expect(count).to_have_attribute("aria-live", "polite")

    search = page.get_by_label("Filter API clients")
    search.fill("app 4")  # by app name, whatever the case
    expect(checkboxes.locator("visible=true")).to_have_count(10)
    expect(page.get_by_label("App 07 (client-07)")).to_be_hidden()
    expect(count).to_have_text("1 selected (1 hidden by the filter) · 10 of 62 shown")
    search.fill("client-42")  # by ID
    expect(checkboxes.locator("visible=true")).to_have_count(1)
    page.get_by_label("App 42 (client-42)").check()
    expect(count).to_have_text("2 selected (1 hidden by the filter) · 1 of 62 shown")
    search.press("Enter")  # filters; does not save the form
    expect(page.get_by_test_id("webhook-form")).to_be_visible()
    screenshot("01-filtered")

    search.fill("")  # cleared: the whole list, both checked
    expect(checkboxes.locator("visible=true")).to_have_count(62)
    expect(count).to_have_text("2 selected")
    expect(page.get_by_label("App 07 (client-07)")).to_be_checked()
    expect(page.get_by_label("App 42 (client-42)")).to_be_checked()

    search.fill("no such app")  # saved while the filter hides every checked client
    expect(checkboxes.locator("visible=true")).to_have_count(0)
    expect(count).to_have_text("2 selected (2 hidden by the filter) · no API client matches \u201cno such app\u201d")
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_text("Webhook Orders hook saved.")).to_be_visible()
    assert sorted(core_models.Webhook.objects.get(oc_id="hook-1").api_client_ids) == ["client-07", "client-42"]

    page.goto(hook_page)  # reload: both still assigned
    expect(page.get_by_label("App 07 (client-07)")).to_be_checked()
    expect(page.get_by_label("App 42 (client-42)")).to_be_checked()
    expect(page.get_by_test_id("client-filter-count")).to_have_text("2 selected")


def test_without_script_the_clients_are_the_plain_list(browser, live_server, hook_page):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "olivia")
        page.goto(hook_page)
        expect(page.get_by_test_id("webhook-client-choices").locator("input[type=checkbox]").locator("visible=true")).to_have_count(62)
        expect(page.get_by_label("Filter API clients")).to_be_hidden()  # no box that filters nothing
        expect(page.get_by_label("App 07 (client-07)")).to_be_checked()
    finally:
        context.close()
