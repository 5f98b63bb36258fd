"""An impersonation that ends while a request is being built in a real browser (the permission taken
away, the impersonated user deleted): Send sends nothing and reloads the console as the user's own
access with the reason, and the request being built comes back as it was left (as after signing out
in another tab), never a password or secret typed into it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.models import ConsoleRequest, ConsoleToken
from console.tests.conftest import add_member, seed_core
from coreapi import models as core_models
from organizations import services as org_services
from tests.e2e.test_console import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLES = ["MeAdmin", "Shopper", "ProductReader"]


@pytest.fixture
def impersonating(page, live_server):
    """Bob (may impersonate buyer users) on Olivia's Sandbox console, calling the API as shopper via
    Storefront, on Me.Patch; returns (organization, Olivia, Bob, the console's URL)."""
    olivia = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    bob = UserFactory(username="bob", name="Bob Builder", email="bob@example.com")
    org = org_services.organization_create(actor=olivia, oc_id="acme-imp", name="Acme Imp", region="usw")
    seed_core(org)
    add_member(org, olivia, bob, roles=ROLES, impersonate_buyer=True)
    sign_in(page, live_server.url, "bob")
    url = f"{live_server.url}/console/sandbox/acme-imp/"
    page.goto(f"{url}?op=Me.Patch")
    page.get_by_test_id("context-switch").locator("summary").click()
    page.locator("#ctx-client-search").focus()
    page.locator("[data-testid=ctx-client][data-client=buyer-client]").click()
    page.locator("[data-testid=ctx-user][data-username=shopper]").click()
    expect(page.locator("strong[data-testid=ctx-user]")).to_have_text("shopper")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/me")
    return org, olivia, bob, url


@pytest.mark.parametrize(("ending", "reason"), [
    ("permission", "You no longer hold a permission to impersonate users in this organization."),
    ("user deleted", "The user shopper does not exist or is inactive."),
])
def test_send_after_the_impersonation_ended_keeps_the_request_being_built(page, impersonating, ending, reason,
                                                                          screenshot):
    org, olivia, bob, url = impersonating
    page.get_by_label("FirstName").fill("Beatrix")
    page.get_by_label("JSON").fill('{"LastName": "Bee", "xp": {"tier": 2, "ApiKey": "Typed-secret-1"}}')
    if ending == "permission":  # the owner takes "Impersonate buyer users" away
        org_services.contributor_save(actor=olivia, organization=org, username="bob", roles=ROLES, is_admin=False,
                                      impersonate_buyer=False)
    else:  # the user deleted, and the console's token for them due for renewal (until then the API answers)
        core_models.CoreUser.objects.filter(username="shopper").delete()
        ConsoleToken.objects.filter(user=bob, username="shopper").update(expires_at=timezone.now() - timedelta(minutes=5))

    page.get_by_role("button", name="Send").first.click()
    # the page reloads as Bob's own access, saying why (the client named as the context bar named it)
    expect(page.locator("strong[data-testid=ctx-user]")).to_have_text("you (bob)")
    expect(page.get_by_text(f"Impersonating shopper via Storefront is no longer possible: {reason} Switched back "
                            "to your own access.")).to_be_visible()
    # ...with the request as it was left: the fields were empty
    expect(page).to_have_url(f"{url}?op=Me.Patch")
    notice = page.get_by_test_id("draft-restored")
    expect(notice).to_have_text(
        "The request you were building is back as you left it; passwords and secrets are not kept: type them again. "
        "It was built as shopper via Storefront, which is no longer possible; nothing was sent. Send calls the API "
        "in your current context, as you (bob).")
    expect(notice).to_have_attribute("role", "alert")
    expect(page.get_by_label("FirstName")).to_have_value("Beatrix")
    body = json.loads(page.get_by_label("JSON").input_value())
    assert body == {"LastName": "Bee", "xp": {"tier": 2, "ApiKey": "********"}}  # as the history shows a secret
    screenshot(f"restored-{ending.replace(' ', '-')}")
    assert "Typed-secret-1" not in page.evaluate("JSON.stringify(sessionStorage)")
    # nothing was sent
    assert not ConsoleRequest.objects.filter(user=bob, operation_id="Me.Patch").exists()
    assert not core_models.CoreUser.objects.filter(first_name="Beatrix").exists()


def test_reload_after_a_context_switched_in_another_tab_keeps_the_request_being_built(page, impersonating):
    """The refusal's "Reload this page" link reloaded an empty builder: what was typed was lost."""
    org, olivia, bob, url = impersonating
    other = page.context.new_page()  # another tab goes back to Bob's own access
    other.goto(f"{url}?op=Me.Patch")
    other.get_by_test_id("context-switch").locator("summary").click()
    other.get_by_role("button", name="Use my own access again").click()
    expect(other.locator("strong[data-testid=ctx-user]")).to_have_text("you (bob)")
    other.close()
    page.get_by_label("FirstName").fill("Beatrix")
    page.get_by_role("button", name="Send").first.click()
    page.get_by_test_id("reload-page").click()
    expect(page.locator("strong[data-testid=ctx-user]")).to_have_text("you (bob)")
    expect(page.get_by_test_id("draft-restored")).to_have_text(
        "The request you were building is back as you left it. It was built as shopper via Storefront; Send calls "
        "the API in your current context, as you (bob): switch context to send it as shopper again.")
    expect(page.get_by_label("FirstName")).to_have_value("Beatrix")
    assert not ConsoleRequest.objects.filter(user=bob, operation_id="Me.Patch").exists()
