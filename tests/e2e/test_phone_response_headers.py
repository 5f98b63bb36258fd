"""On a phone (375 px), the console's response headers wrap inside the panel: a long value without
spaces to break at (Access-Control-Expose-Headers: X-oc-logid, Retry-After, ...) made the whole page
545 px wide once Headers was opened (QA 81 #2)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_phone_layout import PAGE_WIDTH, PHONE, phone  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_opened_response_headers_do_not_widen_the_page_on_a_phone(page, phone):  # noqa: F811
    page.goto(f"{phone}/console/sandbox/acme-phone/?op=Products.List")
    with page.expect_response(lambda r: "/send/" in r.url):
        page.locator("#builder-form .builder-head").get_by_role("button", name="Send").press("Enter")
    response = page.get_by_test_id("response")
    expect(response).to_contain_text("200")
    response.locator("summary", has_text="Headers").click()
    expect(response.get_by_text("Access-Control-Expose-Headers")).to_be_visible()
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
