"""The reusable user autocomplete include (accounts/includes/user_autocomplete.html) in a real browser."""

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import expect

from tests.e2e.helpers import sign_out_in_another_tab
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _signed_in_with_the_widget_on_a_page(page, live_server):
    """Hamlet signs in and opens Profile, where the include is hosted in a form, as the invite
    form hosts it."""
    UserFactory(username="hamlet", name="Prince Hamlet", email="hamlet@example.com")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill("hamlet")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(f"{live_server.url}/account/profile/")
    widget = render_to_string("accounts/includes/user_autocomplete.html", {"field": "invitee", "label": "Invite a user"})
    page.evaluate(
        """([html, src]) => {
            const form = document.createElement("form");
            form.id = "host"; form.className = "card"; form.innerHTML = html;
            document.querySelector("main").prepend(form);
            const s = document.createElement("script"); s.src = src; document.head.appendChild(s);
            htmx.process(form);
        }""",
        [widget, f"{live_server.url}/static/accounts/user_autocomplete.js"],
    )
    page.wait_for_function("window.portalUserAutocomplete === true")


def test_typing_lists_matching_users_and_choosing_one_fills_the_hidden_input(page, live_server, screenshot):
    UserFactory(username="ophelia", name="Ophelia Polonius", email="ophelia@example.com")
    UserFactory(username="polonius", name="Lord Polonius", email="polonius@example.com")
    _signed_in_with_the_widget_on_a_page(page, live_server)
    page.get_by_label("Invite a user").press_sequentially("polon")
    options = page.get_by_role("option")
    expect(options).to_have_count(2)  # ophelia (name "Ophelia Polonius") and polonius
    expect(page.locator("#host")).not_to_contain_text("@example.com")
    screenshot("results")

    page.get_by_role("option", name="polonius Lord Polonius").click()
    expect(page.locator("#host [data-ua-choice]")).to_be_visible()
    expect(page.locator("#host [data-ua-choice]")).to_contain_text("polonius")
    assert page.locator('#host input[name="invitee"]').input_value() == "polonius"
    screenshot("chosen")

    page.get_by_role("button", name="Change").click()
    assert page.locator('#host input[name="invitee"]').input_value() == ""
    expect(page.get_by_label("Invite a user")).to_be_visible()


def test_signed_out_in_another_tab_the_list_says_so_and_signing_in_comes_back(page, live_server, screenshot):
    """The list showed the whole sign-in page (htmx followed the redirect) inside the invite box."""
    _signed_in_with_the_widget_on_a_page(page, live_server)

    sign_out_in_another_tab(page, live_server.url)

    page.get_by_label("Invite a user").press_sequentially("ham")
    results = page.locator("#host .autocomplete-results")
    expect(results).to_contain_text("You are signed out")
    expect(results.get_by_role("textbox")).to_have_count(0)  # no sign-in form inside the list
    screenshot("signed-out")
    results.get_by_role("link", name="Sign in again").click()
    page.get_by_label("Username or email").fill("hamlet")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/account/profile/")
