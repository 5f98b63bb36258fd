"""A filter row on a phone (375px): the operator select shows its chosen words, not one clipped
character (it was 47px wide in four columns), the value below the field and operator, and nothing
to scroll sideways for (QA: console #2)."""

import pytest

from tests.e2e.helpers import open_seeded_console

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
NO_PAGE_OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# the select's room for its text (inside its padding and border) and the width of the chosen option's text
FIT = """select => {
    const style = getComputedStyle(select);
    const canvas = document.createElement("canvas").getContext("2d");
    canvas.font = style.font;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [room, canvas.measureText(select.options[select.selectedIndex].text).width];
}"""


@pytest.fixture
def console(page, live_server):
    """Olivia signed in on the console of her seeded Sandbox organization; returns its URL."""
    return open_seeded_console(page, live_server, "acme-nf", "Acme NF")[0]


@pytest.mark.parametrize(("width", "field_width"), [(375, 100), (320, 180)])
def test_the_filter_operator_is_readable_on_a_phone(page, console, screenshot, width, field_width):
    page.set_viewport_size({**PHONE, "width": width})
    page.reload()
    row = page.locator(".filter-row").first
    operator = row.get_by_label("Filter operator")
    for label in ("equals", "greater than", "contains"):
        operator.select_option(label=label)
        room, text = operator.evaluate(FIT)
        assert room >= text, f"{label!r}: {room:.0f}px of room for {text:.0f}px of text"
    field, value = row.get_by_label("Filter field"), row.get_by_label("Filter value")
    field_box, value_box = field.bounding_box(), value.bounding_box()
    operator_box = operator.bounding_box()
    if width > 360:  # field and operator on one line
        assert abs(field_box["y"] - operator_box["y"]) < 4
    else:  # a line each
        assert operator_box["y"] >= field_box["y"] + field_box["height"]
    assert value_box["y"] >= operator_box["y"] + operator_box["height"]  # the value below them
    assert field_box["width"] >= field_width and value_box["width"] >= 150
    row.get_by_role("button", name="Remove filter").scroll_into_view_if_needed()
    assert page.evaluate(NO_PAGE_OVERFLOW)
    screenshot(f"filter-row-{width}")


def test_the_filter_row_stays_one_line_on_a_wide_screen(page, console):
    page.set_viewport_size({"width": 1280, "height": 800})
    row = page.locator(".filter-row").first
    tops = [row.get_by_label(name).bounding_box()["y"] for name in ("Filter field", "Filter operator", "Filter value")]
    assert max(tops) - min(tops) < 4
    operator = row.get_by_label("Filter operator")
    operator.select_option(label="greater than")
    room, text = operator.evaluate(FIT)
    assert room >= text
