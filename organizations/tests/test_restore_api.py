"""Portal API: GET/PUT/DELETE /organizations/{id}/stagingrestorewebhook, POST …/test, and
/organizations/{id}/stagingrestores (start a restore, follow it)."""

import pytest

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD
from organizations import services_restore as sr
from organizations.models import RestoreWebhookDelivery, StagingRestore
from tests.portal_api import PortalApi, error_codes, error_messages
from tests.stack.restore_receiver import Reassign, RestoreReceiver

HOOK = "/organizations/acme/stagingrestorewebhook"
RESTORES = "/organizations/acme/stagingrestores"


@pytest.fixture
def api(client, admin_user):
    return PortalApi(client, admin_user)


class TestStagingRestoreWebhookApi:
    def test_an_admin_puts_gets_and_deletes_the_webhook(self, staging_org, api):
        assert api.get(HOOK).status_code == 404
        response = api.put(HOOK, {"URL": "https://hooks.example.com/restored", "HashKey": "k-1"})
        assert response.status_code == 200, response.json()
        assert response.json() == {"URL": "https://hooks.example.com/restored", "HashKey": "k-1"}
        assert api.get(HOOK).json() == {"URL": "https://hooks.example.com/restored", "HashKey": "k-1"}
        assert api.get(HOOK, environment="Staging").status_code == 200
        assert api.delete(HOOK).status_code == 204
        missing = api.get(HOOK)
        assert missing.status_code == 404 and error_codes(missing) == ["NotFound"]

    def test_the_url_is_required(self, staging_org, api):
        for body in ({"HashKey": "k"}, {"URL": "", "HashKey": "k"}, {"URL": "not a url"}):
            response = api.put(HOOK, body)
            assert response.status_code == 400, body
            assert error_codes(response) == ["InvalidRequest"]
        assert error_messages(api.put(HOOK, {"HashKey": "k"})) == [sr.ERR_WEBHOOK_URL_REQUIRED]

    def test_production_settings_refuse_private_addresses(self, staging_org, api, settings):
        settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = False
        response = api.put(HOOK, {"URL": "http://169.254.169.254/latest", "HashKey": "k"})
        assert response.status_code == 400
        assert "private, loopback or link-local" in error_messages(response)[0]

    def test_only_for_staging_organizations(self, production_org, org, owner, client):
        api = PortalApi(client, owner)
        for path, env in ((HOOK, "Production"), ("/organizations/acme-sbx/stagingrestorewebhook", None)):
            query = {"environment": env} if env else {}
            response = api.get(path, **query)
            assert response.status_code == 400, response.json()
            assert error_messages(response) == [sr.ERR_RESTORE_STAGING_ONLY]
        assert api.put("/organizations/acme-sbx/stagingrestorewebhook", {"URL": "https://h.example.com"}).status_code == 400

    @pytest.mark.parametrize("actor, expected", [("owner", 200), ("admin_user", 200), ("member", 403),
                                                 ("outsider", 404), ("invited", 404)])
    def test_permissions(self, staging_org, request, client, actor, expected):
        user = request.getfixturevalue(actor)
        api = PortalApi(client, user)
        put = api.put(HOOK, {"URL": "https://hooks.example.com/r", "HashKey": "k"})
        assert put.status_code == expected, put.json()
        assert api.get(HOOK).status_code == expected
        assert api.get(HOOK + "/deliveries").status_code == expected
        assert api.post(HOOK + "/test").status_code == (202 if expected == 200 else expected)
        assert api.delete(HOOK).status_code == (204 if expected == 200 else expected)
        assert api.post(RESTORES).status_code == (202 if expected == 200 else expected)

    def test_anonymous_callers_are_unauthorized(self, staging_org, client):
        assert PortalApi(client).get(HOOK).status_code == 401

    def test_the_test_operation_posts_a_signed_test_payload(self, staging_org, api, django_capture_on_commit_callbacks):
        with RestoreReceiver(hash_key="abc") as receiver:
            api.put(HOOK, {"URL": receiver.url, "HashKey": "abc"})
            with django_capture_on_commit_callbacks(execute=True):
                answer = api.post(HOOK + "/test")
        assert answer.status_code == 202
        (got,) = receiver.received
        assert got["headers"]["X-Portal-Delivery"] == got["payload"]["DeliveryID"] == answer.json()["DeliveryID"]
        assert got["signature_ok"] and got["payload"]["Test"] is True
        assert got["payload"]["OrganizationID"] == "acme" and got["payload"]["Environment"] == "Staging"

    def test_an_integration_reads_the_delivery_log_through_the_api(self, staging_org, api,
                                                                      django_capture_on_commit_callbacks):
        """What the tab shows (every attempt, its status and error) without the browser."""
        with RestoreReceiver(hash_key="abc", statuses=[503]) as receiver:
            api.put(HOOK, {"URL": receiver.url.replace("http://", "http://bob:pw@"), "HashKey": "abc"})
            with django_capture_on_commit_callbacks(execute=True):
                test = api.post(HOOK + "/test")
        assert test.status_code == 202
        response = api.get(HOOK + "/deliveries")
        assert response.status_code == 200
        body = response.json()
        assert body["Meta"]["TotalCount"] == 2
        second, first = body["Items"]  # newest first
        assert (first["Attempt"], first["StatusCode"], second["Attempt"], second["StatusCode"]) == (1, 503, 2, 200)
        assert (first["Final"], second["Final"]) == (False, True)  # a 503 is tried again; a 200 ends it
        # the test's answer names the delivery, so its attempts can be found in the log
        assert first["DeliveryID"] == second["DeliveryID"] == test.json()["DeliveryID"]
        assert first["Test"] is True and first["RestoreID"] is None
        assert first["Error"].startswith("HTTP 503") and second["Error"] is None
        assert "bob:pw" not in first["URL"] and "***@127.0.0.1" in first["URL"]

    def test_testing_without_a_webhook_is_not_found(self, staging_org, api):
        for response in (api.post(HOOK + "/test"), api.delete(HOOK), api.get(HOOK)):
            assert response.status_code == 404 and error_messages(response) == ["StagingRestoreWebhook acme not found"]
            assert response.json()["Errors"][0]["Data"] == {"ObjectType": "StagingRestoreWebhook", "ObjectID": "acme"}
        unknown = api.get(f"{RESTORES}/999999")
        assert error_messages(unknown) == ["StagingRestore 999999 not found"]


class TestStagingRestoreApi:
    def test_an_admin_starts_a_restore_and_reads_its_report(self, staging_org, api, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            started = api.post(RESTORES)
        assert started.status_code == 202, started.json()
        run_id = started.json()["ID"]
        body = api.get(f"{RESTORES}/{run_id}").json()
        assert body["Status"] == "Succeeded" and body["Trigger"] == "Manual" and body["RequestedBy"] == "adam"
        assert body["PercentDone"] == 100 and body["TablesDone"] == body["TablesTotal"] > 10
        report = {t["Resource"]: t for t in body["Report"]}
        assert report["Product"]["RowsCopied"] == 5 and report["Product"]["Label"] == "Products"
        assert body["RowsCopied"] == sum(t["RowsCopied"] for t in body["Report"])
        listing = api.get(RESTORES).json()
        assert [r["ID"] for r in listing["Items"]] == [run_id] and listing["Meta"]["TotalCount"] == 1

    def test_a_second_restore_while_one_is_queued_is_a_conflict(self, staging_org, api):
        StagingRestore.objects.create(organization=staging_org)
        response = api.post(RESTORES)
        assert response.status_code == 409
        assert error_codes(response) == ["RestoreRunning"] and error_messages(response) == [sr.ERR_RESTORE_RUNNING]

    def test_an_unknown_restore_is_not_found(self, staging_org, api):
        assert api.get(f"{RESTORES}/99999").status_code == 404
        assert api.get(f"{RESTORES}/abc").status_code == 404

    def test_another_organizations_restore_is_not_found(self, staging_org, api, outsider, client):
        run = StagingRestore.objects.create(organization=staging_org, status="succeeded")
        assert PortalApi(client, outsider).get(f"{RESTORES}/{run.pk}").status_code == 404

    def test_a_remote_environment_gets_a_clear_message(self, staging_org, api, settings):
        settings.PORTAL_ENVIRONMENTS = {
            **settings.PORTAL_ENVIRONMENTS,
            "Staging": {"slug": "staging", "regions": {"usw": "https://staging.ordercloud.example.com"}},
        }
        response = api.post(RESTORES)
        assert response.status_code == 400
        assert "only restore built-in environments" in error_messages(response)[0]


@pytest.mark.django_db(transaction=True)
def test_after_a_restore_an_integration_verifies_the_signature_and_reassigns_its_webhook(
    staging_org, admin_user, live_server, client
):
    """The whole loop with a real receiver: the restore disables the Staging webhook (empty
    ApiClientIDs); the receiver checks X-oc-hash, signs in to the Staging core API with a password
    grant and PATCHes the webhook's ApiClientIDs back with its Staging Url and HashKey, as an integration would."""
    api = PortalApi(client, admin_user)
    reassign = Reassign(core_base_url=f"{live_server.url}/core/staging", webhook_id="order-hook",
                        api_client_ids=["admin-client"], client_id="admin-client", username="admin",
                        password=DEFAULT_CORE_PASSWORD, url="https://staging-integration.example.com/orders",
                        hash_key="staging-hook-key")
    with RestoreReceiver(hash_key="integration-key", reassign=reassign) as receiver:
        assert api.put(HOOK, {"URL": receiver.url, "HashKey": "integration-key"}).status_code == 200
        response = api.post(RESTORES)
        assert response.status_code == 202, response.json()
        assert receiver.done.wait(30), "the restore webhook never arrived"

    assert receiver.errors == []
    (got,) = receiver.received
    assert got["signature_ok"] and got["payload"]["Test"] is False
    assert receiver.reassigned[0]["ApiClientIDs"] == ["admin-client"]
    staging = m.Marketplace.objects.get(environment="staging", marketplace_id="acme")
    hook = m.Webhook.objects.get(marketplace=staging, oc_id="order-hook")
    assert hook.api_client_ids == ["admin-client"] and hook.name == "prod hook"  # production's, re-assigned
    # pointed at Staging's endpoint (the copy kept Production's Url and HashKey)
    assert (hook.url, hook.hash_key) == ("https://staging-integration.example.com/orders", "staging-hook-key")
    assert RestoreWebhookDelivery.objects.get().status_code == 200
