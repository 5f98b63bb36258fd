"""The API console in a real browser (QA report 81): Send, Enter or Re-run pressed again while a
request is on its way sends nothing more, while live edits of a list still follow "the latest
request wins"; a password body field is masked; the fields to fix are named as the page labels
them and marked; "Reveal my token" after clearing the history keeps the command."""

import re

import pytest
from playwright.sync_api import expect

from coreapi import models as core_models

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEND = "/send/"
# two clicks 250 ms apart while the first request is on its way (Playwright's own click waits)
DOUBLE_CLICK = "button => { button.click(); setTimeout(() => button.click(), 250); }"


def slow_network(page, latency_ms=700):
    """Chromium's own throttling (as DevTools does); returns the list of the console's POSTs (URL,
    whether it was a live edit)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": latency_ms, "downloadThroughput": -1, "uploadThroughput": -1})
    posted = []
    page.on("request", lambda r: posted.append((r.url, "live=1" in (r.post_data or "")))
            if r.method == "POST" and ("/send/" in r.url or "/rerun/" in r.url) else None)
    return posted


def products(name):
    return core_models.Product.objects.filter(marketplace__marketplace_id="acme-ui", name=name).count()


def settle(page):
    """Past the latency of any request still on its way (and its answer)."""
    page.wait_for_timeout(1800)
    page.wait_for_load_state("networkidle")


# --- 1. one request per Send ------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["double-click", "top then bottom", "enter twice"])
def test_a_second_send_while_the_first_is_on_its_way_sends_nothing(page, console, how):
    page.goto(f"{console}?op=Products.Create")
    page.get_by_label("Name").fill("RealDbl")
    posted = slow_network(page)
    if how == "double-click":
        page.locator("#builder-form .actions button[type=submit]").evaluate(DOUBLE_CLICK)
    elif how == "top then bottom":
        page.locator("#builder-form").evaluate("""form => {
            const [top, bottom] = form.querySelectorAll("button[type=submit]");
            top.click(); setTimeout(() => bottom.click(), 250); }""")
    else:
        name = page.get_by_label("Name")
        name.press("Enter")
        page.wait_for_timeout(250)
        name.press("Enter")
    expect(page.get_by_test_id("response-status")).to_contain_text("201")
    settle(page)
    assert [url for url, _ in posted] == [page.url.split("?")[0] + "send/"]
    assert products("RealDbl") == 1
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(1)
    # once answered, Send sends again
    page.locator("#builder-form .actions button[type=submit]").click()
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(2)
    assert products("RealDbl") == 2


def test_a_double_clicked_re_run_sends_once(page, console):
    page.goto(f"{console}?op=Products.Create")
    page.get_by_label("Name").fill("Rerun once")
    with page.expect_response(lambda r: SEND in r.url):
        page.locator("#builder-form .actions button[type=submit]").click()
    rerun = page.get_by_test_id("history").get_by_role("button", name="Re-run")
    expect(rerun).to_have_count(1)
    posted = slow_network(page)
    rerun.evaluate(DOUBLE_CLICK)
    expect(page.get_by_test_id("history").locator("tbody tr")).to_have_count(2)
    settle(page)
    assert len(posted) == 1 and "/rerun/" in posted[0][0]
    assert products("Rerun once") == 2  # the first Send and one Re-run


def test_live_edits_still_replace_the_request_in_flight_and_a_send_still_goes_after_one(page, console):
    """Typing a filter fast on a slow network: each keystroke's request replaces the one on its way,
    and the panel ends with the answer to the last. A Send pressed while a live edit is on its way
    goes (it is the latest request); a live edit made while a Send is on its way goes too."""
    posted = slow_network(page)
    page.get_by_label("Filter field").first.fill("Name")
    page.get_by_label("Filter operator").first.select_option("*=*")
    page.get_by_label("Filter value").first.press_sequentially("shirt", delay=60)
    tree = page.get_by_test_id("response").get_by_test_id("json-tree")
    expect(page.get_by_test_id("response-url")).to_contain_text("Name=%2Ashirt%2A")
    expect(tree).to_contain_text("Red shirt")
    expect(tree).not_to_contain_text("Green hat")
    settle(page)
    assert [live for _, live in posted] == [True] * 5  # not one keystroke dropped

    # a live edit, then Send before its answer: the Send goes and is what the panel shows
    posted.clear()
    page.get_by_label("Filter value").first.fill("hat")
    page.wait_for_timeout(150)
    page.locator("#builder-form .actions button[type=submit]").click()
    settle(page)
    assert [live for _, live in posted] == [True, False]
    expect(tree).to_contain_text("Green hat")

    # a Send, then a live edit before its answer: the live edit goes and wins
    posted.clear()
    page.locator("#builder-form .actions button[type=submit]").click()
    page.wait_for_timeout(150)
    page.get_by_label("Filter value").first.fill("Blue")
    expect(page.get_by_test_id("response-url")).to_contain_text("Name=%2ABlue%2A")
    settle(page)
    assert [live for _, live in posted] == [False, True]
    expect(tree).to_contain_text("Blue shirt")
    expect(tree).not_to_contain_text("Green hat")


# --- 5. a password is masked ------------------------------------------------------------------------
def test_a_password_body_field_is_masked_with_a_show_button(page, console, screenshot):
    page.get_by_placeholder("Search operations").fill("users create")
    page.locator(".op-link[data-op='Users.Create']").click()  # the builder comes in by htmx
    password = page.locator("#body-Password")
    expect(password).to_have_attribute("type", "password")
    expect(password).to_have_attribute("autocomplete", "new-password")
    expect(page.locator("#body-Username")).to_have_attribute("type", "text")
    password.fill("Typed-secret-1")
    screenshot("01-masked")
    page.get_by_role("button", name="Show Password").click()
    expect(password).to_have_attribute("type", "text")
    page.get_by_role("button", name="Hide Password").click()
    expect(password).to_have_attribute("type", "password")
    expect(password).to_have_value("Typed-secret-1")
    expect(page.get_by_role("button", name=re.compile("Show"))).to_have_count(1)  # one button, not one per swap


# --- 4. the fields to fix ---------------------------------------------------------------------------
def test_the_field_to_fix_is_named_as_labelled_marked_and_focused_after_send(page, console, screenshot):
    page.goto(f"{console}?op=Products.Create")
    typed = '{"Name": "X", "xp": {"a": 1},}'
    json_field = page.get_by_label("JSON")
    json_field.fill(typed)
    page.locator("#builder-form .actions button[type=submit]").click()
    errors = page.get_by_test_id("field-errors")
    expect(errors).to_contain_text("JSON: The body is not valid JSON")
    expect(errors).not_to_contain_text("body_json")
    expect(json_field).to_have_attribute("aria-invalid", "true")
    # described by its error, after the help naming what only the JSON takes (Inventory)
    expect(json_field).to_have_attribute("aria-describedby", "body-json-help field-error-1")
    expect(json_field).to_be_focused()
    expect(json_field).to_have_value(typed)
    screenshot("01-json")

    json_field.fill('{"Name": "Fixed"}')  # still marked until sent again
    expect(json_field).to_have_attribute("aria-invalid", "true")
    page.locator("#builder-form .actions button[type=submit]").click()
    expect(page.get_by_test_id("response-status")).to_contain_text("201")
    expect(json_field).not_to_have_attribute("aria-invalid", "true")
    assert json_field.get_attribute("aria-describedby") == "body-json-help"  # as the page gave it


def test_a_bad_filter_field_is_marked_while_typing_and_focused_after_send(page, console):
    page.get_by_label("Filter field").first.fill("Name Bad")
    value = page.get_by_label("Filter value").first
    value.press_sequentially("x", delay=50)  # a live edit: marked, the focus stays where it is typed
    errors = page.get_by_test_id("field-errors")
    expect(errors).to_contain_text("Filter 1 field: Filter field names may contain")
    field = page.get_by_label("Filter field").first
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(value).to_be_focused()
    page.locator("#builder-form .actions button[type=submit]").click()
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-describedby", re.compile(r"^field-error-1$"))
    expect(field).to_have_value("Name Bad")


# --- 6. Reveal my token after Clear -----------------------------------------------------------------
def test_reveal_my_token_after_clearing_the_history_keeps_the_command_and_says_why(page, console, screenshot):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())  # Clear's and Reveal's confirmations
    with page.expect_response(lambda r: SEND in r.url):
        page.locator("#builder-form .actions button[type=submit]").click()
    response = page.get_by_test_id("response")
    response.get_by_text("Copy as curl").click()
    snippet = response.get_by_test_id("curl-snippet")
    expect(snippet).to_contain_text("Bearer $TOKEN")
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_test_id("history")).to_have_count(0)
    response.get_by_role("button", name="Reveal my token").click()
    note = response.get_by_test_id("reveal-note")
    expect(note).to_contain_text("Your token cannot be shown for this request any more")
    expect(note).to_contain_text("send the request again")
    expect(snippet).to_contain_text("Bearer $TOKEN")  # the command stays
    expect(response).not_to_contain_text("does not exist")
    screenshot("01-note")
    assert not [e for e in errors if "404" in e or "htmx:" in e], errors
