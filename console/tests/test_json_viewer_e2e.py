"""The response's JSON viewer (QA: console #3): a large answer (a page of 100 products) opened every
node, some 51,000px of tree above the History; now the items of its top-level arrays start closed but
the first, and "Collapse all" / "Expand all" (keyboard operable) close and open every node."""

import pytest
from playwright.sync_api import expect

from coreapi import models as core_models
from tests.e2e.helpers import open_seeded_console, send_and_wait

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# the open state of each item of the answer's Items, in order
ITEMS_OPEN = """tree => {
    const items = Array.from(tree.querySelectorAll("details.j-node")).find(
        d => d.querySelector(":scope > summary > .j-key")?.textContent === "Items");
    return Array.from(items.querySelector(":scope > .j-children").children).map(d => d.open);
}"""


@pytest.fixture
def console(page, live_server):
    """Olivia signed in on the console of her seeded Sandbox organization; returns its marketplace."""
    return open_seeded_console(page, live_server, "acme-jv", "Acme JV")[1]


def test_a_large_answer_starts_with_its_items_closed_but_the_first(page, console, screenshot):
    core_models.Product.objects.bulk_create(
        core_models.Product(marketplace=console, oc_id=f"bulk-{i:03}", name=f"Bulk product {i:03}", active=True)
        for i in range(97))
    page.locator("#q-pageSize").fill("100")
    tree = page.get_by_test_id("json-tree")
    expect(tree).to_contain_text("PageSize: 100")
    opened = tree.evaluate(ITEMS_OPEN)
    assert len(opened) == 100
    assert opened == [True] + [False] * 99
    assert tree.evaluate("t => t.scrollHeight") < 4000  # was some 51,000px
    screenshot("large-answer")

    # an item opened with the keyboard from its summary
    items = tree.locator("details.j-node").filter(has=page.locator(":scope > summary", has_text="Items: [")).first
    second = items.locator(":scope > .j-children > details").nth(1)
    expect(items.locator(":scope > .j-children > details").first).to_contain_text('ID: "')  # the first, open
    expect(second.locator(":scope > .j-children > *")).to_have_count(0)  # rendered when opened
    second.locator(":scope > summary").focus()
    page.keyboard.press("Enter")
    expect(second).to_have_attribute("open", "")
    expect(second).to_contain_text('ID: "')
    assert tree.evaluate(ITEMS_OPEN)[:3] == [True, True, False]

    # "Expand all" (Space), then "Collapse all" (Enter), from the keyboard
    expand = page.get_by_role("button", name="Expand all")
    collapse = page.get_by_role("button", name="Collapse all")
    expect(expand).to_have_attribute("aria-controls", tree.get_attribute("id"))
    expand.focus()
    page.keyboard.press("Space")
    assert tree.evaluate("t => t.querySelectorAll('details.j-node:not([open])').length") == 0
    assert all(tree.evaluate(ITEMS_OPEN))
    expect(tree).to_contain_text("Bulk product 096")  # the last item, rendered when opened
    expect(expand).to_be_focused()
    collapse.focus()
    page.keyboard.press("Enter")
    assert tree.evaluate("t => t.querySelectorAll('details.j-node[open]').length") == 1  # the answer itself
    expect(tree.locator("details.j-node").first).to_have_attribute("open", "")
    expect(items.locator(":scope > summary")).to_be_visible()
    expect(second).to_be_hidden()
    expect(collapse).to_be_focused()


def test_a_small_answer_opens_as_before_with_the_buttons(page, console):
    send_and_wait(page)  # three products
    tree = page.get_by_test_id("json-tree")
    expect(tree).to_contain_text("Green hat")
    assert tree.evaluate(ITEMS_OPEN) == [True, True, True]
    page.get_by_role("button", name="Collapse all").click()
    assert tree.evaluate("t => t.querySelectorAll('details.j-node[open]').length") == 1
    page.get_by_role("button", name="Expand all").click()
    assert tree.evaluate(ITEMS_OPEN) == [True, True, True]
    assert tree.evaluate("t => t.querySelectorAll('details.j-node:not([open])').length") == 0


def test_an_answer_with_nothing_to_open_has_no_buttons(page, console):
    page.goto(page.url.split("?")[0] + "?op=Products.Delete")
    page.locator("#path-productID").fill("prod-1")
    send_and_wait(page)
    expect(page.get_by_test_id("response-status")).to_contain_text("204")
    expect(page.get_by_role("button", name="Expand all")).to_have_count(0)
