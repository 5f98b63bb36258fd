"""A token belongs to one incarnation of its marketplace: the `mpk` claim names the marketplace
row it was issued for, so a deleted and re-created marketplace never serves the old tokens, the new
ones work at once, and resolving the marketplace costs no query on the read path."""

import base64
import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coreapi import auth, tokens
from coreapi import models as m
from coreapi.services import marketplace_create, marketplace_delete
from coreapi.testing import core_world
from coreapi.tokens import access_token_decode, access_token_encode

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_marketplace_cache():
    auth.marketplace_cache_clear()
    yield
    auth.marketplace_cache_clear()


def status_and_code(response) -> tuple[int, str | None]:
    body = response.json()
    return response.status_code, (body.get("Errors") or [{}])[0].get("ErrorCode") if isinstance(body, dict) else None


def legacy_token(**overrides) -> str:
    """A token as minted before the `mpk` claim existed."""
    values = dict(
        environment="sandbox", marketplace_id="mkt-one", username="admin", client_id="admin-client",
        user_id="admin-user", user_type="admin", company_id="", roles=["FullAccess"], lifetime_seconds=600,
    )  # fmt: skip
    return access_token_encode(**{**values, **overrides})


def marketplace_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if 'FROM "coreapi_marketplace"' in q["sql"]]


class TestTokenNamesItsMarketplaceRow:
    def test_issued_tokens_carry_the_marketplace_pk(self, world, admin_token):
        claims = access_token_decode(environment="sandbox", token=admin_token)
        assert claims.marketplace_pk == world.marketplace.pk

    def test_a_token_naming_another_marketplace_row_is_refused(self, world):
        other = core_world(marketplace_id="mkt-two", client_id="c2")
        token = legacy_token(marketplace_pk=other.marketplace.pk)  # mkt-one's ID, mkt-two's row
        assert status_and_code(world.call("get", "/v1/products", token)) == (401, "InvalidToken")

    def test_tokens_without_the_claim_still_work_and_die_with_their_marketplace(self, world):
        token = legacy_token()
        assert world.call("get", "/v1/me", token).status_code == 200
        marketplace_delete(environment="sandbox", marketplace_id="mkt-one")
        assert status_and_code(world.call("get", "/v1/me", token)) == (401, "InvalidToken")


class TestRecreatedMarketplace:
    def test_new_token_works_at_once_and_the_old_one_is_refused(self, world, admin_token):
        old_pk = world.marketplace.pk
        assert world.call("post", "/v1/products", admin_token, {"ID": "old-p", "Name": "Old"}).status_code == 201
        assert world.call("get", "/v1/products", admin_token).json()["Meta"]["TotalCount"] == 1  # cached now
        marketplace_delete(environment="sandbox", marketplace_id="mkt-one")
        new_world = core_world()  # same environment, same marketplace ID
        assert new_world.marketplace.pk != old_pk
        new_token = new_world.admin_token()

        response = new_world.call("get", "/v1/products", new_token)
        assert response.status_code == 200
        assert response.json()["Items"] == []
        assert status_and_code(new_world.call("get", "/v1/products", admin_token)) == (401, "InvalidToken")
        assert status_and_code(new_world.call("get", "/v1/me", admin_token)) == (401, "InvalidToken")

    def test_a_stale_entry_of_another_process_never_serves_the_new_marketplace(self, world, admin_token):
        """Delete and re-create behind this process's back (another worker did it): its cache still
        holds the old pk, yet the new token works and the old token is refused."""
        assert world.call("get", "/v1/products", admin_token).status_code == 200  # caches the old pk
        m.Marketplace.objects.filter(pk=world.marketplace.pk).delete()
        new_marketplace = m.Marketplace.objects.create(environment="sandbox", marketplace_id="mkt-one", name="again")
        m.Product.objects.create(marketplace=new_marketplace, oc_id="new-p", name="New")
        new_token = legacy_token(marketplace_pk=new_marketplace.pk)

        response = world.call("get", "/v1/products", new_token)
        assert response.status_code == 200
        assert [p["ID"] for p in response.json()["Items"]] == ["new-p"]
        assert status_and_code(world.call("get", "/v1/products", admin_token)) == (401, "InvalidToken")


class TestDeletedMarketplace:
    def test_a_write_with_a_token_of_a_marketplace_deleted_elsewhere_is_401_not_500(self, world, admin_token):
        assert world.call("get", "/v1/products", admin_token).status_code == 200  # caches the pk
        m.Marketplace.objects.filter(pk=world.marketplace.pk).delete()  # another process, no forget()
        response = world.call("post", "/v1/products", admin_token, {"ID": "p1", "Name": "P"})
        assert status_and_code(response) == (401, "InvalidToken")
        assert not m.Product.objects.exists()

    def test_a_read_sees_no_rows_until_the_cache_entry_expires_then_is_refused(self, world, admin_token, monkeypatch):
        world.call("post", "/v1/products", admin_token, {"ID": "p1", "Name": "P"})
        assert world.call("get", "/v1/products", admin_token).status_code == 200
        m.Marketplace.objects.filter(pk=world.marketplace.pk).delete()

        response = world.call("get", "/v1/products", admin_token)  # within MARKETPLACE_CACHE_SECONDS
        assert response.status_code == 200
        assert response.json()["Items"] == [] and response.json()["Meta"]["TotalCount"] == 0
        assert status_and_code(world.call("get", "/v1/me", admin_token)) == (404, "NotFound")

        monkeypatch.setattr(auth, "MARKETPLACE_CACHE_SECONDS", 0.0)
        assert status_and_code(world.call("get", "/v1/products", admin_token)) == (401, "InvalidToken")

    def test_marketplace_delete_refuses_its_tokens_at_once_in_its_own_process(self, world, admin_token):
        assert world.call("get", "/v1/me", admin_token).status_code == 200
        marketplace_delete(environment="sandbox", marketplace_id="mkt-one")
        assert status_and_code(world.call("get", "/v1/me", admin_token)) == (401, "InvalidToken")

    def test_marketplace_create_forgets_a_stale_entry(self, world, admin_token):
        assert world.call("get", "/v1/me", admin_token).status_code == 200
        m.Marketplace.objects.filter(pk=world.marketplace.pk).delete()
        marketplace_create(environment="sandbox", marketplace_id="mkt-one", name="again")
        assert status_and_code(world.call("get", "/v1/me", admin_token)) == (401, "InvalidToken")


class TestReadsResolveTheMarketplaceWithoutAQuery:
    def test_get_me_and_list_products_do_not_touch_the_marketplace_table(self, world, admin_token):
        assert world.call("get", "/v1/me", admin_token).status_code == 200  # first use checks the database
        with CaptureQueriesContext(connection) as captured:
            me = world.call("get", "/v1/me", admin_token)
            products = world.call("get", "/v1/products", admin_token)
        assert me.status_code == 200 and products.status_code == 200
        assert me.json()["Seller"] == {"ID": "mkt-one"}
        assert marketplace_queries(captured) == []

    def test_writes_check_the_marketplace_row(self, world, admin_token):
        assert world.call("get", "/v1/me", admin_token).status_code == 200
        with CaptureQueriesContext(connection) as captured:
            assert world.call("post", "/v1/products", admin_token, {"ID": "p1", "Name": "P"}).status_code == 201
        assert len(marketplace_queries(captured)) == 1


class TestVerifiedTokensAreRememberedSafely:
    """Verified tokens are kept per process (PyJWT's check is most of a request's auth cost), but
    a remembered token still expires, and any other bytes are verified afresh."""

    def test_a_remembered_token_still_expires(self, world, monkeypatch):
        token = legacy_token(lifetime_seconds=60, marketplace_pk=world.marketplace.pk)
        assert world.call("get", "/v1/me", token).status_code == 200  # verified and remembered

        class Later:
            @staticmethod
            def time():
                return time.time() + 61

        monkeypatch.setattr(tokens, "time", Later)
        assert status_and_code(world.call("get", "/v1/me", token)) == (401, "InvalidToken")

    def test_a_tampered_copy_of_a_remembered_token_is_refused(self, world):
        token = legacy_token(roles=["MeAdmin"], marketplace_pk=world.marketplace.pk)
        assert world.call("get", "/v1/me", token).status_code == 200
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["role"] = ["FullAccess"]
        forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        forged = f"{header}.{forged_payload}.{signature}"
        assert status_and_code(world.call("get", "/v1/products", forged)) == (401, "InvalidToken")

    def test_the_memory_is_bounded(self, world, monkeypatch):
        monkeypatch.setattr(tokens, "VERIFIED_TOKENS_MAX", 3)
        for i in range(5):
            tokens.access_token_decode(environment="sandbox", token=legacy_token(username=f"u{i}"))
        assert len(tokens._verified) <= 3
