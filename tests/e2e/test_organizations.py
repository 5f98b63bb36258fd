"""An organization's life in a real browser: create, invite by typing part of a name, accept,
rename as admin, transfer with the emailed code, delete with a code, restore."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from organizations.models import Organization
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(nav(page, "Organizations")).to_be_visible()


def nav(page, name):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def latest_code(to: str) -> str:
    message = [m for m in mail.outbox if m.to == [to]][-1]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_organization_lifecycle(page, live_server, screenshot):
    base = live_server.url
    UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    UserFactory(username="ivan", name="Ivan Petrov", email="ivan@example.com")
    UserFactory(username="ivy", name="Ivy Green", email="ivy@example.com")

    # 1. The owner creates a Sandbox organization.
    sign_in(page, base, "olivia")
    nav(page, "Organizations").click()
    page.get_by_role("link", name="New organization").click()
    page.get_by_label("Id").fill("acme-shop")
    page.get_by_label("Name").fill("Acme Shop")
    page.get_by_label("Region").select_option("eur")
    screenshot("01-create")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", name=re.compile("Acme Shop"))).to_be_visible()
    expect(page.get_by_test_id("core-api-url")).to_contain_text("/core/sandbox")

    # 2. Invite Ivan by typing part of his name, as Organization Admin with a data role.
    page.get_by_role("combobox", name="Invite a user").press_sequentially("Petr")
    page.get_by_role("option", name=re.compile("ivan")).click()
    page.get_by_label("Organization Admin").check()
    page.get_by_label("Impersonate buyer users").check()
    page.locator("summary", has_text="Products").click()
    page.get_by_label("ProductReader").check()
    screenshot("02-invite")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to ivan.")).to_be_visible()
    expect(page.locator("[data-invitee=ivan]")).to_contain_text("ProductReader")
    screenshot("03-invited")

    # 3. Ivan sees the invitation (not the org), accepts, and the org appears.
    sign_in(page, base, "ivan")
    expect(page.get_by_test_id("invitation-count")).to_have_text("1")
    nav(page, "Organizations").click()
    expect(page.get_by_text("No organizations yet")).to_be_visible()
    nav(page, re.compile("^Invitations")).click()
    screenshot("04-my-invitations")
    page.locator("[data-org=acme-shop]").get_by_role("button", name="Accept").click()
    expect(page.get_by_text("You joined Acme Shop.")).to_be_visible()
    nav(page, "Organizations").click()
    expect(page.get_by_role("link", name="Acme Shop")).to_be_visible()
    screenshot("05-org-listed")

    # 4. Ivan, an admin, renames it.
    page.get_by_role("link", name="Acme Shop").click()
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Organization name").fill("Acme Europe")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_text("Organization renamed.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Acme Europe"))).to_be_visible()
    screenshot("06-renamed")

    # 5. Olivia transfers it to Ivan with the code from the email.
    sign_in(page, base, "olivia")
    page.goto(f"{base}/organizations/sandbox/acme-shop/settings/")
    page.get_by_label("New owner").select_option("ivan")
    page.locator("#transfer").get_by_role("button", name="Email me a code").click()
    expect(page.get_by_test_id("transfer-code-sent")).to_contain_text("o***@example.com")
    page.get_by_label("6-digit code").first.fill("000000" if latest_code("olivia@example.com") != "000000" else "111111")
    page.get_by_role("button", name="Transfer ownership").click()
    expect(page.get_by_text("This code is not correct")).to_be_visible()
    screenshot("07-wrong-code")
    page.wait_for_timeout(1100)  # django-otp throttles for 1 s after one failure
    page.locator("#id_transfer_code").fill(latest_code("olivia@example.com"))
    page.get_by_role("button", name="Transfer ownership").click()
    expect(page.get_by_text("now belongs to ivan")).to_be_visible()
    expect(page.get_by_test_id("your-permissions")).to_contain_text("Organization Admin")
    screenshot("08-transferred")
    assert Organization.objects.get(oc_id="acme-shop").owner.username == "ivan"
    assert any(m.to == ["ivan@example.com"] and "You now own" in m.subject for m in mail.outbox)

    # 6. Ivan, the new owner, deletes it with a code and restores it.
    sign_in(page, base, "ivan")
    page.goto(f"{base}/organizations/sandbox/acme-shop/settings/")
    page.locator("#delete").get_by_role("button", name="Email me a code").click()
    expect(page.get_by_test_id("delete-code-sent")).to_contain_text("i***@example.com")
    page.locator("#id_delete_code").fill(latest_code("ivan@example.com"))
    screenshot("09-delete-code")
    page.get_by_role("button", name="Delete organization").click()
    expect(page.get_by_role("heading", name="Deleted organizations")).to_be_visible()
    screenshot("10-deleted")
    page.goto(f"{base}/organizations/")
    expect(page.get_by_role("link", name="Acme Europe")).to_have_count(0)
    page.goto(f"{base}/organizations/deleted/")
    page.locator("[data-org=acme-shop]").get_by_role("button", name="Restore").click()
    expect(page.get_by_text("Acme Europe was restored.")).to_be_visible()
    screenshot("11-restored")
    page.get_by_role("link", name="Activity").click()
    expect(page.locator("table")).to_contain_text("Organization restored")
    expect(page.locator("table")).to_contain_text("Ownership transferred")
    screenshot("12-activity")
