"""A phone-sized screen (375x740), layout (QA findings): the console's operation picker is one line
("Choose operation") until opened, so the request is on the first screen; the history's Edit and
Re-run are reached without scrolling sideways; an organization's tabs land on the tab's content; a
webhook delivery's payload takes the card's width. The desktop (1280px) keeps its layout."""

import pytest
from playwright.sync_api import expect

from console.tests.conftest import seed_core
from coreapi import models as core_models
from organizations import services as org_services
from tests.e2e.test_console import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 860}
PAGE_WIDTH = "document.documentElement.scrollWidth"
TOP_BY_ID = "id => document.getElementById(id).getBoundingClientRect().top"
FOCUSED_IN = "id => !!(document.activeElement && document.activeElement.closest('#' + id))"


@pytest.fixture
def phone(page, live_server):
    """Olivia (owner of a seeded Sandbox) signed in on a phone."""
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-phone", name="Acme Phone", region="usw")
    seed_core(org)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "olivia")
    return live_server.url


def test_the_operation_picker_is_one_line_until_opened_on_a_phone(page, phone, screenshot):
    page.goto(f"{phone}/console/sandbox/acme-phone/?op=Products.List")
    picker = page.locator("details.op-picker")
    toggle = picker.locator("> summary")
    # closed: one line naming the operation shown; the request starts on the first screen
    expect(toggle).to_be_visible()
    expect(toggle).to_contain_text("Choose operation")
    expect(toggle).to_contain_text("Products.List")
    expect(picker).not_to_have_attribute("open", "")
    expect(page.locator("a.op-link").first).to_be_hidden()
    assert page.evaluate(TOP_BY_ID, "builder-form") < PHONE["height"]
    screenshot("closed")

    # opened by keyboard: the search box and the operations; picking one closes it, shows its name
    # and takes focus to the request
    toggle.focus()
    page.keyboard.press("Enter")
    expect(picker).to_have_attribute("open", "")
    search = page.get_by_placeholder("Search operations")
    expect(search).to_be_visible()
    page.keyboard.press("Tab")
    expect(search).to_be_focused()
    search.press_sequentially("products create")
    expect(page.locator("a.op-link[data-op='Me.Get']")).to_have_count(0)  # the search has answered
    link = page.locator("a.op-link[data-op='Products.Create']")
    expect(link).to_be_visible()
    screenshot("searched")
    link.press("Enter")
    expect(page.locator("#builder-form input[name=op]")).to_have_value("Products.Create")
    expect(page.get_by_test_id("builder")).to_be_focused()
    expect(picker).not_to_have_attribute("open", "")
    expect(toggle).to_contain_text("Products.Create")
    expect(toggle).to_contain_text("POST")
    top = page.evaluate(TOP_BY_ID, "builder-form")
    assert 0 <= top < PHONE["height"] * 0.75
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]

    # "Edit" on a history entry names its operation too
    with page.expect_response(lambda r: "/send/" in r.url):
        page.locator("#builder-form .builder-head").get_by_role("button", name="Send").press("Enter")
    page.goto(f"{phone}/console/sandbox/acme-phone/?op=Me.Get")
    expect(toggle).to_contain_text("Me.Get")
    page.get_by_test_id("history").get_by_role("button", name="Edit").first.press("Enter")
    expect(page.locator("#builder-form input[name=op]")).to_have_value("Products.Create")
    expect(toggle).to_contain_text("Products.Create")

    # a desktop has no toggle: the picker is the open sidebar it was
    page.set_viewport_size(DESKTOP)
    expect(toggle).to_be_hidden()
    expect(picker).to_have_attribute("open", "")
    expect(page.get_by_placeholder("Search operations")).to_be_visible()
    expect(page.locator("a.op-link[data-op='Me.Get']")).to_be_visible()
    page.reload()
    expect(toggle).to_be_hidden()
    expect(page.locator("a.op-link[data-op='Products.Create']")).to_be_visible()
    screenshot("desktop")
    page.set_viewport_size(PHONE)  # back to a phone: closed again
    expect(picker).not_to_have_attribute("open", "")
    expect(toggle).to_be_visible()


def test_the_operation_picker_is_closed_on_a_phone_before_console_js_runs(page, phone):
    """console.js (a deferred script) closes the picker after the first paint: until then the page
    must already look closed, or the operation list shows for a frame and the request jumps down."""
    page.route("**/console/console.js*", lambda route: route.abort())
    page.goto(f"{phone}/console/sandbox/acme-phone/?op=Products.List")
    picker = page.locator("details.op-picker")
    expect(picker).to_have_attribute("data-unfitted", "")  # console.js never ran
    expect(picker.locator("> summary")).to_contain_text("Products.List")
    expect(page.get_by_placeholder("Search operations")).to_be_hidden()
    expect(page.locator("a.op-link").first).to_be_hidden()
    assert page.evaluate(TOP_BY_ID, "builder-form") < PHONE["height"]
    # a desktop shows the open sidebar without console.js too
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_placeholder("Search operations")).to_be_visible()
    expect(page.locator("a.op-link[data-op='Products.List']")).to_be_visible()


def test_history_buttons_are_reached_without_scrolling_sideways_on_a_phone(page, phone, screenshot):
    page.goto(f"{phone}/console/sandbox/acme-phone/?op=Products.List")
    with page.expect_response(lambda r: "/send/" in r.url):
        page.locator("#builder-form .builder-head").get_by_role("button", name="Send").press("Enter")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("/v1/products")
    history.scroll_into_view_if_needed()
    screenshot("history")
    # nothing in the history scrolls sideways; each row's buttons are on the screen
    assert page.evaluate("() => { const h = document.getElementById('history'); return h.scrollWidth <= h.clientWidth; }")
    for name in ("Edit", "Re-run"):
        button = history.get_by_role("button", name=name).first
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    # the row still tells its time, request, caller, status and duration
    row = history.locator("tbody tr").first
    expect(row).to_contain_text("GET")
    expect(row).to_contain_text("200")
    expect(row).to_contain_text("ms")
    history.get_by_role("button", name="Re-run").first.click()
    expect(page.get_by_test_id("response")).to_be_visible()


def test_organization_tabs_land_on_the_tab_content_on_a_phone(page, phone, screenshot):
    org = f"{phone}/organizations/sandbox/acme-phone/"
    page.goto(org)
    tabs = page.get_by_role("navigation", name="Organization")
    for name in ("Settings", "Activity", "Contributors"):
        tabs.get_by_role("link", name=name).click()
        page.wait_for_load_state("load")
        expect(tabs.get_by_role("link", name=name)).to_have_class("active")
        # the tabs stay in sight at the top, the tab's content follows at once
        nav_top = tabs.evaluate("el => el.getBoundingClientRect().top")
        assert 0 <= nav_top < 120, (name, nav_top)
        assert page.evaluate(TOP_BY_ID, "tab-content") < PHONE["height"] * 0.25, name
        # the keyboard goes on from the content, not from the top of the page
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED_IN, "tab-content"), name
    screenshot("activity")

    # a desktop shows the tab content on the first screen already: a tab opens at the top as before
    page.set_viewport_size(DESKTOP)
    page.goto(org)
    tabs.get_by_role("link", name="Settings").click()
    page.wait_for_load_state("load")
    expect(tabs.get_by_role("link", name="Settings")).to_have_class("active")
    assert page.evaluate("scrollY") == 0


def test_a_webhook_delivery_payload_takes_the_width_on_a_phone(page, phone, screenshot):
    mp = core_models.Marketplace.objects.get(marketplace_id="acme-phone", environment="sandbox")
    core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Product hook", url="https://example.com/h",
                                       webhook_routes=[{"Route": "v1/products", "Verb": "POST"}])
    payload = {"Route": "v1/products", "Verb": "POST", "Request": {"Body": {"ID": "delivered-1", "Name": "A shirt"}}}
    core_models.WebhookDelivery.objects.create(marketplace=mp, webhook_oc_id="hook-1", url="https://example.com/h",
                                               route="v1/products", verb="POST", payload=payload, status_code=503,
                                               attempt=1, latency_ms=42, error="HTTP 503")
    page.goto(f"{phone}/console/sandbox/acme-phone/webhooks/hook-1/")
    log = page.get_by_test_id("webhook-deliveries")
    expect(log.locator("[data-delivery]")).to_have_count(1)
    log.locator("summary", has_text="show").click()
    pre = log.locator("pre")
    expect(pre).to_contain_text("delivered-1")
    pre.scroll_into_view_if_needed()
    screenshot("payload")
    box = pre.bounding_box()
    assert box["width"] >= PHONE["width"] * 0.7
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    row = log.locator("[data-delivery]")
    for text in ("503", "HTTP 503", "42 ms", "v1/products"):
        expect(row).to_contain_text(text)
