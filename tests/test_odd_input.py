"""Odd input on every HTML page and htmx endpoint (the JSON APIs under /api/ and /core/ are fuzzed by
schemathesis): missing, empty and whitespace-only fields, 10,000 characters, NUL, lone surrogates,
emoji, right-to-left text, negative, huge and fractional numbers, unknown choices, repeated
fields, bodies that are not UTF-8, garbage query parameters and odd Ids in addresses, sent by the
owner, a contributor with few permissions, an outsider, staff and anonymous visitors.

Every answer must be below 500 (the test client re-raises a view's exception), an outsider never
learns another organization exists (404, not 403), nothing unstorable is kept (scanned after each
case), and a refused form shows what was typed. Each request runs in a savepoint, so on
PostgreSQL one failure does not hide the next; each case lists all its failures.
"""

from __future__ import annotations

import traceback

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client
from django.urls import reverse

from coreapi import models as core_models
from coreapi.testing import core_security_profile, core_user
from organizations import services as org_services
from organizations.models import Environment, Organization, ProductionRequest, ProductionRequestStatus
from tests.factories import UserFactory

LONG = "x" * 10_000
# one value of each kind; a lone surrogate cannot be encoded as UTF-8 by the test client, so it is
# sent as raw bytes (NON_UTF8_BODIES)
ODD = {
    "missing": None,
    "empty": "",
    "spaces": "   ",
    "long": LONG,
    "nul": "a\x00b",
    "emoji": "😀 🎉",
    "rtl": "\u202eabc \u05d0\u05d1\u05d2",
    "negative": "-1",
    "huge": str(10**30),
    "float": "1.5",
    "html": "<script>x</script>",
    "dots": "../..",
    "repeated": ["a", "b"],
}
FEW = ("missing", "empty", "long", "nul", "repeated")  # for actors who are refused before any validation
# the console's API client and webhook screens call the core API a few times per page: fewer values
SLOW = ("missing", "spaces", "long", "nul", "emoji", "huge", "float", "repeated")
QUERY_VALUES = {
    "negative": "-1", "abc": "abc", "huge": str(10**20), "float": "1.5", "empty": "", "spaces": "  ",
    "search": "y" * 5000, "nul": "a\x00b", "emoji": "😀", "rtl": "\u202eabc", "repeated": ["1", "2"],
}
NON_UTF8_BODIES = [b"name=\xff\xfe&username=\xff&oc_id=%ff%fe&op=%ff&url=%ed%a0%80", b"%ed%a0%80=%ed%a0%80&\xc3=\xc3"]
ODD_IDS = ["x" * 1000, "ünïcödé", "a.b", "a%2Fb", "%2e%2e", "%00", "😀", "%ff"]
ODD_INTS = ["-1", str(2**63), str(10**30)]


# --- the world --------------------------------------------------------------------------------------
@pytest.fixture
def world(db):
    """owner (olivia) owns acme-sbx (Sandbox, with core data to impersonate), Production "acme" and
    its Staging twin; member (mia): ProductReader only, in acme-sbx; outsider (oscar) owns other-org;
    staff (stan); one pending production request, one console history entry of the owner."""
    owner = UserFactory(username="olivia", name="Olivia Owner")
    member = UserFactory(username="mia", name="Mia Member")
    outsider = UserFactory(username="oscar", name="Oscar Outsider")
    staff = UserFactory(username="stan", name="Stan Staff", is_staff=True)
    org = org_services.organization_create(actor=owner, oc_id="acme-sbx", name="Acme", region="usw")
    mp = core_models.Marketplace.objects.get(environment="sandbox", marketplace_id="acme-sbx")
    core_models.Buyer.objects.create(marketplace=mp, oc_id="buyer-1", name="Buyer One", active=True)
    core_models.ApiClient.objects.create(marketplace=mp, oc_id="buyer-client", app_name="Storefront",
                                         refresh_token_duration=60)
    core_models.ApiClientAssignment.objects.create(marketplace=mp, api_client_id="buyer-client", buyer_id="buyer-1")
    core_security_profile(mp, profile_id="buyer-profile", roles=["Shopper", "MeAdmin"], buyer_id="buyer-1")
    core_user(mp, kind=core_models.UserKind.BUYER, company_id="buyer-1", user_id="buyer-user", username="shopper")
    org_services.contributor_save(actor=owner, organization=org, username="mia", roles=["ProductReader"], is_admin=False)
    org_services.invitation_accept(actor=member, organization=org)
    prod = org_services._org_create(actor=owner, oc_id="acme", name="Acme Live", region="usw",
                                    environment=Environment.PRODUCTION)
    org_services.staging_twin_create(actor=owner, production_org=prod)
    org_services.organization_create(actor=outsider, oc_id="other-org", name="Other", region="usw")
    request = org_services.production_request_create(actor=member, oc_id="mia-live", name="Mia Live", region="usw",
                                                     reason="Launch")
    users = {"owner": owner, "member": member, "outsider": outsider, "staff": staff, "anonymous": None}
    fuzz = Fuzz(users)
    fuzz.clients["owner"].post(o("console:send"), {"op": "Products.List"}, HTTP_HX_REQUEST="true")
    return {"users": users, "fuzz": fuzz, "org": org, "request": request}


class Fuzz:
    """Test clients per actor; `send` records a failure (a 500 or an exception, with its
    traceback) instead of stopping at the first."""

    def __init__(self, users):
        self.users = users
        self.clients = {}
        for who, user in users.items():
            self.clients[who] = Client()
            if user is not None:
                self.clients[who].force_login(user)
        self.failures: list[str] = []

    def send(self, who, method, path, data=None, *, raw: bytes | None = None, **headers):
        client = self.clients[who]
        if self.users[who] is not None and "_auth_user_id" not in client.session:
            client.force_login(self.users[who])  # a case may sign the actor out (a new password, a logout)
        label = f"{who} {method.upper()} {path[:120]!r} {_short(raw if raw is not None else data)}"
        savepoint = transaction.savepoint()
        try:
            if raw is not None:
                response = client.post(path, raw, content_type="application/x-www-form-urlencoded", **headers)
            elif method == "get":
                response = client.get(path, data or {}, **headers)
            else:
                response = getattr(client, method)(path, data or {}, **headers)
        except Exception:  # noqa: BLE001 - the view raised: what a visitor would see as a 500
            transaction.savepoint_rollback(savepoint)
            self.failures.append(f"{label}: {traceback.format_exc(limit=-4)}")
            return None
        transaction.savepoint_commit(savepoint)
        if response.status_code >= 500:
            self.failures.append(f"{label}: answered {response.status_code}")
        return response

    def check(self):
        assert not self.failures, f"{len(self.failures)} failures:\n" + "\n".join(self.failures[:20])


def _short(value) -> str:
    text = repr(value)
    return text if len(text) < 160 else text[:150] + f"...({len(text)} chars)"


def o(name, org="sandbox/acme-sbx", **kwargs):
    env, oc_id = org.split("/")
    return reverse(name, kwargs={"env": env, "oc_id": oc_id, **kwargs})


def stored_text_problems() -> list[str]:
    """Text the portal kept that it should not have: a NUL (PostgreSQL refuses it; SQLite keeps it)
    or more characters than the column holds (SQLite does not enforce max_length)."""
    problems = []
    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "organizations", "console", "account", "socialaccount"):
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField | models.JSONField)]
        for row in model.objects.values_list("pk", *[f.attname for f in fields]):
            for field, value in zip(fields, row[1:], strict=True):
                text = value if isinstance(value, str) else repr(value)
                if "\x00" in text or "\\x00" in text:
                    problems.append(f"{model.__name__}.{field.name} of {row[0]} holds a NUL: {_short(value)}")
                if isinstance(value, str) and field.max_length and len(value) > field.max_length:
                    problems.append(f"{model.__name__}.{field.name} of {row[0]} is {len(value)} characters long")
    return problems


# --- forms: every field of every form, one odd value at a time ----------------------------------
def F(case_id, path, base, fields, who=("owner",), odd=tuple(ODD), **headers):  # noqa: N802
    return pytest.param(path, base, fields, who, odd, headers, id=case_id)


FORMS = [
    F("org-create", lambda w: reverse("organizations:create"), {"oc_id": "new-one", "name": "New", "region": "usw"},
      ["oc_id", "name", "region"], who=("owner", "anonymous")),
    F("production-request", lambda w: reverse("organizations:production"),
      {"oc_id": "prod-x", "name": "Prod", "region": "usw", "reason": "Launch"}, ["oc_id", "name", "region", "reason"]),
    F("production-decide", lambda w: reverse("organizations:production-decide", kwargs={"pk": w["request"].pk}),
      {"decision": "reject", "message": "Not yet"}, ["decision", "message"], who=("staff", "owner")),
    F("rename", lambda w: o("organizations:settings"), {"name": "Renamed"}, ["name"], who=("owner", "member", "outsider")),
    F("invite", lambda w: o("organizations:contributor-save"), {"username": "oscar", "roles": "ProductReader"},
      ["username", "q", "roles", "is_admin", "impersonate_buyer"], who=("owner", "member", "outsider")),
    F("contributor-edit", lambda w: o("organizations:contributor-edit", username="mia"), {"roles": "ProductReader"},
      ["roles", "is_admin", "username", "impersonate_seller"], who=("owner", "member")),
    F("contributor-remove", lambda w: o("organizations:contributor-remove", username="nobody"), {}, ["username"],
      who=("owner", "member")),
    F("code-send", lambda w: o("organizations:code-send", action="transfer"), {"new_owner": "mia"}, ["new_owner"],
      who=("owner", "member")),
    F("transfer", lambda w: o("organizations:transfer"), {"new_owner": "mia", "code": "123456"}, ["new_owner", "code"],
      who=("owner", "member")),
    F("delete", lambda w: o("organizations:delete"), {"code": "123456"}, ["code"], who=("owner", "member")),
    F("restore-webhook", lambda w: o("organizations:restore-webhook", org="staging/acme"),
      {"url": "https://example.com/hook", "hash_key": "k", "action": "save"}, ["url", "hash_key", "action"]),
    F("restore-start", lambda w: o("organizations:staging-restore", org="staging/acme"), {}, ["confirm"],
      who=("member", "outsider"), odd=FEW),
    F("profile", lambda w: reverse("accounts:profile"), {"name": "Olivia", "username": "olivia"}, ["name", "username"]),
    F("username-choose", lambda w: reverse("accounts:username-choose"), {"username": "newname"}, ["username", "next"]),
    F("context-set", lambda w: o("console:context-set"), {"client_id": "buyer-client", "username": "shopper"},
      ["mode", "client_id", "username"], who=("owner", "member", "outsider")),
    F("send-list", lambda w: o("console:send"), {"op": "Products.List"},
      ["op", "live", "page", "pageSize", "search", "sortBy", "sortDir", "f.field", "f.op", "f.value"],
      who=("owner", "member"), HTTP_HX_REQUEST="true"),
    F("send-write", lambda w: o("console:send"), {"op": "Products.Save", "path.productID": "p1", "body_json": "{}"},
      ["path.productID", "body_json", "body.Name", "body.QuantityMultiplier", "body.Active", "body.ShipWeight"],
      HTTP_HX_REQUEST="true"),
    F("api-client", lambda w: o("console:apiclient-create"), {"AppName": "App", "AccessTokenDuration": "600", "Active": "on"},
      ["AppName", "AccessTokenDuration", "RefreshTokenDuration", "ClientSecret", "OrderCheckoutIntegrationEventID",
       "MinimumRequiredRoles", "xp"], who=("owner", "member"), odd=SLOW),
    F("api-client-secret", lambda w: o("console:apiclient-secret-create", client_id="buyer-client"),
      {"Name": "ci"}, ["Name", "Expiration"], odd=SLOW),
    F("webhook", lambda w: o("console:webhook-create"),
      {"Name": "Hook", "Url": "https://example.com/w", "WebhookRoutes": "POST v1/products"},
      ["ID", "Name", "Url", "WebhookRoutes", "ConfigData", "ApiClientIDs", "HashKey"], who=("owner", "member"),
      odd=SLOW),
    F("sign-in", lambda w: reverse("account_login"), {"login": "olivia", "password": "wrong"}, ["login", "password"],
      who=("anonymous",)),
    F("sign-up", lambda w: reverse("account_signup"),
      {"username": "zed", "email": "zed@example.com", "password1": "correct-horse-9", "password2": "correct-horse-9"},
      ["username", "email", "password1", "password2"], who=("anonymous",)),
    F("password-reset", lambda w: reverse("account_reset_password"), {"email": "olivia@example.com"}, ["email"],
      who=("anonymous",)),
    F("email-add", lambda w: reverse("account_email"), {"email": "new@example.com", "action_add": ""},
      ["email", "action_send", "action_remove", "action_primary"]),
    F("password-change", lambda w: reverse("account_change_password"),
      {"oldpassword": "wrong", "password1": "n3w-Horse-battery", "password2": "n3w-Horse-battery"},
      ["oldpassword", "password1", "password2"]),
    F("social-disconnect", lambda w: reverse("socialaccount_connections"), {"account": "1"}, ["account"]),
]


@pytest.mark.parametrize(("path", "base", "fields", "whos", "odd", "headers"), FORMS)
def test_forms_take_odd_input_without_a_500_or_unstorable_data(world, path, base, fields, whos, odd, headers):
    fuzz, url = world["fuzz"], path(world)
    for who in whos:
        fuzz.send(who, "post", url, {})
        for raw in NON_UTF8_BODIES:
            fuzz.send(who, "post", url, raw=raw, **headers)
        # the first actor gets every value in every field; the others (refused before validation
        # for the most part) a few in the first field
        for field in fields if who == whos[0] else fields[:1]:
            for kind in odd if who == whos[0] else FEW:
                data = {k: v for k, v in base.items() if k != field}
                if ODD[kind] is not None:
                    data[field] = ODD[kind]
                fuzz.send(who, "post", url, data, **headers)
    fuzz.check()
    assert not stored_text_problems()


# --- query parameters of pages and htmx partials ---------------------------------------------------
def Q(case_id, path, params, who=("owner", "member")):  # noqa: N802
    return pytest.param(path, params, who, id=case_id)


PAGES = [
    Q("org-list", lambda: reverse("organizations:list"), ["q", "page", "env", "sort"]),
    Q("org-detail", lambda: o("organizations:detail"), ["q"]),
    Q("activity", lambda: o("organizations:activity"), ["page"], who=("owner",)),
    Q("restore", lambda: o("organizations:staging-restore", org="staging/acme"), ["page"], who=("owner",)),
    Q("restore-progress", lambda: o("organizations:staging-restore-progress", org="staging/acme", pk=1), ["x"],
      who=("owner",)),
    Q("settings", lambda: o("organizations:settings"), ["x"]),
    Q("invitations", lambda: reverse("organizations:invitations"), ["page"]),
    Q("deleted", lambda: reverse("organizations:deleted"), ["page"]),
    Q("production", lambda: reverse("organizations:production"), ["page"]),
    Q("production-review", lambda: reverse("organizations:production-review"), ["page"], who=("staff", "owner")),
    Q("console", lambda: o("console:console"), ["op", "history"]),
    Q("console-home", lambda: reverse("console:home"), ["q"]),
    Q("builder", lambda: o("console:builder"), ["op", "history"]),
    Q("operations", lambda: o("console:operations"), ["q"]),
    Q("context-clients", lambda: o("console:context-clients"), ["q"]),
    Q("context-users", lambda: o("console:context-users"), ["q", "client_id"]),
    Q("history", lambda: o("console:history"), ["page"]),
    Q("api-clients", lambda: o("console:apiclients"), ["page"]),
    Q("api-client-edit", lambda: o("console:apiclient-edit", client_id="buyer-client"), ["x"]),
    Q("webhooks", lambda: o("console:webhooks"), ["page"]),
    Q("user-search", lambda: reverse("accounts:user-search"), ["q"], who=("owner", "anonymous")),
    Q("user-autocomplete", lambda: reverse("accounts:user-autocomplete"), ["q", "field"]),
    Q("username-choose", lambda: reverse("accounts:username-choose"), ["next"]),
    Q("dashboard", lambda: reverse("dashboard"), ["next"]),
    Q("profile-pages", lambda: reverse("accounts:profile"), ["next"]),
    Q("authentication", lambda: reverse("accounts:authentication"), ["next"]),
    Q("sign-in", lambda: reverse("account_login"), ["next", "login"], who=("anonymous",)),
    Q("sign-up", lambda: reverse("account_signup"), ["next", "email"], who=("anonymous",)),
    Q("confirm-email", lambda: reverse("account_confirm_email", kwargs={"key": "abc"}), ["next"], who=("anonymous",)),
    Q("password-reset-key", lambda: reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "abc"}),
      ["next"], who=("anonymous",)),
    Q("oauth-callback", lambda: reverse("github_callback"), ["code", "state", "error"], who=("anonymous",)),
    Q("healthz", lambda: reverse("healthz"), ["x"], who=("anonymous",)),
]


@pytest.mark.parametrize(("path", "params", "whos"), PAGES)
def test_pages_take_garbage_query_parameters(world, path, params, whos):
    fuzz, url = world["fuzz"], path()
    for who in whos:
        for param in params:
            for kind, value in QUERY_VALUES.items():
                response = fuzz.send(who, "get", url, {param: value})
                if kind in ("search", "huge", "abc"):  # the htmx partial (the list's results) too
                    fuzz.send(who, "get", url, {param: value}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="org-results")
                if kind == "nul" and response is not None:
                    assert response.status_code == 400 and b"NUL character" in response.content, (who, url, param)
        fuzz.send(who, "get", url + "?q=%ff%fe&page=%ff&op=%ff&history=%ff&next=%ff&%ff=%ff")
    fuzz.check()


# --- odd Ids in addresses ------------------------------------------------------------------------
ADDRESSES = [
    "/organizations/sandbox/{}/", "/organizations/{}/acme-sbx/", "/organizations/sandbox/{}/settings/",
    "/organizations/sandbox/acme-sbx/contributors/{}/", "/organizations/sandbox/acme-sbx/contributors/{}/remove/",
    "/organizations/sandbox/acme-sbx/settings/code/{}/", "/organizations/staging/acme/restore/{}/progress/",
    "/console/sandbox/{}/", "/console/{}/acme-sbx/send/", "/console/sandbox/acme-sbx/apiclients/{}/",
    "/console/sandbox/acme-sbx/apiclients/{}/delete/", "/console/sandbox/acme-sbx/apiclients/buyer-client/secrets/{}/delete/",
    "/console/sandbox/acme-sbx/webhooks/{}/", "/console/sandbox/acme-sbx/webhooks/{}/delete/",
    "/console/sandbox/acme-sbx/history/{}/rerun/", "/console/sandbox/acme-sbx/history/{}/curl/",
    "/organizations/invitations/{}/accept/", "/organizations/deleted/{}/restore/", "/organizations/production/review/{}/",
    "/account/authentication/{}/unlink/", "/accounts/confirm-email/{}/", "/accounts/password/reset/key/1-{}/",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_odd_ids_in_addresses_are_not_found_not_errors(world, address):
    fuzz = world["fuzz"]
    for who in ("owner", "outsider"):
        for value in [*ODD_IDS, *ODD_INTS]:
            for method in ("get", "post"):
                response = fuzz.send(who, method, address.format(value), HTTP_HX_REQUEST="true" if method == "post" else "")
                if response is not None and who == "outsider" and "acme" in address:
                    assert response.status_code != 403, f"{address.format(value)}: 403 tells the outsider it exists"
    fuzz.check()


def test_another_organizations_pages_are_not_found_for_an_outsider_whatever_they_send(world):
    fuzz = world["fuzz"]
    for name, method, kwargs, data in [
        ("organizations:detail", "get", {}, {"q": LONG}),
        ("organizations:settings", "post", {}, {"name": "\u202eMine"}),
        ("organizations:contributor-save", "post", {}, {"username": "oscar", "roles": ["FullAccess", "Nope"]}),
        ("organizations:contributor-edit", "get", {"username": "mia"}, {}),
        ("organizations:transfer", "post", {}, {"new_owner": "oscar", "code": str(10**30)}),
        ("organizations:delete", "post", {}, {"code": "-1"}),
        ("organizations:activity", "get", {}, {"page": "-1"}),
        ("console:console", "get", {}, {"op": LONG}),
        ("console:send", "post", {}, {"op": "Products.List", "pageSize": "1.5"}),
        ("console:apiclient-edit", "post", {"client_id": "buyer-client"}, {"AppName": "Mine"}),
        ("console:webhook-create", "post", {}, {"Name": "Mine"}),
    ]:
        response = fuzz.send("outsider", method, o(name, **kwargs), data)
        assert response is None or response.status_code == 404, (name, response.status_code)
    fuzz.check()
    assert Organization.objects.get(oc_id="acme-sbx").name == "Acme"


# --- the bugs this module found, one test each -------------------------------------------------------
@pytest.mark.parametrize("next_url", ["abc", "-1", "1.5", "a\x00b", "😀", "/a\x00b", "/ok\r\nX: y", "//evil.example/"])
def test_choose_username_goes_to_the_dashboard_after_a_next_that_is_no_local_path(world, next_url):
    """A `next` without a "/" was taken by redirect() for a view name: NoReverseMatch, a 500."""
    nameless = UserFactory(username=None, email="nameless@example.com")
    client = Client()
    client.force_login(nameless)
    in_address = "\x00" not in next_url  # a NUL in the address is refused before any view (a 400)
    if in_address:
        assert client.get(reverse("accounts:username-choose"), {"next": next_url}).status_code == 200
    response = client.post(reverse("accounts:username-choose"), {"username": "named", "next": next_url})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    if in_address:  # someone who has a username already is sent on at once
        owner = world["fuzz"].clients["owner"]
        assert owner.get(reverse("accounts:username-choose"), {"next": next_url})["Location"] == reverse("dashboard")


@pytest.mark.parametrize("address", [
    "/organizations/?q=a%00b", "/organizations/sandbox/acme-sbx/?q=%00", "/organizations/sandbox/acme%00/",
    "/organizations/sandbox/acme-sbx/contributors/mia%00/", "/console/sandbox/acme-sbx/context/clients/?q=%00",
    "/console/sandbox/acme-sbx/context/users/?client_id=%00", "/account/users/search?q=%00",
    "/account/users/autocomplete?q=%00", "/organizations/?%00=1",
])
def test_a_nul_in_a_page_address_is_a_readable_400(world, address):
    """PostgreSQL cannot compare NUL: every search or lookup with %00 was a 500 there."""
    client = world["fuzz"].clients["owner"]
    page = client.get(address)
    assert page.status_code == 400
    assert "The address contains a NUL character (%00), which no page accepts." in page.content.decode()
    assert 'data-testid="error-page"' in page.content.decode()
    panel = client.get(address, HTTP_HX_REQUEST="true")
    assert panel.status_code == 400 and "<html" not in panel.content.decode() and "NUL character" in panel.content.decode()


@pytest.mark.parametrize(("field", "value"), [("hash_key", "k\x00ey"), ("url", "https://example.com/h\x00ok")])
def test_restore_webhook_refuses_a_nul_and_keeps_what_was_typed(world, field, value):
    """The HashKey (or a URL) with a NUL was saved on SQLite and a 500 on PostgreSQL."""
    from organizations.models import StagingRestoreWebhook

    data = {"url": "https://example.com/hook", "hash_key": "secret-key", "action": "save", field: value}
    response = world["fuzz"].clients["owner"].post(o("organizations:restore-webhook", org="staging/acme"), data)
    assert response.status_code == 400
    page = response.content.decode()
    if field == "hash_key":
        assert "The HashKey may not contain NUL characters." in page and 'value="https://example.com/hook"' in page
    else:
        assert "Enter a valid http:// or https:// URL." in page and "secret-key" in page
    assert not StagingRestoreWebhook.objects.exists()


@pytest.mark.parametrize(("client_id", "username"), [
    ("buyer-client", "ghost"), ("ghost-client", "shopper"), (LONG, "shopper"), ("buyer-client", LONG),
    ("buyer\x00client", "shopper"), ("buyer-client", "shop\x00per"), ("😀", "\u202eshopper"),
])
def test_an_impersonation_context_that_does_not_exist_is_not_found_and_keeps_no_token_row(world, client_id, username):
    """Each client/user typed into the context form kept a token row, found or not (a 10,000
    character one: a 500 on PostgreSQL, whose column holds 100)."""
    from console.models import ConsoleToken

    before = ConsoleToken.objects.count()
    response = world["fuzz"].clients["owner"].post(o("console:context-set"),
                                                   {"client_id": client_id, "username": username})
    assert response.status_code == 404
    assert ConsoleToken.objects.count() == before
    ok = world["fuzz"].clients["owner"].post(o("console:context-set"), {"client_id": "buyer-client", "username": "shopper"})
    assert ok.status_code == 302


@pytest.mark.parametrize("field", ["search", "f.value", "f.field", "path.productID", "body_json", "body.Name", "junk\x00"])
def test_the_request_builder_refuses_a_nul_next_to_its_field_and_keeps_no_history(world, field):
    """A NUL in any builder field was sent and kept in the history (a 500 on PostgreSQL)."""
    from console.models import ConsoleRequest

    before = ConsoleRequest.objects.count()
    op = "Products.List" if field in ("search", "f.value", "f.field") else "Products.Save"
    data = {"op": op, "path.productID": "p1", "f.field": "Name", "f.value": "x", field: "a\x00b"}
    response = world["fuzz"].clients["owner"].post(o("console:send"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="field-errors"' in page and "May not contain NUL characters." in page
    assert ConsoleRequest.objects.count() == before


def test_a_production_decision_with_a_message_too_long_is_refused_with_the_message_kept(world):
    """The message was dropped (the form's error ignored) and the request approved without it."""
    req, staff = world["request"], world["fuzz"].clients["staff"]
    message = "Welcome aboard. " * 300  # 4,800 characters
    response = staff.post(reverse("organizations:production-decide", kwargs={"pk": req.pk}),
                          {"decision": "approve", "message": message})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this value has at most 4000 characters" in page and message.strip() in page
    req.refresh_from_db()
    assert req.status == ProductionRequestStatus.PENDING and not Organization.objects.filter(oc_id="mia-live").exists()


@pytest.mark.parametrize("decision", [None, "", "maybe", "APPROVE"])
def test_a_production_decision_that_is_neither_approve_nor_reject_decides_nothing(world, decision):
    """Anything but "approve" was taken for a rejection."""
    req, staff = world["request"], world["fuzz"].clients["staff"]
    data = {"message": "Sorry, not now"} | ({} if decision is None else {"decision": decision})
    response = staff.post(reverse("organizations:production-decide", kwargs={"pk": req.pk}), data)
    assert response.status_code == 400 and "Choose Approve or Reject." in response.content.decode()
    assert "Sorry, not now" in response.content.decode()
    assert ProductionRequest.objects.get(pk=req.pk).status == ProductionRequestStatus.PENDING


# --- a refused form shows what was typed -----------------------------------------------------------------
@pytest.mark.parametrize(("who", "path", "data", "kept"), [
    ("owner", lambda: reverse("organizations:create"), {"oc_id": "bad id!", "name": "My \u05d0 shop 😀", "region": "usw"},
     ["My \u05d0 shop 😀", "bad id!"]),
    ("owner", lambda: reverse("organizations:production"),
     {"oc_id": "live-1", "name": "Live", "region": "nowhere", "reason": "Go-live 1 May, order PO-7"}, ["Go-live 1 May, order PO-7"]),
    ("owner", lambda: o("organizations:settings"), {"name": "N" * 201}, ["N" * 201]),
    ("owner", lambda: o("organizations:contributor-save"), {"username": "nobody-here", "roles": ["ProductReader"]},
     ["nobody-here"]),
    ("owner", lambda: o("organizations:transfer"), {"new_owner": "mia", "code": "12x"}, ['value="mia"']),
    ("owner", lambda: reverse("accounts:profile"), {"name": "Olivia \u202eO", "username": "bad name!"},
     ["Olivia \u202eO", "bad name!"]),
    ("owner", lambda: o("console:apiclient-create"), {"AppName": "Shop app", "AccessTokenDuration": "1.5", "xp": "{nope"},
     ["Shop app", "{nope"]),
    ("owner", lambda: o("console:webhook-create"), {"Name": "Order hook", "Url": "ftp://x", "WebhookRoutes": "FETCH v1/x"},
     ["Order hook", "FETCH v1/x"]),
])
def test_a_refused_form_keeps_what_was_typed(world, who, path, data, kept):
    response = world["fuzz"].clients[who].post(path(), data)
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert 'class="errorlist' in page
    from django.utils.html import escape

    for text in kept:
        assert text in page or escape(text) in page, text
