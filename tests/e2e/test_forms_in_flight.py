"""Forms on a slow network (static/js/portal.js): a form being posted is not posted again by a
second click; a page opened at a part of itself shows its messages there; a closed group of roles
says how many of its roles are ticked."""

import re

import pytest
from playwright.sync_api import expect

from organizations.services import organization_create
from tests.e2e.test_organizations import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# two clicks 250 ms apart while the first post is on its way (Playwright's own click would wait for
# the navigation the first one starts)
DOUBLE_CLICK = "button => { button.click(); setTimeout(() => button.click(), 250); }"


def slow_posts(page, latency_ms=700):
    """A slow network (Chromium's own throttling, as DevTools does); returns the list of the URLs
    the page POSTs to."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": latency_ms, "downloadThroughput": -1, "uploadThroughput": -1})
    posted = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    return posted


def test_a_double_click_on_create_posts_once_and_shows_the_new_organization(page, live_server):
    UserFactory(username="olivia", email="olivia@example.com")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/organizations/new/")
    page.get_by_label("Id").fill("dbl-shop")
    page.get_by_label("Name").fill("Double shop")
    posted = slow_posts(page)
    page.get_by_role("button", name="Create organization").evaluate(DOUBLE_CLICK)
    expect(page.get_by_role("heading", name=re.compile("Double shop"))).to_be_visible()
    assert posted == [f"{live_server.url}/organizations/new/"]
    expect(page.get_by_text("already exists")).to_have_count(0)


def test_a_cancelled_confirm_does_not_hold_the_form_back(page, live_server):
    olivia = UserFactory(username="olivia", email="olivia@example.com")
    ivan = UserFactory(username="ivan", email="ivan@example.com")
    org = organization_create(actor=olivia, oc_id="acme-shop", name="Acme shop")
    from organizations.services import contributor_save

    contributor_save(actor=olivia, organization=org, username=ivan.username, roles=[], is_admin=False)
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/")
    answers = iter([False, True])
    page.on("dialog", lambda dialog: dialog.accept() if next(answers) else dialog.dismiss())
    revoke = page.get_by_role("button", name="Revoke the invitation of ivan")
    revoke.click()  # Cancel: nothing is sent
    expect(page.locator("[data-invitee=ivan]")).to_be_visible()
    revoke.click()  # OK this time: the form goes, not held back by the cancelled one
    expect(page.locator("[data-invitee=ivan]")).to_have_count(0)


def test_resend_too_soon_says_so_where_the_code_is_asked(page, live_server, screenshot):
    olivia = UserFactory(username="olivia", email="olivia@example.com")
    organization_create(actor=olivia, oc_id="acme-shop", name="Acme shop")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/settings/")
    delete = page.locator("#delete")
    delete.get_by_role("button", name="Email me a code").click()
    expect(delete.get_by_role("button", name="Resend code")).to_be_visible()
    delete.get_by_role("button", name="Resend code").click()

    refusal = delete.get_by_text("A code was sent less than a minute ago")
    expect(refusal).to_be_visible()
    expect(refusal).to_be_in_viewport()
    screenshot("refusal-in-part")


def test_a_closed_group_of_roles_says_how_many_are_ticked(page, live_server):
    olivia = UserFactory(username="olivia", email="olivia@example.com")
    organization_create(actor=olivia, oc_id="acme-shop", name="Acme shop")
    sign_in(page, live_server.url, "olivia")
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/")
    buyers = page.locator("summary", has_text="Buyers")
    buyers.click()
    page.get_by_label("BuyerReader").check()
    page.get_by_label("BuyerAdmin").check()
    buyers.click()  # closed again
    expect(buyers).to_have_text(re.compile(r"Buyers\s+2 selected"))
    page.locator("summary", has_text="Buyers").click()
    page.get_by_label("BuyerAdmin").uncheck()
    expect(buyers).to_have_text(re.compile(r"Buyers\s+1 selected"))
