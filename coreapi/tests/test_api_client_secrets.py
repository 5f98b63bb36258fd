"""ApiClients' secrets (ListSecrets, CreateSecret, GetSecret, PatchSecret, DeleteSecret) and how the
token endpoint accepts them: several per client, each with an optional expiration, the value shown
once, required on every grant once defined."""

import hashlib
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from coreapi import models as m
from coreapi.errors import OAUTH_MSG_SECRET, OAUTH_MSG_SECRET_EXPIRED
from coreapi.testing import api_error as error
from coreapi.testing import core_world
from coreapi.tests.test_oauth import assert_oauth_error, claims, login
from coreapi.tests.test_webhooks import Receiver, webhook_create

pytestmark = pytest.mark.django_db

SECRETS = "/v1/apiclients/admin-client/secrets"


def create_secret(world, token, **body):
    response = world.call("post", SECRETS, token, {"Name": "CI", **body})
    assert response.status_code == 201, response.content
    return response.json()


def in_(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


class TestOperations:
    def test_the_value_is_generated_and_shown_only_in_the_create_response(self, world, admin_token):
        created = create_secret(world, admin_token, ID="ci-2026", Expiration=in_(30))
        assert set(created) == {"ClientSecret", "ID", "Name", "Expiration"}
        assert created["ID"] == "ci-2026" and created["Name"] == "CI"
        assert len(created["ClientSecret"]) == 88  # 64 random bytes, Base-64

        got = world.call("get", f"{SECRETS}/ci-2026", admin_token).json()
        assert got == {"ID": "ci-2026", "Name": "CI", "Expiration": got["Expiration"]}
        assert got["Expiration"][:16] == created["Expiration"][:16]
        listed = world.call("get", SECRETS, admin_token).json()
        assert [s["ID"] for s in listed["Items"]] == ["ci-2026"] and "ClientSecret" not in listed["Items"][0]

        row = m.ApiClientSecret.objects.get(oc_id="ci-2026")
        assert row.secret_hash == hashlib.sha256(created["ClientSecret"].encode()).hexdigest()
        assert created["ClientSecret"] not in row.secret_hash  # only the digest is stored

    def test_each_secret_gets_its_own_value_and_a_generated_id(self, world, admin_token):
        one, two = create_secret(world, admin_token), create_secret(world, admin_token)
        assert one["ClientSecret"] != two["ClientSecret"]
        assert one["ID"] != two["ID"] and len(one["ID"]) == 22
        assert one["Expiration"] is None  # optional: never expires

    def test_patch_renames_and_changes_the_expiration_delete_removes(self, world, admin_token):
        create_secret(world, admin_token, ID="s1")
        patched = world.call("patch", f"{SECRETS}/s1", admin_token, {"Name": "Renamed", "Expiration": in_(5)})
        assert patched.status_code == 200, patched.content
        assert patched.json()["Name"] == "Renamed" and patched.json()["Expiration"]
        assert "ClientSecret" not in patched.json()
        assert world.call("delete", f"{SECRETS}/s1", admin_token).status_code == 204
        error(world.call("get", f"{SECRETS}/s1", admin_token), 404, "NotFound")

    def test_there_is_no_put(self, world, admin_token):
        create_secret(world, admin_token, ID="s1")
        assert world.call("put", f"{SECRETS}/s1", admin_token, {"Name": "x"}).status_code == 405

    def test_name_is_required_and_the_expiration_must_be_in_the_future(self, world, admin_token):
        assert error(world.call("post", SECRETS, admin_token, {}), 400, "InvalidRequest")["Data"] == {"Field": "Name"}
        past = error(world.call("post", SECRETS, admin_token, {"Name": "x", "Expiration": in_(-1)}), 400, "InvalidRequest")
        assert "future" in past["Message"]
        assert not m.ApiClientSecret.objects.exists()

    def test_at_most_ten_per_client(self, world, admin_token):
        for _ in range(10):
            create_secret(world, admin_token)
        item = error(world.call("post", SECRETS, admin_token, {"Name": "eleventh"}), 400, "InvalidRequest")
        assert "at most 10" in item["Message"]
        assert m.ApiClientSecret.objects.count() == 10

    def test_an_unknown_or_another_marketplaces_client_is_not_found(self, world, admin_token):
        item = error(world.call("get", "/v1/apiclients/ghost/secrets", admin_token), 404, "NotFound")
        assert item["Data"]["ObjectType"] == "ApiClient"
        core_world(marketplace_id="mkt-two", client_id="their-client")
        error(world.call("post", "/v1/apiclients/their-client/secrets", admin_token, {"Name": "x"}), 404, "NotFound")

    def test_reading_or_writing_secrets_needs_api_client_admin(self, world):
        reader = world.admin_token(scope="ApiClientReader")
        assert world.call("get", "/v1/apiclients/admin-client", reader).status_code == 200  # the client: yes
        error(world.call("get", SECRETS, reader), 403, "InsufficientRoles")
        error(world.call("post", SECRETS, reader, {"Name": "x"}), 403, "InsufficientRoles")

    def test_deleting_the_client_deletes_its_secrets(self, world, admin_token):
        other = world.call("post", "/v1/apiclients", admin_token, {"AppName": "Other", "AccessTokenDuration": 600}).json()
        world.call("post", f"/v1/apiclients/{other['ID']}/secrets", admin_token, {"Name": "x"})
        assert world.call("delete", f"/v1/apiclients/{other['ID']}", admin_token).status_code == 204
        assert not m.ApiClientSecret.objects.filter(api_client_id=other["ID"]).exists()

    def test_webhooks_get_the_create_response_without_the_secret(
        self, world, admin_token, django_capture_on_commit_callbacks
    ):
        with Receiver() as receiver:
            webhook_create(world, receiver.url, routes=[{"Route": "v1/apiclients/{apiClientID}/secrets", "Verb": "POST"}])
            with django_capture_on_commit_callbacks(execute=True):
                created = create_secret(world, admin_token, ID="hooked")
            body = receiver.calls[0]["body"]
        assert body["Response"]["Body"] == {"ID": "hooked", "Name": "CI", "Expiration": None}
        assert created["ClientSecret"] not in str(body)


class TestTokenEndpoint:
    def test_a_client_with_secrets_needs_one_on_every_grant(self, world, admin_token):
        create_secret(world, admin_token)
        body = assert_oauth_error(login(world), "InvalidGrant")
        assert body["error_description"] == OAUTH_MSG_SECRET
        assert_oauth_error(login(world, client_secret="guess"), "InvalidGrant")

    def test_every_unexpired_secret_works_so_rotation_needs_no_downtime(self, world, admin_token):
        old = create_secret(world, admin_token, ID="old")["ClientSecret"]
        new = create_secret(world, admin_token, ID="new", Expiration=in_(90))["ClientSecret"]
        assert login(world, client_secret=old).status_code == 200
        assert login(world, client_secret=new).status_code == 200
        world.call("delete", f"{SECRETS}/old", admin_token)
        assert_oauth_error(login(world, client_secret=old), "InvalidGrant")
        assert login(world, client_secret=new).status_code == 200

    def test_an_expired_secret_is_refused_with_a_message_saying_so(self, world, admin_token):
        value = create_secret(world, admin_token, ID="s1", Expiration=in_(1))["ClientSecret"]
        patched = world.call("patch", f"{SECRETS}/s1", admin_token, {"Expiration": in_(-1 / 24)})  # ends it now
        assert patched.status_code == 200, patched.content
        body = assert_oauth_error(login(world, client_secret=value), "InvalidGrant")
        assert body["error_description"] == OAUTH_MSG_SECRET_EXPIRED
        # still defined: a grant without a secret is refused too
        assert_oauth_error(login(world), "InvalidGrant")

    def test_the_legacy_client_secret_and_the_new_secrets_both_work(self, world, admin_token):
        m.ApiClient.objects.filter(oc_id="admin-client").update(client_secret="legacy")
        value = create_secret(world, admin_token)["ClientSecret"]
        assert login(world, client_secret="legacy").status_code == 200
        assert login(world, client_secret=value).status_code == 200

    def test_client_credentials_with_a_secret(self, world, admin_token):
        m.ApiClient.objects.filter(oc_id="admin-client").update(default_context_user_name="admin")
        value = create_secret(world, admin_token)["ClientSecret"]
        assert_oauth_error(world.token_response(grant_type="client_credentials", client_id="admin-client"), "InvalidGrant")
        response = world.token_response(grant_type="client_credentials", client_id="admin-client", client_secret=value)
        assert response.status_code == 200, response.content
        assert claims(response.json()["access_token"])["usr"] == "admin"

    def test_an_anonymous_buyer_client_with_a_secret_gives_no_anonymous_tokens(self, world, admin_token, shopper):
        m.ApiClient.objects.filter(oc_id="buyer-client").update(default_context_user_name="shopper", is_anon_buyer=True)
        anonymous = world.token_response(grant_type="client_credentials", client_id="buyer-client")
        assert claims(anonymous.json()["access_token"]).get("orderid")  # before: Auth.Anonymous works
        value = world.call("post", "/v1/apiclients/buyer-client/secrets", admin_token, {"Name": "x"}).json()["ClientSecret"]
        assert_oauth_error(world.token_response(grant_type="client_credentials", client_id="buyer-client"), "InvalidGrant")
        response = world.token_response(grant_type="client_credentials", client_id="buyer-client", client_secret=value)
        assert response.status_code == 200, response.content
        assert "orderid" not in claims(response.json()["access_token"])

    def test_a_secret_of_another_client_does_not_work(self, world, admin_token):
        other = world.call("post", "/v1/apiclients", admin_token, {"AppName": "Other", "AccessTokenDuration": 600}).json()
        theirs = world.call("post", f"/v1/apiclients/{other['ID']}/secrets", admin_token, {"Name": "x"}).json()
        create_secret(world, admin_token)
        assert_oauth_error(login(world, client_secret=theirs["ClientSecret"]), "InvalidGrant")


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: SQLite has no row locks (select_for_update) and one writer at a time",
)
def test_twenty_concurrent_creates_make_exactly_ten_secrets():
    """The limit is counted under a lock on the client row: racing creates cannot pass it."""
    world = core_world()
    token = world.admin_token()
    barrier = threading.Barrier(20)
    statuses, errors = [], []

    def worker(n: int):
        try:
            barrier.wait()
            statuses.append(world.call("post", SECRETS, token, {"Name": f"racer-{n}"}).status_code)
        except Exception as exc:  # noqa: BLE001 - the test reports every failure
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(statuses) == [201] * 10 + [400] * 10
    assert m.ApiClientSecret.objects.filter(api_client_id="admin-client").count() == 10
