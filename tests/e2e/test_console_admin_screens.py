"""The console's API client and webhook screens in a real browser (QA report 76): each row's Edit and
Delete are named by their row for a screen reader while showing only "Edit"/"Delete"; the API's
refusal of a save puts the keyboard on what to fix (the field an IdExists is about, else the error
list inside the form); a context without the write role is offered no New button and told why."""

import re

import pytest
from playwright.sync_api import expect

from console.tests.conftest import add_member, seed_core
from coreapi import models as core_models
from organizations import services as org_services
from tests.e2e.test_console import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = "() => { const e = document.activeElement; return e ? (e.name || e.dataset.testid || e.tagName) : null; }"


@pytest.fixture
def org(db):
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-admin", name="Acme Admin", region="usw")
    mp = seed_core(org)
    core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Orders hook", url="https://example.com/hook",
                                       webhook_routes=[{"Route": "v1/orders", "Verb": "POST"}])
    return org


def test_row_buttons_show_edit_and_delete_and_are_named_by_their_row(page, live_server, org, screenshot):
    sign_in(page, live_server.url, "olivia")
    base = f"{live_server.url}/console/sandbox/acme-admin/"
    for address, name in ((f"{base}apiclients/", "API client Admin app"), (f"{base}webhooks/", "webhook Orders hook")):
        page.goto(address)
        for label in ("Edit", "Delete"):
            control = page.get_by_role("button" if label == "Delete" else "link", name=f"{label} {name}", exact=True)
            expect(control).to_be_visible()
            hidden = control.locator(".visually-hidden")
            assert hidden.evaluate("e => e.getBoundingClientRect().width") <= 1  # heard, not seen
            assert control.evaluate("e => e.getBoundingClientRect().width") < 120, (address, label)
    screenshot("01-webhooks")


def test_an_id_that_exists_puts_the_keyboard_on_the_id_field(page, live_server, org):
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/console/sandbox/acme-admin/webhooks/new/")
    page.get_by_label("ID", exact=True).fill("hook-1")
    page.get_by_label("Name", exact=True).fill("Second hook")
    page.get_by_label("URL", exact=True).fill("https://example.com/other")
    page.get_by_label("Routes", exact=True).fill("POST v1/products")
    with page.expect_navigation():
        page.get_by_role("button", name="Save webhook").click()
    field = page.get_by_label("ID", exact=True)
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("already exists"))
    assert core_models.Webhook.objects.filter(name="Second hook").count() == 0


def test_without_the_role_no_new_button_and_a_refused_save_focuses_the_message_in_the_form(page, live_server, org):
    reader = UserFactory(username="mia", name="Mia Member", email="mia@example.com")
    add_member(org, org.owner, reader, roles=["ProductReader"])
    sign_in(page, live_server.url, "mia")
    base = f"{live_server.url}/console/sandbox/acme-admin/"
    page.goto(f"{base}apiclients/")
    expect(page.get_by_test_id("write-role-notice")).to_contain_text("needs the ApiClientAdmin role")
    expect(page.get_by_role("link", name="New API client")).to_have_count(0)

    page.goto(f"{base}apiclients/new/")  # by its address: told at the top before typing anything
    expect(page.get_by_test_id("write-role-notice")).to_contain_text("needs the ApiClientAdmin role")
    page.get_by_label("App name").fill("Refused app")
    with page.expect_navigation():
        page.get_by_role("button", name="Save API client").click()
    errors = page.get_by_test_id("api-client-form").get_by_test_id("api-errors")
    expect(errors).to_contain_text("InsufficientRoles")
    expect(errors).to_be_focused()
    expect(page.get_by_label("App name")).to_have_value("Refused app")  # what was typed is kept
