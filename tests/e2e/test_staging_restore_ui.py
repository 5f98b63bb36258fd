"""The Staging restore tab and long organization Ids in the browser (QA report 76, findings 6, 7 and
11): on a phone (375px) the restore report scrolls inside its card and a 100-character Id wraps, on
the organization's pages and in the API console's context card, so the page never scrolls
sideways; the HashKey is masked with a Show/Hide button, and Send test says how it went."""

import pytest
from playwright.sync_api import expect

from console.tests.conftest import seed_core
from organizations import services as org_services
from organizations import services_restore
from organizations.models import Environment, StagingRestoreWebhook
from tests.e2e.test_console import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
PAGE_WIDTH = "document.documentElement.scrollWidth"
LONG_ID = ("acme_corporation_europe_production_marketplace_primary_2027_" + "x" * 100)[:100]


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")


def _staging(owner, oc_id):
    production = org_services._org_create(actor=owner, oc_id=oc_id, name="Acme Live", region="usw",
                                          environment=Environment.PRODUCTION)
    return org_services.staging_twin_create(actor=owner, production_org=production)


def test_a_phone_never_scrolls_sideways_for_the_restore_report_or_a_long_id(page, live_server, owner, screenshot):
    staging = _staging(owner, LONG_ID)
    services_restore.staging_restore_start(actor=owner, organization=staging)  # no task queue: done at once
    sandbox = org_services.organization_create(actor=owner, oc_id=LONG_ID, name="Acme Sandbox", region="usw")
    seed_core(sandbox)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "olivia")

    page.goto(f"{live_server.url}/organizations/staging/{LONG_ID}/restore/")
    report = page.locator("table.restore-report")
    expect(report).to_be_visible()
    screenshot("restore")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    box = page.locator(".table-scroll:has(> table.restore-report)").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(page.locator(".page-header code.org-id")).to_have_text(LONG_ID)

    page.goto(f"{live_server.url}/organizations/sandbox/{LONG_ID}/")
    code = page.locator(".page-header code.org-id")
    expect(code).to_have_text(LONG_ID)
    screenshot("organization")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert code.bounding_box()["height"] > 30  # wrapped onto several lines, not cut off at the edge

    page.goto(f"{live_server.url}/console/sandbox/{LONG_ID}/")
    expect(page.get_by_test_id("ctx-org")).to_be_visible()
    screenshot("console")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]


def test_the_hash_key_is_masked_shown_on_request_and_send_test_says_how_it_went(page, live_server, owner, screenshot):
    from portal.tests.processes import free_port

    staging = _staging(owner, "acme")
    services_restore.restore_webhook_save(actor=owner, organization=staging,
                                          url=f"http://127.0.0.1:{free_port()}/hook", hash_key="secret-key")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/organizations/staging/acme/restore/")

    key = page.get_by_label("HashKey", exact=True)
    expect(key).to_have_attribute("type", "password")
    expect(key).to_have_value("secret-key")
    show = page.get_by_role("button", name="Show HashKey")
    expect(show).to_have_attribute("aria-pressed", "false")
    expect(show).to_have_attribute("aria-controls", "id_hook_key")
    show.click()
    expect(key).to_have_attribute("type", "text")
    hide = page.get_by_role("button", name="Hide HashKey")
    expect(hide).to_have_attribute("aria-pressed", "true")
    screenshot("shown")
    hide.press("Enter")  # the keyboard too
    expect(key).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Show HashKey")).to_be_focused()

    # saved unchanged, masked: the key is kept
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_text("Staging restore webhook saved.")).to_be_visible()
    assert StagingRestoreWebhook.objects.get(organization=staging).hash_key == "secret-key"

    # nothing listens there, and without a task queue every attempt has run when the page is back
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("Test not delivered: Connection refused.")).to_be_visible()
    expect(page.get_by_test_id("delivery").first).to_contain_text("Connection refused.")
    expect(page.locator("#deliveries")).not_to_contain_text("Errno")
    screenshot("not-delivered")
