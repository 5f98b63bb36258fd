"""Console pages: access (404 for outsiders), context selector, request builder, history, copy
snippets, API client and webhook screens - through the real built-in core API."""

import json
import re
from datetime import timedelta
from html import escape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from console import services, views_admin
from console.models import ConsoleRequest, ConsoleToken
from console.tests.helpers import form_as_sent, latest, send, url
from coreapi import models as core_models
from coreapi.tests.test_webhooks import HASH_KEY, Receiver
from organizations import services as org_services
from tests.a11y import A11yPage


class TestAccess:
    def test_outsider_gets_404_on_every_console_page(self, team, outsider, as_user):
        c = as_user(outsider)
        for name in ("console", "apiclients", "webhooks", "history", "context-clients"):
            assert c.get(url(team, name)).status_code == 404, name
        assert send(c, team, "Me.Get").status_code == 404

    def test_a_send_on_a_deleted_organization_tells_its_owner_it_was_deleted_and_until_when_it_can_be_restored(
            self, team, owner, member, as_user):
        # QA: Send answered "Organization not found." while loading the page says it was deleted
        c_owner, c_member = as_user(owner), as_user(member)
        org_services.organization_delete(actor=owner, organization=team, confirmed=True)
        team.refresh_from_db()
        restorable = team.purge_after.strftime("%-d %b %Y, %H:%M")
        for response in (send(c_owner, team, "Me.Get"),
                         c_owner.get(url(team, "history"), HTTP_HX_REQUEST="true")):  # any panel of the console
            body = response.content.decode()
            assert response.status_code == 404 and "<html" not in body
            panel = A11yPage(body).one(**{"data-testid": "console-error"})
            assert panel.text.startswith("Acme was deleted (404). You deleted this organization on ")
            assert f"It can be restored until {restorable} UTC, from Deleted organizations" in panel.text
            assert f'href="{reverse("organizations:deleted")}" data-testid="deleted-list-link"' in body
        # someone else (a contributor of it) learns nothing more than before
        response = send(c_member, team, "Me.Get")
        body = response.content.decode()
        assert response.status_code == 404 and "Organization not found." in body and "restored" not in body
        assert not ConsoleRequest.objects.filter(organization=team, user__in=[owner, member]).exists()

    def test_anonymous_is_sent_to_sign_in(self, team):
        response = Client().get(url(team))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("name, kwargs", [
        ("context-set", {}), ("apiclient-delete", {"client_id": "admin-client"}),
        ("apiclient-secret-delete", {"client_id": "admin-client", "secret_id": "s1"}),
        ("webhook-delete", {"webhook_id": "hook-1"}),
    ])
    def test_a_button_pressed_after_signing_out_comes_back_to_its_page_not_to_the_action(self, team, name, kwargs):
        # Signed out in another tab, then "Use my own access again", a user picked or a Delete: signing
        # in came back to the action's address, a POST-only one ("This address is not a page", 405)
        page = f"http://testserver{url(team, 'apiclients')}?x=1"
        response = Client().post(url(team, name, **kwargs), {"mode": "self"}, HTTP_REFERER=page)
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == "/accounts/login/" and parse_qs(location.query) == {"next": [url(team, "apiclients") + "?x=1"]}
        # no page to come back to (no Referer, or another site's): the console of the organization
        for referer in ({}, {"HTTP_REFERER": "https://elsewhere.example/console/sandbox/acme-sbx/apiclients/"}):
            response = Client().post(url(team, name, **kwargs), {"mode": "self"}, **referer)
            assert parse_qs(urlsplit(response["Location"]).query) == {"next": [url(team)]}

    def test_each_console_screen_has_its_own_title_and_one_h1(self, team, owner, as_user):
        # QA 81 #7: every screen was "Console · Acme · Portal": tabs and history entries looked alike
        mp = core_models.Marketplace.objects.get(environment="sandbox", marketplace_id=team.oc_id)
        core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Orders hook", url="https://example.com/hook")
        c = as_user(owner)
        titles = {
            url(team): "Requests",
            url(team, "apiclients"): "API clients",
            url(team, "apiclient-create"): "New API client",
            url(team, "apiclient-edit", client_id="admin-client"): "Edit API client Admin app",
            url(team, "webhooks"): "Webhooks",
            url(team, "webhook-create"): "New webhook",
            url(team, "webhook-edit", webhook_id="hook-1"): "Edit webhook Orders hook",
        }
        for address, screen in titles.items():
            page = A11yPage(c.get(address).content.decode())
            assert page.title == f"{screen} · Console · Acme · Portal", address
            assert [h.text for h in page.find_all("h1")] == ["API console · Acme"], address

    def test_home_lists_only_my_organizations(self, team, member, as_user):
        page = as_user(member).get(reverse("console:home")).content.decode()
        assert "acme-sbx" in page and "other-org" not in page

    def test_console_page_shows_the_context_and_never_a_token(self, team, member, as_user):
        page = as_user(member).get(url(team)).content.decode()
        assert 'data-testid="ctx-user">you (mia)' in page
        assert "ProductReader" in page and "badge sandbox" in page
        token = ConsoleToken.objects.get(user=member).access_token
        assert token not in page


class TestRequestBuilder:
    def test_list_with_filter_sends_field_operator_and_value(self, team, member, as_user):
        response = send(as_user(member), team, "Products.List", **{"f.field": "Name", "f.op": "*=*", "f.value": "shirt"})
        assert response.status_code == 200
        assert latest(member).query == [["Name", "*shirt*"]]
        assert 'data-testid="response-status">200' in response.content.decode()
        assert "Red shirt" in response.content.decode() and "Green hat" not in response.content.decode()

    @pytest.mark.parametrize(("op", "value"), [("*=", "Bl*"), ("*=*", "*Bl*"), ("*=*", "Bl*")])
    def test_a_wildcard_typed_into_a_filter_value_is_not_doubled(self, team, member, as_user, op, value):
        # QA 81 #8: starts with + "Bl*" sent Name=Bl**, contains sent Name=*Bl**
        response = send(as_user(member), team, "Products.List", **{"f.field": "Name", "f.op": op, "f.value": value})
        expected = "Bl*" if op == "*=" else "*Bl*"
        assert latest(member).query == [["Name", expected]]
        body = response.content.decode()
        assert "Blue shirt" in body and "Red shirt" not in body

    def test_a_comparison_sends_a_wildcard_as_typed_and_the_api_says_what_it_does_with_it(self, team, member, as_user):
        c = as_user(member)
        send(c, team, "Products.List", **{"f.field": "Name", "f.op": ">", "f.value": "Bl*"})
        assert latest(member).query == [["Name", ">Bl*"]]  # compared as text: "Green hat", "Red shirt"
        body = send(c, team, "Products.List", **{"f.field": "ShipWeight", "f.op": ">", "f.value": "1*"}).content.decode()
        assert latest(member).query == [["ShipWeight", ">1*"]]
        assert 'data-testid="response-status">400' in body
        assert "Invalid filter value for ShipWeight: &#x27;1*&#x27; (expected a number)." in body

    @pytest.mark.parametrize("who", ["owner", "member"])
    def test_a_send_reads_the_organization_access_and_token_in_one_query_and_writes_one_history_row(
        self, team, who, as_user, request
    ):
        owner = request.getfixturevalue(who)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        c = as_user(owner)
        send(c, team, "Products.List", pageSize="2")  # mints the token
        with CaptureQueriesContext(connection) as queries:
            assert send(c, team, "Products.List", pageSize="2").status_code == 200
        sql = [q["sql"] for q in queries.captured_queries]
        lookups = [q for q in sql if q.startswith("SELECT") and ("console_" in q or "organizations_" in q)]
        assert len(lookups) == 1 and "console_consoletoken t" in lookups[0] and "organizations_contributor c" in lookups[0]
        writes = [q.split(" (")[0].split(" WHERE")[0] for q in sql if q.startswith(("INSERT", "UPDATE", "DELETE"))]
        pruned = latest(owner).pk % services.HISTORY_PRUNE_EVERY == 0  # every 10th entry prunes
        assert writes == ['INSERT INTO "console_consolerequest"'] + (['DELETE FROM "console_consolerequest"'] if pruned else [])

    def test_json_response_is_embedded_for_the_browser_and_cannot_break_out_of_its_script(self, team, owner, as_user):
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        core_models.Product.objects.create(marketplace=mp, oc_id="xss", name="</script><img src=x onerror=alert(1)> & co",
                                           active=True)
        body = send(as_user(owner), team, "Products.Get", **{"path.productID": "xss"}).content.decode()
        assert 'data-testid="json-tree"' in body and '<script type="application/json" class="json-tree-data">' in body
        assert "</script><img" not in body and "<img src=x" not in body
        assert "\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e \\u0026 co" in body

    def test_page_size_zero_is_sent_as_zero_and_the_api_error_is_shown_readably(self, team, member, as_user):
        response = send(as_user(member), team, "Products.List", pageSize="0", page="")
        assert latest(member).query == [["pageSize", "0"]]  # empty page omitted, 0 sent
        body = response.content.decode()
        assert 'data-testid="oc-errors"' in body and "InvalidRequest" in body

    def test_sort_descending_and_xp_filter(self, team, member, as_user):
        send(as_user(member), team, "Products.List", sortBy="Name", sortDir="desc",
             **{"f.field": ["xp.color", "Active"], "f.op": ["=", "!"], "f.value": ["red", "false"]})
        assert latest(member).query == [["sortBy", "!Name"], ["xp.color", "red"], ["Active", "!false"]]

    def test_body_number_zero_is_sent_and_empty_fields_are_omitted(self, team, owner, as_user):
        response = send(as_user(owner), team, "Products.Create", **{
            "body.ID": "zero-weight", "body.Name": "Free sample", "body.ShipWeight": "0",
            "body.ShipHeight": "", "body.QuantityMultiplier": "-2", "body_json": '{"xp": {"price": 0}}',
        })
        assert response.status_code == 200
        import json

        # sent as typed: the negative number too, which the API refuses naming it
        sent = json.loads(latest(owner).body)
        assert sent == {"xp": {"price": 0}, "ID": "zero-weight", "Name": "Free sample", "ShipWeight": 0,
                        "QuantityMultiplier": -2}
        assert "QuantityMultiplier" in response.content.decode() and latest(owner).status_code == 400
        send(as_user(owner), team, "Products.Create", **{
            "body.ID": "zero-weight", "body.Name": "Free sample", "body.ShipWeight": "0", "body.ShipHeight": ""})
        product = core_models.Product.objects.get(oc_id="zero-weight")
        assert product.ship_weight == 0 and product.ship_height is None

    def test_invalid_number_field_gives_a_clear_error_and_sends_nothing(self, team, owner, as_user):
        response = send(as_user(owner), team, "ApiClients.Create", **{"body.AppName": "x", "body.AccessTokenDuration": "5"})
        assert "Must be at least 10" in response.content.decode()
        assert not ConsoleRequest.objects.filter(user=owner).exists()

    def test_path_parameters_are_required_and_filled_in(self, team, member, as_user):
        c = as_user(member)
        assert "Required" in send(c, team, "Products.Get").content.decode()
        response = send(c, team, "Products.Get", **{"path.productID": "prod-1"})
        assert latest(member).path == "/v1/products/prod-1"
        assert "Red shirt" in response.content.decode()

    def test_error_data_is_shown_as_the_api_sent_it_not_as_python_prints_it(self, team, member, as_user):
        body = send(as_user(member), team, "Products.Create", **{"body.Name": "x", "body_json": "{}"}).content.decode()
        assert "SufficientRoles</code> ProductAdmin" in body  # a member with ProductReader only
        assert "[&#x27;" not in body and "{&#x27;" not in body

    @pytest.mark.parametrize("value", ["prod-1/variants", "a/b", "prod-1/", "..", "."])
    def test_a_path_value_that_is_not_one_id_is_a_field_error_and_nothing_is_sent(self, team, member, as_user, value):
        """An ID with "/" was sent (%2F, decoded by the server) and came back "No such endpoint"."""
        body = send(as_user(member), team, "Products.Get", **{"path.productID": value}).content.decode()
        errors = re.search(r'data-testid="field-errors">(.*?)</ul>', body, re.S).group(1)
        assert '<li id="field-error-1" data-field="path.productID" data-field-index="0"><strong>productID</strong>: ' in errors
        assert "OrderCloud IDs have only letters, digits, &quot;-&quot; and &quot;_&quot;." in errors
        assert "No such endpoint" not in body and latest(member) is None  # nothing sent

    def test_the_fields_to_fix_are_named_as_the_builder_labels_them(self, team, owner, as_user):
        # QA 81 #4: the list showed the form's keys (body_json, body.NewPassword, f.field.0)
        c = as_user(owner)

        def fix_these(op, **fields):
            body = send(c, team, op, **fields).content.decode()
            items = A11yPage(body).one("ul", **{"data-testid": "field-errors"}).find_all("li")
            return [(li.attrs["data-field"], li.attrs["data-field-index"], li.attrs["id"], li.one("strong").text)
                    for li in items]

        assert fix_these("Products.Create", body_json='{"Name": "X", "xp": {"a": 1},}') == [
            ("body_json", "0", "field-error-1", "JSON")]
        assert fix_these("Me.ResetPasswordByToken", **{"body.NewPassword": "********", "body_json": "{}"}) == [
            ("body.NewPassword", "0", "field-error-1", "NewPassword")]
        assert fix_these("Products.List", **{"f.field": ["Name", "Name Bad"], "f.op": ["=", "="],
                                             "f.value": ["a", "b"], "pageSize": "x"}) == [
            ("pageSize", "0", "field-error-1", "pageSize"), ("f.field", "1", "field-error-2", "Filter 2 field")]
        assert fix_these("Products.Get") == [("path.productID", "0", "field-error-1", "productID")]

    @pytest.mark.parametrize("value", ["a?b", "a#b", "100%", "a b", "a%2Fb", "caf\u00e9"])
    def test_other_characters_in_a_path_value_reach_the_api_as_the_literal_id(self, team, member, as_user, value):
        body = send(as_user(member), team, "Products.Get", **{"path.productID": value}).content.decode()
        assert 'data-testid="response-status">404' in body and "No such endpoint" not in body
        assert f"<code>ObjectID</code> {escape(value)}</span>" in body  # the API looked for this very ID

    def test_not_found_error_is_readable(self, team, member, as_user):
        body = send(as_user(member), team, "Products.Get", **{"path.productID": "nope"}).content.decode()
        assert "NotFound" in body and "ObjectID" in body

    def test_an_unknown_operation_in_the_address_shows_the_console_with_a_notice(self, team, member, as_user):
        response = as_user(member).get(url(team), {"op": "Nope.Nope"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is no operation Nope.Nope in this API; showing Products.List." in page
        assert 'data-testid="builder-path">/v1/products<' in page

    def test_operations_search_and_builder_prefill(self, team, member, as_user):
        c = as_user(member)
        body = c.get(url(team, "operations"), {"q": "webhooks create"}).content.decode()
        assert "Webhooks.Create" in body and "Products.List" not in body
        builder = c.get(url(team, "builder"), {"op": "PriceSchedules.Create"}).content.decode()
        # an optional list of objects is not pre-filled (a PriceBreak of Quantity 0 is refused): xp is
        editor = builder.split('id="body-json"', 1)[1].split("</textarea>", 1)[0]  # the JSON template
        assert "PriceBreaks" not in editor and '&quot;xp&quot;: {}' in editor and 'name="body.MinQuantity"' in builder

    @pytest.mark.parametrize(("op", "secret", "plain"), [
        ("Me.ResetPasswordByToken", "NewPassword", None), ("Users.Create", "Password", "Username"),
        ("Webhooks.Create", "HashKey", "Name"), ("ApiClients.Create", "ClientSecret", "AppName"),
    ])
    def test_a_password_or_secret_body_field_is_a_masked_input(self, team, member, as_user, op, secret, plain):
        # QA 81 #5: NewPassword was a text input, the new password shown in clear on the screen
        builder = A11yPage(as_user(member).get(url(team, "builder"), {"op": op}).content.decode())
        field = builder.one("input", id=f"body-{secret}")
        assert field.attrs["type"] == "password" and field.attrs["autocomplete"] == "new-password"
        row = builder.one("div", **{"data-reveal-label": secret})  # console.js adds its Show button to it
        assert "secret-input" in row.attrs["class"] and row.one("input").attrs["id"] == f"body-{secret}"
        if plain:
            assert builder.one("input", id=f"body-{plain}").attrs["type"] == "text"

    def test_a_patch_is_pre_filled_with_nothing_it_would_overwrite(self, team, owner, as_user):
        c = as_user(owner)
        send(c, team, "PriceSchedules.Create",
             body_json=json.dumps({"ID": "ps-1", "Name": "Real", "PriceBreaks": [{"Quantity": 1, "Price": 49.5}]}))
        builder = c.get(url(team, "builder"), {"op": "PriceSchedules.Patch"}).content.decode()
        body_json = re.search(r'<textarea id="body-json" name="body_json"[^>]*>(.*?)</textarea>', builder, re.S).group(1)
        assert body_json.strip() == "{}"
        # rename it the way the builder offers: the Name field, the JSON as pre-filled
        send(c, team, "PriceSchedules.Patch", **{"path.priceScheduleID": "ps-1", "body.Name": "Renamed",
                                                 "body_json": body_json})  # fmt: skip
        schedule = core_models.PriceSchedule.objects.get(oc_id="ps-1")
        assert schedule.name == "Renamed" and schedule.price_breaks[0]["Price"] == 49.5
        create = c.get(url(team, "builder"), {"op": "PriceSchedules.Create"}).content.decode()
        template = create.split('id="body-json"', 1)[1].split("</textarea>", 1)[0]
        assert "&quot;xp&quot;: {}" in template and "PriceBreaks" not in template  # a create still gets the template

    def test_a_parameter_with_fixed_values_offers_them(self, team, owner, as_user):
        c = as_user(owner)
        builder = c.get(url(team, "builder"), {"op": "Products.List"}).content.decode()
        choices = re.search(r'<select id="q-searchType" name="q.searchType">(.*?)</select>', builder, re.S).group(1)
        assert re.findall(r'<option value="([^"]*)"', choices) == [
            "", "AnyTerm", "AllTermsAnyField", "AllTermsSameField", "ExactPhrase", "ExactPhrasePrefix"]
        builder = c.get(url(team, "builder"), {"op": "Products.GenerateVariants"}).content.decode()
        assert re.search(r'<select id="q-overwriteExisting" name="q.overwriteExisting"><option value="">\(omit\)</option>'
                         r'<option value="true" >true</option><option value="false" >false</option></select>', builder)
        builder = c.get(url(team, "builder"), {"op": "IntegrationEvents.Create"}).content.decode()
        assert re.search(r'<select id="body-EventType" name="body.EventType"><option value="">\(omit\)</option>'
                         r'<option value="OrderCheckout"', builder)
        send(c, team, "Products.List", **{"q.searchType": "AnyTerm", "search": "red hat"})
        assert ["searchType", "AnyTerm"] in latest(owner).query
        builder = c.get(url(team, "builder"), {"history": latest(owner).pk}).content.decode()
        assert '<option value="AnyTerm" selected>' in builder  # "Edit" keeps the choice


class TestHistoryAndSnippets:
    def test_history_rerun_and_edit(self, team, member, as_user):
        c = as_user(member)
        send(c, team, "Products.List", pageSize="2", search="shirt")
        entry = latest(member)
        response = c.post(url(team, "history-rerun", pk=entry.pk), HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and ConsoleRequest.objects.filter(user=member).count() == 2
        builder = c.get(url(team, "builder"), {"history": entry.pk}).content.decode()
        assert 'name="pageSize" value="2"' in builder and 'name="search" value="shirt"' in builder

    def test_a_burst_of_live_edits_leaves_one_history_entry_the_send_button_always_adds(self, team, member, as_user):
        c = as_user(member)
        send(c, team, "Products.List", pageSize="2")  # the Send button
        for typed in ("h", "ho", "hoo", "hood"):  # typing in the search field: live sends
            send(c, team, "Products.List", pageSize="2", search=typed, live="1")
        entries = list(ConsoleRequest.objects.filter(user=member).order_by("id"))
        assert [e.query for e in entries] == [[["pageSize", "2"]], [["search", "hood"], ["pageSize", "2"]]]
        assert entries[1].live and not entries[0].live and "live" not in entries[1].state
        # another operation, or a pause longer than the burst window, starts a new entry
        send(c, team, "Me.Get", live="1")
        ConsoleRequest.objects.filter(pk=latest(member).pk).update(
            created_at=latest(member).created_at - timedelta(seconds=services.LIVE_BURST_SECONDS + 1))
        send(c, team, "Me.Get", live="1")
        send(c, team, "Products.List", pageSize="3")
        send(c, team, "Products.List", pageSize="3", live="1")  # after a Send: a new entry, the Send's is kept
        assert ConsoleRequest.objects.filter(user=member).count() == 6

    def test_a_live_edit_answered_after_a_newer_one_leaves_the_newer_one_in_the_history(
        self, team, member, as_user, monkeypatch
    ):
        # Typing "hoodie" then deleting back to "hood": the search for "hoodie" is slow, the page
        # aborts it (the latest request wins) and shows the answer for "hood"; the server still
        # finishes "hoodie" afterwards. The burst's history entry (and its "Reveal my token" curl)
        # is the request whose answer the page shows, not the superseded one.
        c = as_user(member)
        real, calls = services._send_once, []

        def newer_edit_answered_first(**kwargs):
            calls.append(kwargs["query"])
            if len(calls) == 1:  # while the API works on "hoodie", "hood" is sent and answered
                response = send(c, team, "Products.List", search="hood", live="1")
                assert response.status_code == 200
            return real(**kwargs)

        monkeypatch.setattr(services, "_send_once", newer_edit_answered_first)
        send(c, team, "Products.List", search="hoodie", live="1")
        assert [e.query for e in ConsoleRequest.objects.filter(user=member)] == [[["search", "hood"]]]
        entry = latest(member)
        assert entry.state["search"] == ["hood"]

    def test_the_response_panel_shows_the_url_with_its_query(self, team, member, as_user):
        body = send(as_user(member), team, "Products.List", pageSize="2", search="red shirt").content.decode()
        assert "/core/sandbox/v1/products?search=red+shirt&amp;pageSize=2</code>" in body

    def test_passwords_and_secrets_are_sent_but_not_kept_in_the_history(self, team, owner, as_user):
        c = as_user(owner)
        secret = "Typed-in-the-console-1!"
        body = json.dumps({"ID": "new-admin", "Username": "new-admin", "FirstName": "N", "LastName": "A",
                           "Email": "n@example.com", "Active": True, "Password": secret, "xp": {"ApiSecret": secret}})
        response = send(c, team, "AdminUsers.Create", body_json=body)
        assert response.status_code == 200 and 'data-testid="response-status">201' in response.content.decode()
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id)
        from django.contrib.auth.hashers import check_password
        assert check_password(secret, core_models.CoreUser.objects.get(marketplace=mp, oc_id="new-admin").password)
        entry = latest(owner)
        assert secret not in entry.body and secret not in json.dumps(entry.state)
        assert json.loads(entry.body)["Password"] == services.REDACTED and json.loads(entry.body)["Username"] == "new-admin"
        builder = c.get(url(team, "builder"), {"history": entry.pk}).content.decode()
        assert secret not in builder and services.REDACTED in builder
        rerun = c.post(url(team, "history-rerun", pk=entry.pk), HTTP_HX_REQUEST="true")
        assert rerun.status_code == 400 and "does not keep the Password and ApiSecret this request sent" in rerun.content.decode()
        # a request without such a field is kept as sent and re-runs
        send(c, team, "Products.List", pageSize="2")
        assert c.post(url(team, "history-rerun", pk=latest(owner).pk), HTTP_HX_REQUEST="true").status_code == 200

    def test_an_edited_entry_is_not_sent_with_the_placeholder_as_the_password(self, team, owner, as_user):
        c = as_user(owner)
        user = {"Username": "ann", "FirstName": "A", "LastName": "N", "Email": "a@example.com", "Active": True}
        send(c, team, "AdminUsers.Create", body_json=json.dumps({**user, "ID": "ann"}), **{"body.Password": "Ann-pass-1!"})
        entry = latest(owner)
        builder = c.get(url(team, "builder"), {"history": entry.pk}).content.decode()
        assert 'data-testid="redacted-notice"' in builder and 'name="body.Password" value="********"' in builder
        # "Reveal my token" under its response: the token to use with the command shown, not a
        # command rebuilt with ******** as the password
        revealed = c.post(url(team, "token-reveal", pk=entry.pk)).content.decode()
        token = ConsoleToken.objects.get(user=owner, organization=team, client_id="").access_token
        assert f"export TOKEN={token}" in revealed and "********" not in revealed and "Type the" not in revealed
        # "Edit", another ID, Send: the user would get the password ********
        fields = {k: v[0] for k, v in entry.state.items() if k not in ("redacted", "op")}
        body = send(c, team, "AdminUsers.Create", **{**fields, "body.ID": "ann-2"}).content.decode()
        assert "Type the Password again" in body and 'data-testid="response-status"' not in body
        body = send(c, team, "AdminUsers.Create", body_json=json.dumps({**user, "ID": "ann-3", "Password": "********"}))
        assert "<strong>JSON</strong>: Type the Password again" in body.content.decode()
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id)
        assert not core_models.CoreUser.objects.filter(marketplace=mp, oc_id__in=["ann-2", "ann-3"]).exists()
        body = send(c, team, "AdminUsers.Create", **{**fields, "body.ID": "ann-4", "body.Username": "ann-4",
                                                        "body.Password": "Ann-pass-4!"})
        assert 'data-testid="response-status">201' in body.content.decode()

    def test_the_sdk_call_names_the_id_the_request_was_sent_to(self, team, member, as_user):
        body = send(as_user(member), team, "Products.Get", **{"path.productID": "  prod-1 "}).content.decode()
        assert "/v1/products/prod-1</code>" in body and 'data-testid="response-status">200' in body
        assert "Products.Get(&quot;prod-1&quot;)" in body  # a pasted ID with spaces: not "  prod-1 " (a 404)

    def test_history_of_another_user_is_404(self, team, member, owner, as_user):
        send(as_user(member), team, "Me.Get")
        entry = latest(member)
        assert as_user(owner).post(url(team, "history-rerun", pk=entry.pk)).status_code == 404

    def test_curl_uses_a_placeholder_until_the_user_reveals_their_own_token(self, team, member, as_user):
        c = as_user(member)
        body = send(c, team, "Products.List", pageSize="5").content.decode()
        token = ConsoleToken.objects.get(user=member).access_token
        assert "Bearer $TOKEN" in body and token not in body
        assert "Products.List({" in body and "&quot;pageSize&quot;: 5" in body
        revealed = c.post(url(team, "token-reveal", pk=latest(member).pk)).content.decode()
        assert token in revealed


    def test_reveal_my_token_after_the_history_was_cleared_keeps_the_command_and_says_why(
        self, team, member, owner, as_user
    ):
        # QA 81 #6: the curl command was replaced by "This history entry does not exist." (a 404)
        c = as_user(member)
        body = send(c, team, "Products.List", pageSize="5").content.decode()
        pk = latest(member).pk
        assert f'<div id="reveal-note-{pk}" role="status" data-testid="reveal-note"></div>' in body
        c.post(url(team, "history-clear"), HTTP_HX_REQUEST="true")
        response = c.post(url(team, "token-reveal", pk=pk), HTTP_HX_REQUEST="true")
        assert response.status_code == 200  # no 404 in the browser's console
        assert response["HX-Retarget"] == f"#reveal-note-{pk}" and response["HX-Reswap"] == "innerHTML"
        note = response.content.decode()
        assert "it is no longer in your history (cleared" in note and "send the request again" in note
        assert ConsoleToken.objects.get(user=member).access_token not in note
        # another user's entry: the same note, nothing of theirs; without htmx, the 404 as before
        send(as_user(owner), team, "Products.List")
        theirs = c.post(url(team, "token-reveal", pk=latest(owner).pk), HTTP_HX_REQUEST="true")
        assert theirs.status_code == 200 and theirs.content.decode() == note
        assert c.post(url(team, "token-reveal", pk=pk)).status_code == 404

class TestContextSelector:
    def test_member_impersonates_a_buyer_and_calls_me(self, team, member, as_user):
        c = as_user(member)
        clients = c.get(url(team, "context-clients")).content.decode()
        assert "buyer-client" in clients
        users = c.get(url(team, "context-users"), {"client_id": "buyer-client"}).content.decode()
        assert 'data-username="shopper"' in users
        response = c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"})
        assert response.status_code == 302
        page = c.get(url(team)).content.decode()
        assert 'data-testid="ctx-user">shopper' in page
        body = send(c, team, "Me.Get").content.decode()
        assert "shopper" in body and latest(member).username == "shopper"
        # "Reveal my token" says whose token it shows
        assert "Show the access token you call the API with as shopper in this page?" in body
        revealed = c.post(url(team, "token-reveal", pk=latest(member).pk)).content.decode()
        assert "This command contains the access token you use as shopper." in revealed

    def test_the_client_is_called_by_its_app_name_and_no_shared_roles_are_a_warning(self, team, member, owner, as_user):
        from organizations import services as org_services

        c = as_user(member)
        users = c.get(url(team, "context-users"), {"client_id": "buyer-client"}).content.decode()
        assert "Users who can sign in through Storefront <code>buyer-client</code>" in users
        page = c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"}, follow=True)
        shown = [str(m) for m in page.context["messages"]]
        assert "Now calling the API as shopper via Storefront." in shown
        assert not any("no role in common" in m for m in shown)
        assert "via API client Storefront <code>buyer-client</code>" in page.content.decode()
        # the contributor's roles and the shopper's share nothing: say so before every call is a 403
        org_services.contributor_save(actor=owner, organization=team, username=member.username, roles=["BuyerAdmin"],
                                      is_admin=False, impersonate_buyer=True)  # fmt: skip
        page = c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"}, follow=True)
        shown = [str(m) for m in page.context["messages"]]
        assert any(m.startswith("shopper and you hold no role in common") and "yours here: BuyerAdmin" in m
                   for m in shown), shown  # fmt: skip

    def test_picking_a_user_again_brings_the_roles_assigned_to_them_since(self, team, member, as_user):
        from coreapi.testing import core_security_profile, core_user

        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        core_models.Buyer.objects.create(marketplace=mp, oc_id="buyer-2", name="Buyer Two", active=True)
        core_models.ApiClientAssignment.objects.create(marketplace=mp, api_client_id="buyer-client", buyer_id="buyer-2")
        core_user(mp, kind=core_models.UserKind.BUYER, company_id="buyer-2", user_id="new-user", username="newbie")
        c = as_user(member)

        def pick():
            page = c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "newbie"}, follow=True)
            return page.content.decode(), [str(m) for m in page.context["messages"]]

        page, shown = pick()
        # newbie holds no role at all: not "you hold no role in common", which sends them to the wrong fix
        assert services.MSG_USER_HAS_NO_ROLES.format(username="newbie") in shown
        assert not any("in common" in m for m in shown)
        assert 'data-testid="response-status">403' in send(c, team, "Me.Get").content.decode()
        core_security_profile(mp, profile_id="buyer-2-profile", roles=["Shopper", "MeAdmin"], buyer_id="buyer-2")
        page, shown = pick()  # picked again: a new token with the roles newbie holds now
        assert not any("no role" in m for m in shown), shown
        roles = re.search(r'data-testid="ctx-roles">(.*?)</span></div>', page, re.S).group(1)
        assert "MeAdmin" in roles and "Shopper" in roles
        assert 'data-testid="response-status">200' in send(c, team, "Me.Get").content.decode()

    def test_the_api_client_and_webhook_screens_say_they_use_your_own_access(self, team, member, as_user):
        c = as_user(member)
        c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"})
        note = "This screen reads and saves with your own access (mia); impersonating shopper applies to the requests"
        for name in ("apiclients", "webhooks", "apiclient-create", "webhook-create"):
            assert note in c.get(url(team, name)).content.decode(), name
        assert note not in c.get(url(team)).content.decode()
        c.post(url(team, "context-set"), {"mode": "self"})
        assert 'data-testid="own-access-note"' not in c.get(url(team, "apiclients")).content.decode()

    def test_switching_context_stays_on_the_page_it_was_switched_from(self, team, member, as_user):
        c = as_user(member)
        pick = {"client_id": "buyer-client", "username": "shopper"}
        page = f"http://testserver{url(team)}?op=Me.Get"
        assert c.post(url(team, "context-set"), pick, HTTP_REFERER=page)["Location"] == f"{url(team)}?op=Me.Get"
        page = f"http://testserver{url(team, 'webhooks')}"
        assert c.post(url(team, "context-set"), {"mode": "self"}, HTTP_REFERER=page)["Location"] == url(team, "webhooks")
        for elsewhere in ("https://evil.example/console/", f"http://testserver{url(team, 'history-clear')}",
                          "http://testserver/organizations/", ""):
            assert c.post(url(team, "context-set"), pick, HTTP_REFERER=elsewhere)["Location"] == url(team), elsewhere

    def test_each_api_client_in_the_picker_says_whose_users_sign_in_through_it(self, team, member, as_user):
        # QA: a client with assigned buyers (not AllowAnyBuyer) had a blank description, others "sellers"
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        core_models.Buyer.objects.create(marketplace=mp, oc_id="buyer-2", name="Buyer Two", active=True)
        core_models.ApiClientAssignment.objects.create(marketplace=mp, api_client_id="buyer-client", buyer_id="buyer-2")
        core_models.ApiClient.objects.create(marketplace=mp, oc_id="mixed-client", app_name="Mixed", allow_any_buyer=True,
                                             allow_seller=True)
        core_models.ApiClientAssignment.objects.create(marketplace=mp, api_client_id="mixed-client", buyer_id="buyer-1")
        core_models.ApiClientAssignment.objects.create(marketplace=mp, api_client_id="mixed-client", supplier_id="sup-1")
        core_models.ApiClient.objects.create(marketplace=mp, oc_id="new-client", app_name="New app")
        listing = as_user(member).get(url(team, "context-clients")).content.decode()
        audience = dict(re.findall(r'data-client="([^"]+)".*?data-testid="ctx-client-audience">([^<]*)', listing, re.DOTALL))
        assert audience == {
            "admin-client": "sellers",
            "buyer-client": "2 assigned buyers",
            "mixed-client": "sellers, any buyer, 1 assigned supplier",
            "new-client": "no buyer or supplier assigned",
        }

    def test_a_search_that_finds_nothing_says_so(self, team, member, as_user):
        c = as_user(member)
        users = c.get(url(team, "context-users"), {"client_id": "buyer-client", "q": "zzz"}).content.decode()
        assert "No user you may impersonate matches “zzz”." in users  # not "nobody signs in through it"
        assert "No API client matches “zzz”." in c.get(url(team, "context-clients"), {"q": "zzz"}).content.decode()
        # a new client nobody signs in through yet: how to let users in
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        core_models.ApiClient.objects.create(marketplace=mp, oc_id="new-client", app_name="New app")
        users = c.get(url(team, "context-users"), {"client_id": "new-client"}).content.decode()
        assert "No user you may impersonate signs in through this client. A client lets in the users of the buyers " \
               "and suppliers it is assigned to (ApiClients.SaveAssignment)" in users

    def test_seller_impersonator_sees_only_seller_users(self, team, seller_member, as_user):
        users = as_user(seller_member).get(url(team, "context-users"), {"client_id": "admin-client"}).content.decode()
        assert 'data-username="admin"' in users
        users = as_user(seller_member).get(url(team, "context-users"), {"client_id": "buyer-client"}).content.decode()
        assert 'data-username="shopper"' not in users

    def test_without_permission_the_option_is_absent_and_refused(self, team, owner, as_user):
        from console.tests.conftest import add_member
        from tests.factories import UserFactory

        plain = UserFactory(username="pat")
        add_member(team, owner, plain, roles=["FullAccess"])
        c = as_user(plain)
        assert "Impersonate a user" not in c.get(url(team)).content.decode()
        assert c.get(url(team, "context-clients")).status_code == 404
        assert c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"}).status_code == 404

    def impersonating(self, team, member, as_user):
        c = as_user(member)
        c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"})
        assert send(c, team, "Me.Get").status_code == 200
        return c

    def test_losing_the_permission_switches_back_on_the_next_send_with_the_reason(self, team, owner, member, as_user):
        c = self.impersonating(team, member, as_user)
        org_services.contributor_save(actor=owner, organization=team, username="mia", roles=["ProductReader"],
                                      is_admin=False, impersonate_buyer=False)  # fmt: skip
        response = send(c, team, "Me.Get")
        assert response.status_code == 200 and response["HX-Refresh"] == "true"  # the page reloads...
        # the API client named by its AppName, as the context bar and the history name it (QA: its ID)
        reason = "Impersonating shopper via Storefront is no longer possible: You no longer hold a permission to " \
                 "impersonate users in this organization. Switched back to your own access."
        assert reason in response.content.decode()
        page = c.get(url(team)).content.decode()  # ...as the user again, saying why
        assert 'data-testid="ctx-user">you (mia)' in page and reason in page

    def test_a_deleted_api_client_switches_the_page_back(self, team, owner, member, as_user):
        c = self.impersonating(team, member, as_user)
        core_models.ApiClient.objects.filter(oc_id="buyer-client").delete()
        page = c.get(url(team)).content.decode()
        assert 'data-testid="ctx-user">you (mia)' in page
        # a client gone has no AppName left to name it by: its ID
        assert "Impersonating shopper via buyer-client is no longer possible: The API client buyer-client does not " \
               "exist or is inactive. Switched back to your own access." in page

    def test_a_page_loaded_after_the_impersonated_user_is_gone_names_the_client_by_its_app_name(
            self, team, owner, member, as_user):
        c = self.impersonating(team, member, as_user)
        core_models.CoreUser.objects.filter(username="shopper").delete()
        page = c.get(url(team)).content.decode()
        assert 'data-testid="ctx-user">you (mia)' in page
        assert "Impersonating shopper via Storefront is no longer possible: The user shopper does not exist or is " \
               "inactive. Switched back to your own access." in page

    @pytest.mark.parametrize(("change", "reason"), [
        ("deactivate", "The user shopper does not exist or is inactive."),
        ("unassign", "shopper cannot sign in through the API client buyer-client: it is not assigned to their company"),
    ])
    def test_the_reason_an_impersonation_ended_is_named(self, team, owner, member, as_user, change, reason):
        c = self.impersonating(team, member, as_user)
        if change == "deactivate":
            core_models.CoreUser.objects.filter(username="shopper").update(active=False)
        else:
            core_models.ApiClientAssignment.objects.filter(api_client_id="buyer-client").delete()
        page = c.get(url(team)).content.decode()
        assert 'data-testid="ctx-user">you (mia)' in page and reason in page
        # picked again from a stale list: refused with the same reason
        response = c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"})
        assert response.status_code == 404 and reason in response.content.decode()

    def test_a_removed_contributors_send_gets_a_message_not_a_page(self, team, owner, member, as_user):
        c = as_user(member)
        send(c, team, "Me.Get")
        org_services.contributor_remove(actor=owner, organization=team, username="mia")
        response = send(c, team, "Me.Get")
        assert response.status_code == 404 and "<html" not in response.content.decode()
        assert 'data-testid="console-error"' in response.content.decode()

    def test_the_context_bar_roles_follow_the_token_just_used(self, team, owner, member, as_user):
        c = as_user(member)
        send(c, team, "Me.Get")
        org_services.contributor_save(actor=owner, organization=team, username="mia", roles=["BuyerReader"],
                                      is_admin=False)  # fmt: skip
        body = send(c, team, "Products.List").content.decode()
        assert '<span id="ctx-roles" data-testid="ctx-roles" hx-swap-oob="true"><span class="badge">BuyerReader</span>' in body

    def test_user_of_another_org_is_404(self, team, member, as_user):
        response = as_user(member).post(url(team, "context-set"), {"client_id": "buyer-client", "username": "ghost"})
        assert response.status_code == 404


class TestApiClientScreens:
    def test_create_edit_clear_secret_and_integration_event_survive_reload(self, team, owner, as_user):
        c = as_user(owner)
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        core_models.IntegrationEvent.objects.create(marketplace=mp, oc_id="checkout-evt", name="Checkout calc",
                                                    custom_implementation_url="https://example.com/hook", hash_key="k")
        form = {"AppName": "Web app", "Active": "on", "ClientSecret": "s3cret-value",
                "AllowSeller": "on", "AccessTokenDuration": "600", "RefreshTokenDuration": "0",
                "OrderCheckoutIntegrationEventID": "checkout-evt", "MaximumGrantedRoles": "ProductReader, MeAdmin",
                "xp": '{"team": "web"}'}
        response = c.post(url(team, "apiclient-create"), form)
        assert response.status_code == 302, response.content.decode()[:2000]
        client = core_models.ApiClient.objects.get(marketplace=mp, app_name="Web app")
        assert response["Location"] == url(team, "apiclient-edit", client_id=client.oc_id)
        assert client.client_secret == "s3cret-value" and client.refresh_token_duration == 0
        assert client.order_checkout_integration_event_id == "checkout-evt"

        # Reload: the event ID is selected, the secret masked (not page text); then clear it and save.
        page = c.get(url(team, "apiclient-edit", client_id=client.oc_id)).content.decode()
        assert re.search(r'<option value="checkout-evt" selected>', page)
        secret = A11yPage(page).one("input", name="ClientSecret")
        assert (secret.attrs["type"], secret.attrs["value"]) == ("password", "s3cret-value")
        assert "s3cret-value" not in A11yPage(page).main.text
        response = c.post(url(team, "apiclient-edit", client_id=client.oc_id), {**form, "ClientSecret": ""})
        assert response.status_code == 302
        client.refresh_from_db()
        assert client.client_secret == ""
        assert client.order_checkout_integration_event_id == "checkout-evt"
        assert client.maximum_granted_roles == ["ProductReader", "MeAdmin"] and client.xp == {"team": "web"}
        listing = c.get(url(team, "apiclients")).content.decode()
        assert "checkout-evt" in listing

        # A password grant through the real token endpoint no longer needs a secret.
        token = Client().post("/core/sandbox/oauth/token", {
            "grant_type": "password", "client_id": client.oc_id, "username": "admin", "password": "Core-pass-123!"})
        assert token.status_code == 200, token.content

    def test_an_integration_event_deleted_while_the_form_was_open_is_said_to_be_deleted(self, team, owner, as_user):
        c = as_user(owner)
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        for event_id in ("checkout-evt", "other-evt"):
            core_models.IntegrationEvent.objects.create(marketplace=mp, oc_id=event_id, name=event_id,
                                                        custom_implementation_url="https://example.com/hook", hash_key="k")
        form = {"AppName": "Web app", "Active": "on", "AccessTokenDuration": "600",
                "OrderCheckoutIntegrationEventID": "other-evt"}
        assert c.post(url(team, "apiclient-create"), form).status_code == 302
        client = core_models.ApiClient.objects.get(marketplace=mp, app_name="Web app")
        edit = url(team, "apiclient-edit", client_id=client.oc_id)
        assert '<option value="checkout-evt">' in c.get(edit).content.decode()  # the form as it was opened
        core_models.IntegrationEvent.objects.filter(marketplace=mp, oc_id="checkout-evt").delete()  # meanwhile
        response = c.post(edit, {**form, "AppName": "Web app 2", "OrderCheckoutIntegrationEventID": "checkout-evt"})
        body = response.content.decode()
        assert response.status_code == 200  # not saved, and the user sees why
        assert "Select a valid choice" not in body
        assert views_admin.ERR_EVENT_GONE % {"value": "checkout-evt"} in body
        client.refresh_from_db()
        assert (client.app_name, client.order_checkout_integration_event_id) == ("Web app", "other-evt")

    def test_an_assigned_integration_event_deleted_since_is_shown_as_deleted(self, team, owner, as_user):
        # IntegrationEvents.Delete clears the clients' references to it on the built-in API; one stored
        # before that (or left by a remote API) showed as a bare ID as if the event were there
        c = as_user(owner)
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        for event_id, name in (("gone-evt", "Old checkout"), ("kept-evt", "Returns")):
            core_models.IntegrationEvent.objects.create(marketplace=mp, oc_id=event_id, name=name,
                                                        custom_implementation_url="https://example.com/hook", hash_key="k")
        form = {"AppName": "Web app", "Active": "on", "AccessTokenDuration": "600",
                "OrderCheckoutIntegrationEventID": "gone-evt", "OrderReturnIntegrationEventID": "kept-evt"}
        assert c.post(url(team, "apiclient-create"), form).status_code == 302
        client = core_models.ApiClient.objects.get(marketplace=mp, app_name="Web app")
        assert send(c, team, "IntegrationEvents.Delete", **{"path.integrationEventID": "gone-evt"}).status_code == 200
        client.refresh_from_db()
        assert (client.order_checkout_integration_event_id or "") == ""  # cleared with the event
        core_models.ApiClient.objects.filter(pk=client.pk).update(order_checkout_integration_event_id="gone-evt")
        row = A11yPage(c.get(url(team, "apiclients")).content.decode()).one("tr", **{"data-client": client.oc_id})
        assert "gone-evt (deleted)" in " ".join(row.text.split())
        edit = url(team, "apiclient-edit", client_id=client.oc_id)
        page = c.get(edit).content.decode()
        assert re.search(r'<option value="gone-evt" selected>gone-evt \(deleted\)</option>', page)
        assert re.search(r'<option value="kept-evt" selected>Returns \(kept-evt\)</option>', page)
        # saved as it is, it stays (nothing the user did not touch changes); (none) removes it
        assert c.post(edit, {**form, "AppName": "Web app 2"}).status_code == 302
        client.refresh_from_db()
        assert (client.app_name, client.order_checkout_integration_event_id) == ("Web app 2", "gone-evt")

    def test_api_errors_are_shown_next_to_their_field(self, team, owner, as_user):
        response = as_user(owner).post(url(team, "apiclient-create"), {"AppName": "Bad", "Active": "on", "AccessTokenDuration": "600", "MaximumGrantedRoles": "NoSuchRole"})
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["MaximumGrantedRoles"] == ["'NoSuchRole' is not an ApiRole."]
        assert response.context["api_errors"] == []  # not repeated at the top
        xp = as_user(owner).post(url(team, "apiclient-create"), {"AppName": "Bad", "Active": "on", "AccessTokenDuration": "600", "xp": "{nope"})
        assert xp.context["form"].errors["xp"][0].startswith("Not valid JSON: ")

    def test_delete(self, team, owner, as_user):
        c = as_user(owner)
        assert c.post(url(team, "apiclient-delete", client_id="admin-client")).status_code == 302
        assert not core_models.ApiClient.objects.filter(oc_id="admin-client", marketplace__marketplace_id="acme-sbx").exists()

    def test_reader_without_api_client_roles_sees_the_api_refusal(self, team, member, as_user):
        body = as_user(member).get(url(team, "apiclients")).content.decode()
        assert "InsufficientRoles" in body


class TestApiClientSecretScreens:
    def token(self, secret: str | None):
        form = {"grant_type": "password", "client_id": "admin-client", "username": "admin", "password": "Core-pass-123!"}
        return Client().post("/core/sandbox/oauth/token", {**form, **({"client_secret": secret} if secret else {})})

    def test_create_shows_the_value_once_and_it_signs_in_until_deleted(self, team, owner, as_user):
        c = as_user(owner)
        edit = url(team, "apiclient-edit", client_id="admin-client")
        assert 'data-testid="secret-form"' in c.get(edit).content.decode()
        assert self.token(None).status_code == 200  # no secret yet

        response = c.post(url(team, "apiclient-secret-create", client_id="admin-client"),
                          {"Name": "CI pipeline", "Expiration": "2099-01-31T12:00"})
        assert response.status_code == 201, response.content.decode()[:2000]
        assert response["Cache-Control"] == "no-store"
        value = re.search(r'data-testid="new-secret-value">([^<]+)<', response.content.decode()).group(1)
        row = core_models.ApiClientSecret.objects.get(name="CI pipeline")
        assert row.expiration.isoformat() == "2099-01-31T12:00:00+00:00"

        # Reload: listed with its expiry, the value is gone; the client now needs a secret.
        page = c.get(edit).content.decode()
        assert "CI pipeline" in page and "31 Jan 2099 12:00 UTC" in page
        assert value not in page and 'data-testid="new-secret"' not in page
        assert self.token(None).status_code == 400
        assert self.token(value).status_code == 200

        # Rotation: a second secret, then the first one deleted.
        second = c.post(url(team, "apiclient-secret-create", client_id="admin-client"), {"Name": "CI 2027"})
        newer = re.search(r'data-testid="new-secret-value">([^<]+)<', second.content.decode()).group(1)
        response = c.post(url(team, "apiclient-secret-delete", client_id="admin-client", secret_id=row.oc_id))
        assert response.status_code == 302 and response["Location"] == edit
        assert self.token(value).status_code == 400
        assert self.token(newer).status_code == 200
        assert "CI pipeline" not in c.get(edit).content.decode()

    def test_with_htmx_only_the_secrets_section_comes_back(self, team, owner, as_user):
        response = as_user(owner).post(url(team, "apiclient-secret-create", client_id="admin-client"),
                                       {"Name": "From htmx"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 201
        assert body.lstrip().startswith('<section class="card table-card secrets" data-testid="api-client-secrets"')
        assert 'data-testid="api-client-form"' not in body and 'data-testid="new-secret-value"' in body
        missing = as_user(owner).post(url(team, "apiclient-secret-create", client_id="ghost"), {"Name": "x"},
                                      HTTP_HX_REQUEST="true")
        assert missing.status_code == 404 and "NotFound: ApiClient ghost not found" in missing.content.decode()

    def test_bad_input_is_a_form_error_and_creates_nothing(self, team, owner, as_user):
        c = as_user(owner)
        create = url(team, "apiclient-secret-create", client_id="admin-client")
        past = c.post(create, {"Name": "Old", "Expiration": "2001-01-01T00:00"}).content.decode()
        assert "Choose a time in the future" in past
        nameless = c.post(create, {"Name": "", "Expiration": ""}).content.decode()
        assert "This field is required." in nameless
        assert not core_models.ApiClientSecret.objects.exists()

    def test_the_list_shows_a_client_with_rotation_secrets_needs_one(self, team, owner, as_user):
        c = as_user(owner)
        for name in ("one", "two"):
            c.post(url(team, "apiclient-secret-create", client_id="admin-client"), {"Name": name})
        listing = c.get(url(team, "apiclients")).content.decode()
        cells = dict(re.findall(r'<tr data-client="([^"]+)">.*?data-testid="client-secret">(.*?)</td>', listing, re.S))
        assert "2 secrets" in cells["admin-client"] and "none" not in cells["admin-client"]  # was "none"
        assert "none" in cells["buyer-client"]

    def test_the_client_secret_help_does_not_promise_grants_without_a_secret(self, team, owner, as_user):
        from console.views_admin import ApiClientForm

        c = as_user(owner)
        c.post(url(team, "apiclient-secret-create", client_id="admin-client"), {"Name": "rotation"})
        page = c.get(url(team, "apiclient-edit", client_id="admin-client")).content.decode()
        # the client has a secret now: a grant without one is refused, whatever the Client secret field says
        assert ApiClientForm.base_fields["ClientSecret"].help_text in page
        assert "unless it has one of the secrets listed under Secrets" in page
        assert "every OAuth grant of this client then works without one" not in page

    def test_the_eleventh_secret_is_refused_with_the_apis_message(self, team, owner, as_user):
        c = as_user(owner)
        create = url(team, "apiclient-secret-create", client_id="admin-client")
        for i in range(10):
            assert c.post(create, {"Name": f"s{i}"}).status_code == 201
        page = c.get(url(team, "apiclient-edit", client_id="admin-client")).content.decode()
        assert 'data-testid="secret-form"' not in page  # the form is gone at the limit
        refused = c.post(create, {"Name": "eleventh"})
        assert refused.status_code == 200 and "at most 10 secrets" in refused.content.decode()
        assert core_models.ApiClientSecret.objects.count() == 10

    def test_another_organizations_client_is_not_found(self, team, outsider, owner, as_user):
        assert as_user(outsider).post(url(team, "apiclient-secret-create", client_id="admin-client"),
                                      {"Name": "x"}).status_code == 404
        assert as_user(owner).post(url(team, "apiclient-secret-create", client_id="ghost"),
                                   {"Name": "x"}).status_code == 404
        assert not core_models.ApiClientSecret.objects.exists()

    def test_a_contributor_without_api_client_admin_sees_the_api_refusal(self, team, member, as_user):
        response = as_user(member).post(url(team, "apiclient-secret-create", client_id="admin-client"), {"Name": "x"})
        assert "InsufficientRoles" in response.content.decode()
        assert not core_models.ApiClientSecret.objects.exists()


class TestWebhookScreens:
    def test_api_client_assignment_is_saved_through_the_form(self, team, owner, as_user):
        response = as_user(owner).post(url(team, "webhook-create"), {
            "ID": "hook-1", "Name": "Product hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products",
            "ApiClientIDs": ["admin-client", "buyer-client"], "ConfigData": "{}"})
        assert response.status_code == 302
        assert core_models.Webhook.objects.get(oc_id="hook-1").api_client_ids == ["admin-client", "buyer-client"]

    def test_webhook_form_always_offers_the_current_api_clients(self, team, owner, as_user):
        c = as_user(owner)
        response = c.post(url(team, "webhook-create"), {
            "ID": "hook-1", "Name": "Product hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products",
            "ConfigData": "{}"})
        assert response.status_code == 302, response.content.decode()[:3000]
        edit = url(team, "webhook-edit", webhook_id="hook-1")
        assert "Storefront" in c.get(edit).content.decode()
        # Create a client: the webhook form offers it at once (no cache).
        c.post(url(team, "apiclient-create"), {"AppName": "Brand new", "Active": "on", "AccessTokenDuration": "600"})
        assert "Brand new" in c.get(edit).content.decode()
        # Rename a client: the form shows the new name.
        c.post(url(team, "apiclient-edit", client_id="buyer-client"), {"AppName": "Shop front", "Active": "on", "AccessTokenDuration": "600"})
        page = c.get(edit).content.decode()
        assert "Shop front" in page and "Storefront" not in page
        # Delete a client: it is no longer offered.
        c.post(url(team, "apiclient-delete", client_id="admin-client"))
        assert 'value="admin-client"' not in c.get(edit).content.decode()

    def test_webhook_list_shows_the_current_names_of_assigned_clients(self, team, owner, as_user):
        c = as_user(owner)
        c.post(url(team, "webhook-create"), {
            "ID": "hook-1", "Name": "Product hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products",
            "ApiClientIDs": ["admin-client", "buyer-client"], "ConfigData": "{}"})
        listing = c.get(url(team, "webhooks")).content.decode()
        assert "Admin app" in listing and "Storefront" in listing
        c.post(url(team, "apiclient-edit", client_id="buyer-client"), {"AppName": "Shop front", "Active": "on", "AccessTokenDuration": "600"})
        c.post(url(team, "apiclient-delete", client_id="admin-client"))
        listing = c.get(url(team, "webhooks")).content.decode()
        assert "Shop front" in listing and "Storefront" not in listing and "Admin app" not in listing

    def test_a_client_deleted_while_the_form_was_open_is_said_to_be_deleted(self, team, owner, as_user):
        c = as_user(owner)
        c.post(url(team, "webhook-create"), {"ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook",
                                             "WebhookRoutes": "POST v1/products"})
        edit = url(team, "webhook-edit", webhook_id="hook-1")
        assert 'value="admin-client"' in c.get(edit).content.decode()  # the form as it was opened
        c.post(url(team, "apiclient-delete", client_id="admin-client"))  # meanwhile, in another tab
        response = c.post(edit, {"Name": "Hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products",
                                 "ApiClientIDs": ["admin-client", "buyer-client"]})
        body = response.content.decode()
        assert response.status_code == 200  # not saved: the user sees why, not Django's "Select a valid choice"
        assert "Select a valid choice" not in body
        assert views_admin.ERR_CLIENT_GONE % {"value": "admin-client"} in body
        assert re.search(r'name="ApiClientIDs" value="buyer-client"[^>]* checked', body)  # the rest as they were
        assert core_models.Webhook.objects.get(oc_id="hook-1").api_client_ids == []

    def test_a_client_beyond_the_apis_first_page_stays_assigned(self, team, owner, as_user):
        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        core_models.ApiClient.objects.bulk_create(
            core_models.ApiClient(marketplace=mp, oc_id=f"bulk-{i:03d}", app_name=f"Bulk {i:03d}") for i in range(100))
        core_models.ApiClient.objects.create(marketplace=mp, oc_id="zz-last", app_name="Zz last")  # the 103rd by AppName
        c = as_user(owner)
        c.post(url(team, "webhook-create"), {"ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook",
                                             "WebhookRoutes": "POST v1/products", "ApiClientIDs": ["zz-last"]})
        assert core_models.Webhook.objects.get(oc_id="hook-1").api_client_ids == ["zz-last"]
        listing = c.get(url(team, "webhooks")).content.decode()
        assert "Zz last" in listing
        edit = c.get(url(team, "webhook-edit", webhook_id="hook-1")).content.decode()
        assert "no longer exist" not in edit
        assert re.search(r'<input type="checkbox" name="ApiClientIDs" value="zz-last"[^>]* checked', edit)
        assert 'data-client="zz-last"' in c.get(url(team, "apiclients")).content.decode()
        # saved unchanged: still assigned (it was "missing" and dropped)
        c.post(url(team, "webhook-edit", webhook_id="hook-1"), {
            "Name": "Hook renamed", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products",
            "ApiClientIDs": ["zz-last"]})
        hook = core_models.Webhook.objects.get(oc_id="hook-1")
        assert (hook.name, hook.api_client_ids) == ("Hook renamed", ["zz-last"])

    def test_a_webhook_admin_who_cannot_list_api_clients_keeps_the_assignments(self, team, owner, member, as_user):
        as_user(owner).post(url(team, "webhook-create"), {
            "ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products",
            "ApiClientIDs": ["admin-client", "buyer-client"]})
        org_services.contributor_save(actor=owner, organization=team, username=member.username, roles=["WebhookAdmin"],
                                      is_admin=False)  # fmt: skip
        c = as_user(member)
        listing = c.get(url(team, "webhooks")).content.decode()
        clients = re.search(r'data-testid="webhook-clients">(.*?)</td>', listing, re.S).group(1)
        assert "admin-client" in clients and "buyer-client" in clients and "(deleted)" not in clients
        edit = c.get(url(team, "webhook-edit", webhook_id="hook-1")).content.decode()
        assert "no longer exist" not in edit and "ApiClientReader" in edit  # why they are shown by ID
        assert re.search(r'name="ApiClientIDs" value="buyer-client"[^>]* checked', edit)
        # the URL corrected and saved: still fired for both clients
        c.post(url(team, "webhook-edit", webhook_id="hook-1"), {
            "Name": "Hook", "Url": "https://example.com/hook-v2", "WebhookRoutes": "POST v1/products",
            "ApiClientIDs": ["admin-client", "buyer-client"]})
        hook = core_models.Webhook.objects.get(oc_id="hook-1")
        assert (hook.url, hook.api_client_ids) == ("https://example.com/hook-v2", ["admin-client", "buyer-client"])

    def test_the_hash_key_is_masked_and_kept_when_the_form_is_saved_untouched(self, team, owner, as_user):
        c = as_user(owner)
        c.post(url(team, "webhook-create"), {"ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook",
                                             "HashKey": HASH_KEY, "WebhookRoutes": "POST v1/products"})
        edit = url(team, "webhook-edit", webhook_id="hook-1")
        page = A11yPage(c.get(edit).content.decode())
        key = page.one("input", name="HashKey")
        # masked (a password input the browser never fills with the user's own password), not page text
        assert key.attrs["type"] == "password" and key.attrs["autocomplete"] == "new-password"
        assert HASH_KEY not in page.main.text and page.label_text(key.attrs["id"]) == "Hash key"
        # saved as the browser sends the form, the hash key untouched: it is kept
        sent = form_as_sent(page.one("form", **{"data-testid": "webhook-form"}))
        assert c.post(edit, {**sent, "Name": "Hook renamed"}).status_code == 302
        hook = core_models.Webhook.objects.get(oc_id="hook-1")
        assert (hook.name, hook.hash_key) == ("Hook renamed", HASH_KEY)
        # a new one typed replaces it; emptied, the webhook has none
        c.post(edit, {**sent, "HashKey": "typed-anew"})
        assert core_models.Webhook.objects.get(oc_id="hook-1").hash_key == "typed-anew"
        c.post(edit, {**sent, "HashKey": ""})
        assert core_models.Webhook.objects.get(oc_id="hook-1").hash_key == ""

    def test_the_custom_auth_header_value_is_masked_and_kept_when_the_form_is_saved_untouched(self, team, owner,
                                                                                               as_user):
        c = as_user(owner)
        c.post(url(team, "webhook-create"), {"ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook",
                                             "CustomAuthHeaderName": "X-Api-Key", "CustomAuthHeaderValue": "k-123456",
                                             "WebhookRoutes": "POST v1/products"})
        edit = url(team, "webhook-edit", webhook_id="hook-1")
        page = A11yPage(c.get(edit).content.decode())
        value = page.one("input", name="CustomAuthHeaderValue")
        assert value.attrs["type"] == "password" and "k-123456" not in page.main.text
        sent = form_as_sent(page.one("form", **{"data-testid": "webhook-form"}))
        assert c.post(edit, {**sent, "Name": "Hook renamed"}).status_code == 302
        hook = core_models.Webhook.objects.get(oc_id="hook-1")
        assert (hook.name, hook.custom_auth_header_value) == ("Hook renamed", "k-123456")

    def test_a_webhook_url_must_be_http_or_https(self, team, owner, as_user):
        response = as_user(owner).post(url(team, "webhook-create"), {
            "Name": "x", "Url": "ftp://example.com/x", "WebhookRoutes": "POST v1/products", "ConfigData": "{}"})
        assert response.status_code == 200 and "Enter a valid URL." in response.content.decode()
        assert 'value="ftp://example.com/x"' in response.content.decode()  # kept to be corrected

    def test_an_integer_too_long_for_python_is_a_form_error_not_a_500(self, team, owner, as_user):
        c = as_user(owner)
        response = c.post(url(team, "webhook-create"), {"Name": "x", "Url": "https://example.com/h",
                                                        "WebhookRoutes": "POST v1/products",
                                                        "ConfigData": '{"n": ' + "9" * 5000 + "}"})  # fmt: skip
        assert response.status_code == 200 and "A number in the body has too many digits." in response.content.decode()
        response = c.post(url(team, "apiclient-create"), {"AppName": "x", "Active": "on", "AccessTokenDuration": "600",
                                                          "xp": '{"n": ' + "9" * 5000 + "}"})  # fmt: skip
        assert response.status_code == 200 and "A number in the body has too many digits." in response.content.decode()
        assert not core_models.Webhook.objects.exists()

    def test_bad_route_is_a_form_error(self, team, owner, as_user):
        response = as_user(owner).post(url(team, "webhook-create"), {
            "Name": "x", "Url": "https://example.com", "WebhookRoutes": "FETCH something else"})
        assert response.status_code == 200 and "One route per line" in response.content.decode()


def test_a_webhook_is_deleted_from_the_list(team, owner, member, as_user):
    c = as_user(owner)
    c.post(url(team, "webhook-create"), {"ID": "hook-1", "Name": "Product hook", "Url": "https://example.com/hook",
                                         "WebhookRoutes": "POST v1/products", "ConfigData": "{}"})  # fmt: skip
    listing = c.get(url(team, "webhooks")).content.decode()
    assert url(team, "webhook-delete", webhook_id="hook-1") in listing
    assert c.get(url(team, "webhook-delete", webhook_id="hook-1")).status_code == 405  # a form button, never a link
    refused = as_user(member).post(url(team, "webhook-delete", webhook_id="hook-1"), follow=True)
    assert "InsufficientRoles" in refused.content.decode()  # the API's answer to the member's token
    assert core_models.Webhook.objects.filter(oc_id="hook-1").exists()
    page = c.post(url(team, "webhook-delete", webhook_id="hook-1"), follow=True)
    assert "Webhook hook-1 deleted." in page.content.decode()
    assert not core_models.Webhook.objects.filter(oc_id="hook-1").exists()


class TestWebhookDeliveries:
    """The webhook screen's delivery log (built-in API): every attempt and pre-hook call, never the token."""

    @pytest.fixture
    def receiver(self):
        with Receiver() as r:
            yield r

    def make_hook(self, c, team, receiver, **extra):
        response = c.post(url(team, "webhook-create"), {
            "ID": "hook-1", "Name": "Product hook", "Url": receiver.url, "WebhookRoutes": "POST v1/products",
            "HashKey": HASH_KEY, "ApiClientIDs": ["admin-client"], "ConfigData": "{}", **extra})
        assert response.status_code == 302, response.content.decode()[:2000]

    def write_product(self, team, product_id):
        from coreapi.testing import CoreWorld

        mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
        world = CoreWorld(marketplace=mp, client_id="admin-client", admin_username="admin")
        token = world.admin_token()
        return token, world.call("post", "/v1/products", token, {"ID": product_id, "Name": product_id})

    def test_deliveries_show_each_attempt_with_its_result_and_never_the_user_token(
        self, team, owner, as_user, receiver, django_capture_on_commit_callbacks
    ):
        c = as_user(owner)
        self.make_hook(c, team, receiver)
        receiver.statuses = [503, 200]
        with django_capture_on_commit_callbacks(execute=True):
            token, response = self.write_product(team, "delivered-1")
        assert response.status_code == 201

        page = c.get(url(team, "webhook-edit", webhook_id="hook-1")).content.decode()
        log = page[page.index('data-testid="webhook-deliveries"'):]
        assert log.count("data-delivery") == 2  # the 503 and its retry
        assert "503" in log and "HTTP 503" in log and "200" in log
        assert "delivered-1" in log  # the payload
        assert token not in page and "(redacted)" in log
        # times read as on the portal's other pages ("5 Dec 2026 05:22:43"), not 2026-12-05
        assert re.search(r'<time datetime="[^"]+">\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}</time>', log)

    def test_a_blocking_pre_hook_call_is_shown_as_such(self, team, owner, as_user, receiver):
        c = as_user(owner)
        self.make_hook(c, team, receiver, BeforeProcessRequest="on")
        receiver.answers = [b'{"proceed": false, "body": "no"}']
        _, response = self.write_product(team, "refused-1")
        assert response.status_code == 400

        log = c.get(url(team, "webhook-edit", webhook_id="hook-1")).content.decode()
        log = log[log.index('data-testid="webhook-deliveries"'):]
        assert "pre-hook" in log and "blocked" in log and "proceed: false" in log

    def test_a_context_that_cannot_read_webhooks_sees_no_log(self, team, owner, member, as_user, receiver):
        self.make_hook(as_user(owner), team, receiver)
        response = as_user(member).get(url(team, "webhook-edit", webhook_id="hook-1"))
        page = response.content.decode()
        assert response.status_code == 403 and "InsufficientRoles" in page
        assert 'data-testid="webhook-deliveries"' not in page
        assert "/ hook-1</p>" in page and "/ new</p>" not in page  # the page is about that webhook

    def test_without_the_roles_the_lists_say_so_once_and_claim_no_emptiness(self, team, member, as_user):
        c = as_user(member)  # ProductReader only
        clients = c.get(url(team, "apiclients")).content.decode()
        assert "InsufficientRoles" in clients and "No API clients yet" not in clients
        assert "The API did not list them (see above)." in clients
        hooks = c.get(url(team, "webhooks")).content.decode()
        errors = hooks[hooks.index('data-testid="api-errors"'):hooks.index("</ul>", hooks.index('data-testid="api-errors"'))]
        assert errors.count("<li>") == 1 and "No webhooks yet" not in hooks
        response = c.get(url(team, "apiclient-edit", client_id="buyer-client"))
        assert response.status_code == 403 and "/ buyer-client</p>" in response.content.decode()
        refused = c.post(url(team, "webhook-create"), {"Name": "x", "Url": "https://example.com/h",
                                                        "WebhookRoutes": "POST v1/products", "ConfigData": "{}"}).content.decode()  # fmt: skip
        shown = refused[refused.index('data-testid="api-errors"'):]
        shown = shown[:shown.index("</ul>")]
        assert shown.count("<li>") == len(set(re.findall(r"<li>(.*?)</li>", shown))) >= 1  # no message twice

    def test_a_new_webhook_has_no_log_section(self, team, owner, as_user):
        page = as_user(owner).get(url(team, "webhook-create")).content.decode()
        assert 'data-testid="webhook-deliveries"' not in page
