"""The API console's front end in a real browser (QA findings): an invalid live value is reported
and marks the shown response stale; the operation highlight and ?op= follow the builder; long
error values wrap; row actions stay table cells; the header fits a narrow screen; a superseded
live request logs no console error."""

import re

import pytest
from playwright.sync_api import expect

from coreapi import models as core_models

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_PAGE_OVERFLOW = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
SEND = "/send/"


def send(page):
    with page.expect_response(lambda r: SEND in r.url):
        page.get_by_role("button", name="Send").first.click()


def test_invalid_live_value_is_reported_and_marks_the_response_stale(page, console, screenshot):
    # Spy on the browser's validation message (the bubble itself is browser UI, not DOM).
    page.evaluate("""() => {
        window.__reported = [];
        const original = HTMLInputElement.prototype.reportValidity;
        HTMLInputElement.prototype.reportValidity = function () {
            window.__reported.push(this.id); return original.call(this); };
    }""")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if SEND in r.url else None)
    response = page.get_by_test_id("response")
    page_size = page.get_by_label("pageSize")
    page_size.fill("1")
    expect(response.get_by_test_id("json-tree")).to_contain_text("PageSize: 1")
    page.wait_for_load_state("networkidle")
    before = len(sent)

    page_size.fill("2.5")  # step=1: the browser refuses it, htmx halts the request
    notice = page.get_by_test_id("stale-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Not sent: fix the highlighted field")
    expect(page.locator("#response")).to_have_class(re.compile(r"\bstale\b"))
    expect(page_size).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("window.__reported") == ["q-pageSize"]
    assert page_size.evaluate("el => el.validationMessage") != ""
    assert len(sent) == before
    screenshot("01-stale")

    page_size.fill("2")  # valid again: sent, the marker goes
    expect(response.get_by_test_id("json-tree")).to_contain_text("PageSize: 2")
    expect(notice).to_have_count(0)
    expect(page.locator("#response")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(page_size).not_to_have_attribute("aria-invalid", "true")


def test_active_operation_and_url_follow_the_builder(page, console):
    active = page.locator("a.op-link.active")
    expect(active).to_have_attribute("data-op", "Products.List")
    send(page)  # a history entry for Products.List
    expect(page.get_by_test_id("history")).to_contain_text("/v1/products")

    page.locator("a.op-link[data-op='Products.Create']").click()
    expect(page.locator("#builder-form input[name=op]")).to_have_value("Products.Create")
    expect(active).to_have_count(1)
    expect(active).to_have_attribute("data-op", "Products.Create")
    expect(page).to_have_url(re.compile(r"[?&]op=Products\.Create\b"))

    # A searched operation list keeps the highlight of the operation in the builder.
    page.get_by_placeholder("Search operations").fill("products")
    expect(page.locator("a.op-link[data-op='Products.Get']")).to_be_visible()
    expect(active).to_have_attribute("data-op", "Products.Create")

    # "Edit" on a history entry loads its operation: highlight and URL follow.
    page.get_by_test_id("history").get_by_role("button", name="Edit").first.click()
    expect(page.locator("#builder-form input[name=op]")).to_have_value("Products.List")
    expect(active).to_have_count(1)
    expect(active).to_have_attribute("data-op", "Products.List")
    expect(page).to_have_url(re.compile(r"[?&]op=Products\.List\b"))
    page.reload()
    expect(page.locator("#builder-form input[name=op]")).to_have_value("Products.List")
    expect(active).to_have_attribute("data-op", "Products.List")


def test_long_error_value_wraps(page, console, screenshot):
    page.set_viewport_size({"width": 1400, "height": 900})
    long_id = "x" * 500
    page.goto(f"{console}?op=Products.Get")
    page.locator("#path-productID").fill(long_id)
    send(page)
    errors = page.get_by_test_id("oc-errors")
    expect(errors).to_contain_text("NotFound")
    expect(errors.locator(".oc-error-data")).to_contain_text(long_id)
    screenshot("01-long-id")
    assert page.evaluate(NO_PAGE_OVERFLOW)


def test_row_action_cells_stay_table_cells(page, console):
    mp = core_models.Marketplace.objects.get(environment="sandbox", marketplace_id="acme-ui")
    core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Orders hook",
                                       url="https://example.com/hook")
    send(page)
    cell_style = """el => { const s = getComputedStyle(el); const row = el.closest('tr');
        return [s.display, Math.round(el.getBoundingClientRect().bottom) === Math.round(row.getBoundingClientRect().bottom)]; }"""
    pages = [(console, "history"), (f"{console}apiclients/", "api-clients"), (f"{console}webhooks/", "webhooks")]
    for url, table in pages:
        page.goto(url)
        cells = page.get_by_test_id(table).locator("tbody tr td:last-child")
        expect(cells.first).to_be_visible()
        for i in range(cells.count()):
            assert cells.nth(i).evaluate(cell_style) == ["table-cell", True], (table, i)
            expect(cells.nth(i).get_by_role("link", name="Edit").or_(
                cells.nth(i).get_by_role("button", name="Edit"))).to_be_visible()


def test_header_fits_a_narrow_screen(page, console, screenshot):
    page.set_viewport_size({"width": 420, "height": 800})
    page.reload()
    screenshot("01-narrow")
    assert page.evaluate(NO_PAGE_OVERFLOW)
    nav = page.get_by_role("navigation", name="Main")
    for item in [nav.get_by_role("link", name=name, exact=True)
                 for name in ("Dashboard", "Organizations", "Invitations", "Console")] + [page.get_by_label("User menu")]:
        item.scroll_into_view_if_needed()
        box = item.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 420, box
    nav.get_by_role("link", name="Invitations", exact=True).click()
    expect(page).to_have_url(re.compile(r"/invitations/"))


def test_superseded_live_request_logs_no_console_error(page, console):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # Two edits in a row: hx-sync="this:replace" aborts the first request (the latest one wins).
    page.get_by_label("pageSize").evaluate("""el => {
        el.value = '1'; el.dispatchEvent(new Event('input', {bubbles: true}));
        el.value = '2'; el.dispatchEvent(new Event('input', {bubbles: true})); }""")
    expect(page.get_by_test_id("response").get_by_test_id("json-tree")).to_contain_text("PageSize: 2")
    page.wait_for_load_state("networkidle")
    assert not [e for e in errors if "htmx:" in e], errors

    # A real failure is still logged.
    page.route(f"**{SEND}**", lambda route: route.abort())
    with page.expect_event("console", predicate=lambda m: m.type == "error" and "htmx:sendError" in m.text):
        page.get_by_label("pageSize").fill("3")


def test_live_edits_leave_one_history_entry_and_a_filter_without_value_sends_nothing(page, console):
    from console.models import ConsoleRequest

    sent = []
    page.on("request", lambda r: sent.append(r.url) if SEND in r.url else None)
    page.get_by_label("Filter field").first.press_sequentially("xp.color", delay=60)  # no value yet
    page.get_by_label("Filter operator").first.select_option("!")
    page.wait_for_load_state("networkidle")
    assert sent == []  # the row is not part of the request until it has a value

    # (each keystroke's request finishes before the next: SQLite's test database, see test_console)
    page.get_by_label("Filter value").first.press_sequentially("red", delay=250)
    expect(page.get_by_test_id("response-url")).to_contain_text("xp.color=%21red")
    page.wait_for_load_state("networkidle")
    assert len(sent) == 3
    entries = list(ConsoleRequest.objects.filter(user__username="olivia"))
    assert [e.query for e in entries] == [[["xp.color", "!red"]]] and entries[0].live
    page.get_by_label("Filter operator").first.select_option("=")  # one edit, one request (not two)
    expect(page.get_by_test_id("response-url")).to_contain_text("xp.color=red")
    page.wait_for_load_state("networkidle")
    assert len(sent) == 4
    send(page)  # the Send button always adds an entry
    assert ConsoleRequest.objects.filter(user__username="olivia").count() == 2


def test_a_long_unbroken_organization_name_wraps(page, console, live_server):
    from organizations.models import Organization

    Organization.objects.filter(oc_id="acme-ui").update(name="N" * 200)
    for width in (1280, 420):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/organizations/sandbox/acme-ui/", "/dashboard/", "/organizations/sandbox/acme-ui/settings/",
                     "/console/sandbox/acme-ui/"):  # fmt: skip
            page.goto(live_server.url + path)
            assert page.evaluate(NO_PAGE_OVERFLOW), (width, path)


def test_the_api_client_picker_lists_a_client_created_after_it_was_first_opened(page, console):
    page.get_by_test_id("context-switch").locator("summary").click()
    search = page.get_by_placeholder("Search API clients")
    search.focus()
    expect(page.locator("[data-testid=ctx-client][data-client=buyer-client]")).to_be_visible()
    # an API client created from the Requests tab (same page, no reload)
    page.get_by_placeholder("Search operations").fill("ApiClients.Create")
    page.locator("a.op-link[data-op='ApiClients.Create']").click()
    page.locator("#body-AppName").fill("Brand new app")
    page.locator("#body-AccessTokenDuration").fill("600")
    send(page)
    expect(page.get_by_test_id("response-status")).to_contain_text("201")
    search.focus()  # back to the picker: it lists the new client
    expect(page.locator("[data-testid=ctx-client]", has_text="Brand new app")).to_be_visible()


def test_a_webhook_hash_key_is_masked_until_shown_and_kept_when_saved(page, console, screenshot):
    mp = core_models.Marketplace.objects.get(environment="sandbox", marketplace_id="acme-ui")
    core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Orders hook", url="https://example.com/hook",
                                       hash_key="signing-Key-1", webhook_routes=[{"Route": "v1/orders", "Verb": "POST"}])
    page.goto(f"{console}webhooks/hook-1/")
    key = page.get_by_label("Hash key", exact=True)
    expect(key).to_have_attribute("type", "password")  # masked: dots, not the key
    expect(key).to_have_value("signing-Key-1")
    expect(page.get_by_test_id("webhook-form")).not_to_contain_text("signing-Key-1")
    show = page.get_by_role("button", name="Show hash key")
    show.click()
    expect(key).to_have_attribute("type", "text")
    screenshot("01-shown")
    page.get_by_role("button", name="Hide hash key").click()
    expect(key).to_have_attribute("type", "password")
    page.get_by_role("button", name="Save webhook").click()
    expect(page.get_by_text("Webhook Orders hook saved.")).to_be_visible()
    assert core_models.Webhook.objects.get(oc_id="hook-1").hash_key == "signing-Key-1"


def test_back_brings_the_request_back_with_what_was_typed_but_not_a_password(page, console):
    """Back after picking another operation shows the request as it was left: its path, body
    fields, boolean select and JSON body (htmx restores a copy of the page's HTML, which held no
    typed value), the operation search and the filters of a list; never a password typed into it
    (the copy is kept in the browser's localStorage)."""
    page.get_by_label("Filter field").first.fill("Name")
    page.get_by_label("Filter operator").first.select_option("*=*")
    with page.expect_response(lambda r: SEND in r.url):
        page.get_by_label("Filter value").first.fill("shirt")
    page.wait_for_load_state("networkidle")
    page.get_by_placeholder("Search operations").fill("users create")
    page.locator(".op-link[data-op='Users.Create']").click()
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/buyers/{buyerID}/users")
    page.wait_for_load_state("networkidle")
    page.get_by_label("buyerID").fill("buyer-1")
    page.get_by_label("Username").fill("new-shopper")
    page.get_by_label("Password").fill("Typed-secret-1")
    page.get_by_label("Active").select_option("true")
    page.get_by_label("JSON").fill('{"xp": {"tier": 2}}')
    page.get_by_placeholder("Search operations").fill("products get")
    page.locator(".op-link[data-op='Products.Get']").click()
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products/{productID}")
    page.wait_for_load_state("networkidle")

    page.go_back()
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/buyers/{buyerID}/users")
    expect(page.get_by_label("buyerID")).to_have_value("buyer-1")
    expect(page.get_by_label("Username")).to_have_value("new-shopper")
    expect(page.get_by_label("Active")).to_have_value("true")
    expect(page.get_by_label("JSON")).to_have_value('{"xp": {"tier": 2}}')
    expect(page.get_by_label("Password")).to_have_value("")
    assert "Typed-secret-1" not in page.evaluate("JSON.stringify(localStorage)")
    # the operation search as it was, matching the list it shows
    expect(page.get_by_placeholder("Search operations")).to_have_value("products get")

    page.go_back()
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")
    expect(page.get_by_label("Filter field").first).to_have_value("Name")
    expect(page.get_by_label("Filter operator").first).to_have_value("*=*")
    expect(page.get_by_label("Filter value").first).to_have_value("shirt")


def test_a_re_run_clicked_while_a_live_edit_is_in_flight_is_the_answer_shown(page, console):
    # A slow live edit (a search), then Re-run of a history entry: the Re-run is the latest request,
    # and its answer stays in the panel; the search's answer, arriving later, landed over it.
    send(page)  # a history entry to re-run: the plain list
    expect(page.get_by_test_id("history")).to_contain_text("/v1/products")
    held = []
    page.route(f"**{SEND}", lambda route: held.append(route) if "live=1" in (route.request.post_data or "")
               else route.continue_())
    page.get_by_label("search", exact=True).fill("shirt")  # held: the API is slow to answer it
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    with page.expect_response(lambda r: "/rerun/" in r.url):
        page.get_by_role("button", name="Re-run").first.click()
    expect(page.get_by_test_id("response-url")).to_have_text(re.compile(r"/v1/products$"))
    try:
        with page.expect_response(lambda r: SEND in r.url, timeout=3000):
            held[0].continue_()  # the search's answer comes in after the Re-run's
    except Exception:  # noqa: BLE001 - aborted by the Re-run: it never comes
        pass
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("response-url")).to_have_text(re.compile(r"/v1/products$"))


def test_removing_a_filter_with_the_keyboard_keeps_the_focus_in_the_filters(page, console):
    # Enter on a filter row's ✕ removed the row and the focus with it (to the page's body): a
    # screen reader lost its place, and the next Tab started over from the page's top
    page.get_by_label("Filter field").first.fill("Name")
    page.get_by_role("button", name="+ Add filter").press("Enter")
    page.get_by_label("Filter field").nth(1).fill("ID")
    page.get_by_role("button", name="Remove filter").nth(1).press("Enter")  # the last row: focus to the one before
    expect(page.get_by_label("Filter field")).to_have_count(1)
    expect(page.get_by_role("button", name="Remove filter")).to_be_focused()
    page.keyboard.press("Enter")  # the only row: emptied, focus on its field
    expect(page.get_by_label("Filter field")).to_have_value("")
    expect(page.get_by_label("Filter field")).to_be_focused()


def test_the_users_shown_are_those_of_the_api_client_picked_last(page, console):
    # Picking client A, then client B before A's users came: A's answer, arriving last, showed A's
    # users under the picker, so the user picked next was not one of the client the user chose
    page.get_by_test_id("context-switch").locator("summary").click()
    page.get_by_placeholder("Search API clients").focus()
    admin_client = page.locator("[data-testid=ctx-client][data-client=admin-client]")
    expect(admin_client).to_be_visible()
    held = []
    page.route("**/context/users/**", lambda route: held.append(route) if "client_id=admin-client" in route.request.url
               else route.continue_())
    admin_client.click()  # held: slow to answer
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    with page.expect_response(lambda r: "client_id=buyer-client" in r.url):
        page.locator("[data-testid=ctx-client][data-client=buyer-client]").click()
    expect(page.locator("#ctx-users h4")).to_contain_text("buyer-client")
    try:
        held[0].continue_()  # the first client's answer comes in after the second's
    except Exception:  # noqa: BLE001 - aborted by the second pick: it never comes
        pass
    page.wait_for_timeout(500)
    expect(page.locator("#ctx-users h4")).to_contain_text("buyer-client")
    picks = page.locator("#ctx-users [data-testid=ctx-user]")
    expect(picks).to_have_count(1)
    expect(picks).to_have_attribute("data-username", "shopper")  # not the admin client's "admin"
