"""The Staging restore tab in a real browser: restore now, the per-resource report, the webhook
with a test delivery in the log, and the maintenance banner."""

import re

import pytest
from playwright.sync_api import expect

from portal.common.models import MaintenanceBanner
from tests.factories import DEFAULT_PASSWORD
from tests.stack.restore_receiver import RestoreReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_admin_restores_staging_and_configures_the_restore_webhook(page, live_server, screenshot, staging_org):
    MaintenanceBanner.objects.create(message="Maintenance on Sunday 03:00–03:30 UTC: Staging organizations are restored.")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill("adam")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_test_id("maintenance-banner")).to_contain_text("Staging organizations are restored")

    page.goto(f"{base}/organizations/staging/acme/")
    page.get_by_role("link", name="Staging restore").click()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_test_id("restore-now").click()  # "Cancel" in the confirmation: nothing starts
    assert asked and "will be replaced by a copy of Production" in asked[0]
    expect(page.get_by_test_id("restore-status")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("restore-now").click()
    expect(page.get_by_test_id("restore-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("restore-progress-text")).to_contain_text(re.compile(r"Done: \d+ rows"))
    expect(page.locator("#restore-progress")).to_contain_text("Started by Adam Admin (adam)")
    expect(page.locator("tr[data-resource=Product] td").nth(1)).to_have_text("5")
    screenshot("01-restored")

    with RestoreReceiver(hash_key="browser-key") as receiver:
        page.get_by_label("URL").fill(receiver.url)
        page.get_by_label("HashKey").fill("browser-key")
        page.get_by_role("button", name="Save webhook").click()
        expect(page.get_by_text("Staging restore webhook saved.")).to_be_visible()
        page.get_by_role("button", name="Send test").click()
        expect(page.get_by_test_id("delivery").first).to_contain_text("200")
    assert receiver.received and receiver.received[0]["signature_ok"]
    screenshot("02-webhook")

    # Remove asks first, like the other removals: "Cancel" keeps the URL and HashKey
    asked.clear()
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Remove").click()
    assert asked and "Remove the staging restore webhook?" in asked[0]
    expect(page.get_by_label("HashKey")).to_have_value("browser-key")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Staging restore webhook removed.")).to_be_visible()
    expect(page.get_by_label("HashKey")).to_have_value("")
