"""Keyboard: "Switch context" closes on Escape, as the user menu does, focus back on its button; with
text in a search box, the first Escape only empties it. Before, Escape did nothing there: a keyboard
user had to Tab back to the button and press it."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_escape_closes_switch_context_and_returns_to_its_button(page, console):
    panel = page.get_by_test_id("context-switch")
    summary = panel.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(panel).to_have_attribute("open", "")
    search = page.get_by_placeholder("Search API clients")
    search.focus()
    search.press_sequentially("store")
    page.keyboard.press("Escape")  # empties the search box, the panel stays
    expect(search).to_have_value("")
    expect(panel).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(panel).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
