"""console.services: tokens per context, refresh rules, access checks at call time, the remote path."""

import copy
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from console import services
from console.models import HISTORY_LIMIT, ConsoleRequest, ConsoleToken
from console.services import Context
from console.tests import helpers
from organizations import services as org_services
from portal.common.errors import NotFoundError, PermissionError_

BUYER = Context(client_id="buyer-client", username="shopper")


def send(user, org, path="/v1/me", **kwargs):
    return services.console_request_send(user=user, organization=org, method=kwargs.pop("method", "GET"), path=path, **kwargs)


class TestConsoleTokenGet:
    def test_owner_gets_a_full_access_token_and_the_call_goes_through_the_builtin_api(self, team, owner):
        call = send(owner, team, "/v1/products", query=[("pageSize", "2")])
        assert call.response.status == 200, call.response.content
        assert call.response.json()["Meta"]["PageSize"] == 2
        assert call.response.header("X-oc-logid")  # the real core API middleware ran
        token = ConsoleToken.objects.get(user=owner, organization=team)
        assert token.granted_roles == ["FullAccess"]
        assert token.is_self

    def test_token_is_reused_while_valid(self, team, member):
        send(member, team)
        first = ConsoleToken.objects.get(user=member).access_token
        send(member, team)
        row = ConsoleToken.objects.get(user=member)
        assert row.access_token == first
        assert row.refresh_count == 0

    def test_expired_token_is_refreshed_before_the_call(self, team, member):
        send(member, team)
        row = ConsoleToken.objects.get(user=member)
        old = row.access_token
        ConsoleToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        call = send(member, team)
        assert call.response.status == 200
        row.refresh_from_db()
        assert row.access_token != old
        assert row.refresh_count == 1
        assert row.expires_at > timezone.now() + timedelta(minutes=5)

    def test_token_expiring_within_30_seconds_is_refreshed(self, team, member):
        send(member, team)
        ConsoleToken.objects.filter(user=member).update(expires_at=timezone.now() + timedelta(seconds=20))
        send(member, team)
        assert ConsoleToken.objects.get(user=member).refresh_count == 1

    def test_refresh_uses_the_refresh_token_grant(self, team, member):
        send(member, team)
        row = ConsoleToken.objects.get(user=member)
        from coreapi.models import RefreshToken
        from coreapi.tokens import refresh_token_hash

        stored = RefreshToken.objects.get(token_hash=refresh_token_hash(row.refresh_token))
        ConsoleToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        send(member, team)
        stored.refresh_from_db()
        assert stored.used_at is not None  # the old refresh token was consumed by the grant

    def test_refused_refresh_token_falls_back_to_a_new_organization_token(self, team, member):
        send(member, team)
        ConsoleToken.objects.filter(user=member).update(
            refresh_token="not-a-valid-refresh-token", expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert send(member, team).response.status == 200

    def test_401_from_the_api_triggers_one_refresh_and_retry(self, team, member):
        send(member, team)
        row = ConsoleToken.objects.get(user=member)
        # A token the API rejects but the store believes valid (e.g. revoked on the server side).
        ConsoleToken.objects.filter(pk=row.pk).update(access_token=row.access_token[:-4] + "AAAA")
        call = send(member, team)
        assert call.response.status == 200
        row.refresh_from_db()
        assert row.refresh_count == 1

    def test_removed_contributor_is_refused_even_with_a_cached_token(self, team, owner, member):
        assert send(member, team).response.status == 200
        org_services.contributor_remove(actor=owner, organization=team, username=member.username)
        with pytest.raises(NotFoundError):
            send(member, team)

    def test_lowered_roles_take_effect_on_the_next_call(self, team, owner, member):
        send(member, team)
        org_services.contributor_save(actor=owner, organization=team, username=member.username,
                                      roles=["MeAdmin"], is_admin=False, impersonate_buyer=True)
        call = send(member, team, "/v1/products")
        assert call.response.status == 403  # ProductReader is gone: the token was re-minted
        row = ConsoleToken.objects.get(user=member)
        assert row.granted_roles == ["MeAdmin"]

    def test_outsider_gets_not_found(self, team, outsider):
        with pytest.raises(NotFoundError):
            send(outsider, team)


class TestImpersonation:
    def test_member_with_permission_impersonates_a_buyer_user(self, team, member):
        call = send(member, team, "/v1/me", context=BUYER)
        assert call.response.status == 200, call.response.content
        assert call.response.json()["Username"] == "shopper"
        row = ConsoleToken.objects.get(user=member, client_id="buyer-client")
        assert row.user_type == "buyer"
        # Roles: the buyer user's (Shopper, MeAdmin) ∩ the contributor's (ProductReader, MeAdmin, Shopper).
        assert sorted(row.granted_roles) == ["MeAdmin", "Shopper"]

    def test_an_impersonated_supplier_user_sees_its_own_products(self, team, owner, seller_member):
        from coreapi import models as core_models
        from coreapi.testing import core_security_profile, core_user

        mp = core_models.Marketplace.objects.get(environment="sandbox", marketplace_id=team.oc_id)
        core_models.Supplier.objects.create(marketplace=mp, oc_id="maker", name="Maker", active=True)
        core_models.ApiClient.objects.create(marketplace=mp, oc_id="supplier-client", app_name="Supplier app",
                                             allow_any_supplier=True, refresh_token_duration=60)  # fmt: skip
        core_security_profile(mp, profile_id="maker-profile", roles=["ProductAdmin"], supplier_id="maker")
        core_user(mp, kind=core_models.UserKind.SUPPLIER, company_id="maker", user_id="maker-user", username="maker")
        core_models.Product.objects.create(marketplace=mp, oc_id="anvil", name="Anvil", owner_id="maker")
        org_services.contributor_save(actor=owner, organization=team, username=seller_member.username,
                                      roles=["ProductAdmin"], is_admin=False, impersonate_supplier=True)  # fmt: skip
        supplier = Context(client_id="supplier-client", username="maker")
        listed = send(seller_member, team, "/v1/products", context=supplier)
        assert listed.response.status == 200, listed.response.content
        assert [p["ID"] for p in listed.response.json()["Items"]] == ["anvil"]  # not the marketplace's prod-1..3
        created = send(seller_member, team, "/v1/products", context=supplier, method="POST", body='{"Name": "Tongs"}')
        assert created.response.status == 201 and created.response.json()["OwnerID"] == "maker"

    def test_contexts_have_separate_tokens(self, team, member):
        send(member, team)
        send(member, team, context=BUYER)
        assert ConsoleToken.objects.filter(user=member, organization=team).count() == 2

    def test_without_any_impersonation_permission_the_context_does_not_exist(self, team, owner):
        plain = org_services.contributor_save  # a contributor without impersonation flags
        from tests.factories import UserFactory

        from console.tests.conftest import add_member

        user = UserFactory(username="pat")
        add_member(team, owner, user, roles=["FullAccess"])
        assert plain  # keep flake quiet
        with pytest.raises(NotFoundError):
            send(user, team, context=BUYER)

    def test_permission_for_another_kind_of_user_is_refused(self, team, seller_member):
        with pytest.raises(PermissionError_):
            send(seller_member, team, context=BUYER)

    def test_user_of_another_org_is_not_found(self, team, member):
        with pytest.raises(NotFoundError):
            send(member, team, context=Context(client_id="buyer-client", username="nobody-here"))

    def test_losing_the_permission_stops_a_cached_impersonation_token(self, team, owner, member):
        assert send(member, team, context=BUYER).response.status == 200
        org_services.contributor_save(actor=owner, organization=team, username=member.username,
                                      roles=["ProductReader", "MeAdmin", "Shopper"], is_admin=False,
                                      impersonate_buyer=False, impersonate_seller=True)
        with pytest.raises(PermissionError_):
            send(member, team, context=BUYER)


class TestHistory:
    def test_each_call_is_recorded_and_only_the_last_50_are_kept(self, team, member):
        for i in range(HISTORY_LIMIT + 3):
            services.console_history_record(
                user=member, organization=team, context=services.SELF, operation_id="Me.Get", method="GET",
                path=f"/v1/me?i={i}", query=[], body="", state={}, response=None,
            )
        entries = ConsoleRequest.objects.filter(user=member, organization=team)
        assert entries.count() == HISTORY_LIMIT
        assert not entries.filter(path="/v1/me?i=0").exists()
        assert entries.filter(path=f"/v1/me?i={HISTORY_LIMIT + 2}").exists()

    def test_proxied_calls_prune_now_and_then_and_the_list_always_shows_the_last_50(self, team, member):
        from console import selectors

        for i in range(HISTORY_LIMIT + 25):
            services.console_history_record(
                user=member, organization=team, context=services.SELF, operation_id="Me.Get", method="GET",
                path=f"/v1/me?i={i}", query=[], body="", state={}, response=None, prune=False,
            )
        stored = ConsoleRequest.objects.filter(user=member, organization=team).count()
        assert HISTORY_LIMIT <= stored < HISTORY_LIMIT + services.HISTORY_PRUNE_EVERY
        listed = [entry.path for entry in selectors.history_list(user=member, organization=team)]
        assert listed == [f"/v1/me?i={i}" for i in range(HISTORY_LIMIT + 24, 24, -1)]

    def test_send_records_status_time_and_size(self, team, member):
        call = send(member, team, "/v1/products", query=[("pageSize", "1")], operation_id="Products.List")
        entry = call.history
        assert entry.status_code == 200
        assert entry.size_bytes == len(call.response.content)
        assert entry.query == [["pageSize", "1"]]


def _remote_envs(url):
    envs = copy.deepcopy(settings.PORTAL_ENVIRONMENTS)
    envs["Sandbox"]["regions"] = {rid: url for rid in envs["Sandbox"]["regions"]}
    return envs


@pytest.fixture
def remote_org(remote_api, owner):
    with override_settings(
        PORTAL_ENVIRONMENTS=_remote_envs(remote_api.url),
        CONSOLE_REMOTE_API_CLIENTS={"Sandbox/remote-org": {"client_id": "remote-console", "client_secret": "s3cret"}},
    ):
        org = org_services.organization_create(actor=owner, oc_id="remote-org", name="Remote", region="usw")
        yield org


class TestRemoteEnvironment:
    def test_a_path_value_reaches_the_remote_api_as_one_segment_or_is_refused(self, remote_org, remote_api, owner,
                                                                              as_user):
        def get_product(value):  # the request builder's Send
            return helpers.send(as_user(owner), remote_org, "Products.Get", **{"path.productID": value}).content.decode()

        get_product("a?b #1%")
        assert remote_api.calls[-1][:2] == ("GET", "/v1/products/a%3Fb%20%231%25")
        sent = len(remote_api.calls)
        # refused, not sent: the HTTP client turned GET /v1/products/.. into GET /v1/
        assert '&quot;..&quot; is not an ID' in get_product("..")
        assert "An ID cannot contain &quot;/&quot;" in get_product("a/b")
        assert len(remote_api.calls) == sent

    def test_calls_go_over_http_with_a_client_credentials_token_scoped_to_the_contributors_roles(self, remote_org, remote_api, owner):
        before = len(remote_api.grants)
        call = send(owner, remote_org, "/v1/products", query=[("pageSize", "5"), ("Name", "*product 1*")])
        assert call.response.status == 200, call.response.content
        assert call.response.json()["Meta"]["PageSize"] == 5
        grant, form = remote_api.grants[before]
        assert grant == "client_credentials"
        assert form["scope"] == "FullAccess"
        assert ConsoleToken.objects.get(user=owner, organization=remote_org).granted_roles == ["FullAccess"]

    def test_expired_remote_token_is_refreshed_with_the_refresh_token_grant(self, remote_org, remote_api, owner):
        send(owner, remote_org)
        ConsoleToken.objects.filter(user=owner, organization=remote_org).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        before = len(remote_api.grants)
        assert send(owner, remote_org).response.status == 200
        assert [g for g, _ in remote_api.grants[before:]] == ["refresh_token"]

    def test_remote_401_triggers_one_refresh_and_retry(self, remote_org, remote_api, owner):
        send(owner, remote_org)
        remote_api.expire_all()
        assert send(owner, remote_org).response.status == 200
        assert ConsoleToken.objects.get(user=owner, organization=remote_org).refresh_count == 1

    def test_impersonation_is_refused_on_a_remote_environment(self, remote_org, owner):
        with pytest.raises(services.ConsoleError, match="built-in"):
            send(owner, remote_org, context=BUYER)

    def test_oversized_response_is_cut_off_with_a_clear_error(self, remote_org, owner):
        with override_settings(CONSOLE_MAX_RESPONSE_BYTES=64 * 1024):
            call = send(owner, remote_org, "/v1/big")
        assert call.response is None
        assert "larger than 64.0 KB" in call.error
        assert call.history.error == call.error

    def test_slow_api_times_out_with_a_clear_error(self, remote_org, owner):
        send(owner, remote_org)
        with override_settings(CONSOLE_TIMEOUTS=(1, 0.3)):
            call = send(owner, remote_org, "/v1/slow")
        assert "did not answer within 0.3 seconds." in call.error

    def test_an_api_answering_a_byte_at_a_time_is_cut_off_at_the_request_limit(self, remote_org, owner):
        send(owner, remote_org)
        # 20 bytes, one every 0.2 s: each read waits less than the read timeout, the whole takes 4 s
        with override_settings(CONSOLE_TIMEOUTS=(1, 0.5), CONSOLE_REQUEST_SECONDS=1):
            started = time.monotonic()
            call = send(owner, remote_org, "/v1/drip")
        assert call.response is None
        assert "did not answer within 1 second." in call.error
        # ended before the 3 s answer (a margin for a loaded machine: 2.5 s failed once under -n 2)
        assert time.monotonic() - started < 2.9

    def test_the_requests_of_one_console_call_share_one_time_limit(self, remote_org, remote_api, owner):
        send(owner, remote_org)
        with override_settings(CONSOLE_TIMEOUTS=(1, 5), CONSOLE_REQUEST_SECONDS=5, CONSOLE_CALL_SECONDS=1):
            started = time.monotonic()
            call = send(owner, remote_org, "/v1/slow")  # answers after 3 s
        assert call.response is None
        assert "did not answer within 1 second." in call.error
        assert time.monotonic() - started < 2.5

    def test_by_default_a_console_call_ends_before_gunicorn_kills_the_worker(self):
        # gunicorn's sync worker is killed after GUNICORN_TIMEOUT (30 s): the user then gets the proxy's
        # error page, not "did not answer within ... seconds", and the history keeps nothing
        from console import client

        gunicorn_timeout = 30
        assert client._timeouts()[1] < gunicorn_timeout
        assert client._request_seconds() <= client._call_seconds() < gunicorn_timeout

    def test_the_portal_shows_no_webhook_delivery_log_for_a_remote_api(self, remote_org):
        from console import selectors

        assert selectors.webhook_delivery_list(organization=remote_org, webhook_id="any") is None

    def test_unreachable_api_is_a_clear_error(self, owner, db):
        with override_settings(PORTAL_ENVIRONMENTS=_remote_envs("http://127.0.0.1:9"),
                               CONSOLE_REMOTE_API_CLIENTS={"Sandbox/down-org": {"client_id": "x"}}):
            org = org_services.organization_create(actor=owner, oc_id="down-org", name="Down", region="usw")
            call = send(owner, org)
        assert "Could not connect" in call.error


class TestRemoteMarketplace:
    """An API client belongs to one marketplace: the console's client of a remote environment never
    gives another organization of that environment (any user can create a Sandbox) a token to it."""

    @pytest.fixture
    def fake(self, remote_api):
        yield remote_api
        remote_api.state.marketplace_id = ""

    def _org(self, actor, oc_id):
        return org_services.organization_create(actor=actor, oc_id=oc_id, name=oc_id.title(), region="usw")

    def test_an_environment_wide_client_whose_token_names_another_marketplace_is_not_used(self, fake, owner, outsider,
                                                                                         as_user):
        fake.state.marketplace_id = "acme-live"
        with override_settings(PORTAL_ENVIRONMENTS=_remote_envs(fake.url),
                               CONSOLE_REMOTE_API_CLIENTS={"Sandbox": {"client_id": "remote-console",
                                                                       "client_secret": "s3cret"}}):
            mine = self._org(owner, "acme-live")
            assert send(owner, mine, "/v1/products").response.status == 200
            theirs = self._org(outsider, "someone-else")
            calls = len(fake.calls)
            with pytest.raises(services.ConsoleError) as raised:
                send(outsider, theirs, "/v1/products")
            assert raised.value.message == services.ERR_REMOTE_OTHER_MARKETPLACE.format(
                key="Sandbox", marketplace="acme-live", oc_id="someone-else", environment="Sandbox")
            assert len(fake.calls) == calls  # nothing was sent with it
            assert not ConsoleToken.objects.filter(organization=theirs).exclude(access_token="").exists()
            page = as_user(outsider).get("/console/sandbox/someone-else/").content.decode()
            assert "signs in to the marketplace acme-live" in page
            assert "Remote product" not in helpers.send(as_user(outsider), theirs, "Products.List").content.decode()

    def test_an_environment_wide_client_whose_token_names_no_marketplace_is_not_used(self, fake, owner):
        with override_settings(PORTAL_ENVIRONMENTS=_remote_envs(fake.url),
                               CONSOLE_REMOTE_API_CLIENTS={"Sandbox": {"client_id": "remote-console",
                                                                       "client_secret": "s3cret"}}):
            org = self._org(owner, "no-mkt")
            calls = len(fake.calls)
            with pytest.raises(services.ConsoleError) as raised:
                send(owner, org, "/v1/products")
            assert raised.value.message == services.ERR_REMOTE_MARKETPLACE_UNKNOWN.format(environment="Sandbox",
                                                                                          oc_id="no-mkt")
            assert len(fake.calls) == calls

    def test_a_stored_token_of_another_marketplace_is_not_used_either(self, fake, owner):
        # e.g. one the console got before it checked: refused on use, not only when it is renewed
        fake.state.marketplace_id = "acme-first"
        clients = {"Sandbox/acme-first": {"client_id": "remote-console", "client_secret": "s3cret"}}
        with override_settings(PORTAL_ENVIRONMENTS=_remote_envs(fake.url), CONSOLE_REMOTE_API_CLIENTS=clients):
            first, second = self._org(owner, "acme-first"), self._org(owner, "acme-second")
            assert send(owner, first, "/v1/products").response.status == 200
            stored = ConsoleToken.objects.get(organization=first)
            ConsoleToken.objects.create(user=owner, organization=second, access_token=stored.access_token,
                                        expires_at=stored.expires_at, access_roles=stored.access_roles)
            calls = len(fake.calls)
            with pytest.raises(services.ConsoleError, match="signs in to the marketplace acme-first"):
                send(owner, second, "/v1/products")
            assert len(fake.calls) == calls

    def test_an_organizations_own_client_is_used_unless_its_token_names_another_marketplace(self, fake, owner):
        clients = {"Sandbox/acme-own": {"client_id": "remote-console", "client_secret": "s3cret"}}
        with override_settings(PORTAL_ENVIRONMENTS=_remote_envs(fake.url), CONSOLE_REMOTE_API_CLIENTS=clients):
            org = self._org(owner, "acme-own")
            assert send(owner, org, "/v1/products").response.status == 200  # no `mkt`: the operator's word
            fake.state.marketplace_id = "ACME-OWN"  # marketplace IDs ignore case
            ConsoleToken.objects.filter(organization=org).update(expires_at=timezone.now() - timedelta(seconds=1))
            assert send(owner, org, "/v1/products").response.status == 200
            fake.state.marketplace_id = "another"
            ConsoleToken.objects.filter(organization=org).update(access_token="", refresh_token="")
            with pytest.raises(services.ConsoleError, match="signs in to the marketplace another"):
                send(owner, org, "/v1/products")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: SQLite has no row locks (select_for_update) and one writer at a time",
)
def test_50_concurrent_calls_with_an_expired_token_refresh_exactly_once_and_all_succeed(django_db_blocker):
    from console.tests.conftest import add_member, seed_core
    from tests.factories import UserFactory

    owner = UserFactory(username="conc-owner")
    org = org_services.organization_create(actor=owner, oc_id="conc-org", name="Concurrent", region="usw")
    seed_core(org)
    member = UserFactory(username="conc-member")
    add_member(org, owner, member, roles=["ProductReader"])
    send(member, org)
    ConsoleToken.objects.filter(user=member).update(expires_at=timezone.now() - timedelta(minutes=1))

    barrier = threading.Barrier(50)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            call = send(member, org, "/v1/products", record=False)
            results.append(call.response.status if call.response else call.error)
        except Exception as exc:  # noqa: BLE001 - the test reports every failure
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [200] * 50
    assert ConsoleToken.objects.get(user=member).refresh_count == 1
    assert connection.vendor == "postgresql"
