"""The API console in a real browser: pick an org, list products with a filter (results change as
you type), pageSize and a body number set to 0, create a product, impersonate a buyer user and
call GET /v1/me, then let the token expire and send again."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from console.models import ConsoleToken
from console.tests.conftest import seed_core
from coreapi import models as core_models
from organizations import services as org_services
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Console")).to_be_visible()


def test_console_flow(page, live_server, screenshot):
    base = live_server.url
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-shop", name="Acme Shop", region="usw")
    seed_core(org)

    sign_in(page, base, "olivia")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Console").click()
    page.get_by_role("link", name="Acme Shop").first.click()
    context_bar = page.get_by_test_id("context-bar")
    expect(context_bar.get_by_test_id("ctx-user")).to_contain_text("you")
    expect(context_bar.get_by_test_id("ctx-roles")).to_contain_text("FullAccess")
    expect(context_bar.get_by_test_id("ctx-env")).to_have_text("Sandbox")
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")

    # A filter is applied as you type: no Send click, the latest request wins.
    response = page.get_by_test_id("response")
    # (SQLite's shared in-memory test database refuses concurrent writes, so the test lets each
    # keystroke's request finish; hx-sync="this:replace" aborts a request in flight otherwise.)
    page.get_by_label("Filter field").first.fill("Name")
    page.wait_for_load_state("networkidle")
    page.get_by_label("Filter operator").first.select_option("*=*")
    page.wait_for_load_state("networkidle")
    page.get_by_label("Filter value").first.press_sequentially("shirt", delay=150)
    expect(response.get_by_test_id("json-tree")).to_contain_text("Red shirt")
    expect(response.get_by_test_id("json-tree")).not_to_contain_text("Green hat")
    screenshot("01-filter-shirt")
    page.get_by_label("Filter value").first.fill("hat")
    expect(response.get_by_test_id("json-tree")).to_contain_text("Green hat")
    expect(response.get_by_test_id("json-tree")).not_to_contain_text("Red shirt")

    # pageSize 0 is sent as 0 (the API answers with a readable error), 1 gives one item.
    page.get_by_label("Filter value").first.fill("")
    page.wait_for_load_state("networkidle")
    page.get_by_label("pageSize").fill("0")
    expect(response.get_by_test_id("oc-errors")).to_contain_text("InvalidRequest")
    expect(response.get_by_test_id("response-status")).to_contain_text("400")
    screenshot("02-page-size-zero")
    page.get_by_label("pageSize").fill("1")
    expect(response.get_by_test_id("response-status")).to_contain_text("200")
    expect(response.get_by_test_id("json-tree")).to_contain_text("PageSize: 1")
    # JSON nodes collapse and expand (the tree is built in the browser from the response's JSON).
    page_size = response.get_by_test_id("json-tree").get_by_text("PageSize: 1")
    expect(page_size).to_be_visible()
    response.locator("summary", has_text="Meta").click()
    expect(page_size).to_be_hidden()
    expect(response.locator("summary", has_text="Meta")).to_contain_text(re.compile(r"\{…\} \d+ keys"))
    response.locator("summary", has_text="Meta").click()
    expect(page_size).to_be_visible()

    # Create a product with a body number field set to 0.
    page.get_by_placeholder("Search operations").fill("products create")
    page.locator("a.op-link[data-op='Products.Create']").click()
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")
    page.locator("#body-ID").fill("free-sample")
    page.locator("#body-Name").fill("Free sample")
    page.locator("#body-ShipWeight").fill("0")
    page.get_by_role("button", name="Send").first.click()
    expect(response.get_by_test_id("response-status")).to_contain_text("201")
    expect(response.get_by_test_id("json-tree")).to_contain_text("ShipWeight")
    screenshot("03-product-created")
    product = core_models.Product.objects.get(oc_id="free-sample", marketplace__marketplace_id="acme-shop")
    assert product.ship_weight == 0
    expect(page.get_by_test_id("history")).to_contain_text("/v1/products")

    # Impersonate a buyer user: API client, then a user who signs in through it.
    page.get_by_test_id("context-switch").locator("summary").click()
    page.get_by_placeholder("Search API clients").fill("store")
    page.locator("[data-testid=ctx-client][data-client=buyer-client]").click()
    screenshot("04-pick-user")
    page.locator("[data-testid=ctx-user][data-username=shopper]").click()
    expect(page.get_by_text("Now calling the API as shopper via Storefront.")).to_be_visible()
    expect(context_bar.get_by_test_id("ctx-user")).to_contain_text("shopper")
    expect(context_bar.get_by_test_id("ctx-roles")).to_contain_text("Shopper")

    page.get_by_placeholder("Search operations").fill("Me.Get")
    page.locator("a.op-link[data-op='Me.Get']").click()
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/me")
    page.get_by_role("button", name="Send").first.click()
    expect(response.get_by_test_id("response-status")).to_contain_text("200")
    expect(response.get_by_test_id("json-tree")).to_contain_text("shopper")
    screenshot("05-me-as-buyer")

    # The token expires (clock moved past its expiry): the next send refreshes it and succeeds.
    token = ConsoleToken.objects.get(user=owner, username="shopper")
    old = token.access_token
    ConsoleToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=5))
    with page.expect_response(lambda r: "/send/" in r.url) as sent:
        page.get_by_role("button", name="Send").first.click()
    assert sent.value.status == 200
    expect(response.get_by_test_id("response-status")).to_contain_text("200")
    expect(response.get_by_test_id("json-tree")).to_contain_text("shopper")
    token.refresh_from_db()
    assert token.refresh_count == 1 and token.access_token != old
    assert token.access_token not in page.content()
    expect(page.get_by_test_id("curl-snippet")).to_contain_text("Bearer $TOKEN")
    screenshot("06-after-refresh")
    assert re.search(r"/console/sandbox/acme-shop/", page.url)


def test_api_client_secret_rotation(page, live_server, screenshot):
    """Profile of an API client: create a secret (shown once), sign in with it, delete it."""
    base = live_server.url
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-keys", name="Acme Keys", region="usw")
    seed_core(org)

    sign_in(page, base, "olivia")
    page.goto(f"{base}/console/sandbox/acme-keys/apiclients/")
    page.get_by_role("link", name="Admin app", exact=True).click()
    secrets = page.get_by_test_id("api-client-secrets")
    expect(secrets).to_contain_text("No secrets.")
    secrets.get_by_label("Name").fill("CI pipeline")
    secrets.get_by_label("Expires (UTC)").fill("2099-01-31T12:00")
    secrets.get_by_role("button", name="Create secret").click()
    expect(page.get_by_test_id("new-secret")).to_contain_text("shown only this once")
    value = page.get_by_test_id("new-secret-value").inner_text().strip()
    expect(secrets.locator("tr[data-secret]")).to_contain_text("31 Jan 2099 12:00 UTC")
    screenshot("01-secret-created")

    form = {"grant_type": "client_credentials", "client_id": "admin-client", "client_secret": value}
    core_models.ApiClient.objects.filter(oc_id="admin-client").update(default_context_user_name="admin")
    token = page.request.post(f"{base}/core/sandbox/oauth/token", form=form)
    assert token.status == 200, token.text()

    page.reload()  # the value is not shown again
    expect(page.get_by_test_id("new-secret")).to_have_count(0)
    assert value not in page.content()
    page.once("dialog", lambda dialog: dialog.accept())
    secrets.locator("tr[data-secret]").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("deleted: token requests with it are refused")).to_be_visible()
    expect(secrets).to_contain_text("No secrets.")
    screenshot("02-secret-deleted")
