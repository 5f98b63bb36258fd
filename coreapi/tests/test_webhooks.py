"""Webhooks fire: matching (route + verb + API client), the signed OrderCloud payload, delivery
after commit only, retries with backoff and the delivery log.

The receiver is a real HTTP server on 127.0.0.1 that checks `X-oc-hash` the way
@ordercloud/catalyst does (base64 HMAC-SHA256 of the raw body with the HashKey).
Celery runs eagerly in tests, so a delivery (and its retries) has happened when the write's
transaction has committed.
"""

import base64
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from coreapi.models import Webhook, WebhookDelivery
from coreapi.webhooks import WEBHOOK_MAX_ATTEMPTS, WebhookWrite, webhook_retry_delay, webhooks_fire
from coreapi.testing import core_world

HASH_KEY = "receiver-shared-secret"


class Receiver:
    """Records each POST; answers with the next status of `statuses` and the next body of
    `answers` (the last one of each repeats)."""

    def __init__(self):
        self.calls: list[dict] = []
        self.statuses = [200]
        self.answers = [b"ok"]
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                expected = base64.b64encode(hmac.new(HASH_KEY.encode(), raw, hashlib.sha256).digest()).decode()
                with receiver.lock:
                    status = receiver.statuses[min(len(receiver.calls), len(receiver.statuses) - 1)]
                    answer = receiver.answers[min(len(receiver.calls), len(receiver.answers) - 1)]
                    receiver.calls.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": json.loads(raw),
                            "signature_ok": hmac.compare_digest(self.headers.get("X-oc-hash", ""), expected),
                        }
                    )
                if not receiver.calls[-1]["signature_ok"]:
                    status = 401  # what catalyst answers to a bad signature
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/oc"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def webhook_create(world, url, *, routes, client_ids=None, **extra) -> Webhook:
    return Webhook.objects.create(
        marketplace=world.marketplace,
        oc_id=extra.pop("oc_id", "product-sync"),
        name=extra.pop("name", "Product sync"),
        url=url,
        hash_key=HASH_KEY,
        config_data={"warehouse": "north"},
        api_client_ids=client_ids if client_ids is not None else [world.client_id],
        webhook_routes=routes,
        **extra,
    )


def fire(world, **overrides):
    kwargs = {
        "marketplace": world.marketplace,
        "route": "v1/products/{productID}",
        "verb": "PATCH",
        "route_params": {"productID": "p1"},
        "client_id": world.client_id,
        "request_body": {"Name": "New name"},
        "token_claims": None,
        "user_token": "the-callers-token",
        "log_id": "log-123",
    }
    response_body = overrides.pop("response_body", {"ID": "p1", "Name": "New name"})
    kwargs.update(overrides)
    return webhooks_fire(WebhookWrite(**kwargs), response_body=response_body)


class TestWebhooksFireThroughTheApi:
    def test_write_with_a_token_of_an_assigned_client_delivers_the_signed_payload(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}])
        token = world.admin_token()

        with django_capture_on_commit_callbacks(execute=True):
            response = world.call("post", "/v1/products", token, {"ID": "hook-1", "Name": "Hooked"})

        assert response.status_code == 201, response.content
        assert len(receiver.calls) == 1
        call = receiver.calls[0]
        assert call["signature_ok"]
        assert call["path"] == "/hooks/oc"
        payload = call["body"]
        assert payload["Route"] == "v1/products"
        assert payload["Verb"] == "POST"
        assert payload["RouteParams"] == {}
        assert payload["Request"]["Body"]["Name"] == "Hooked"
        assert payload["Response"]["Body"]["ID"] == "hook-1"
        assert payload["ConfigData"] == {"warehouse": "north"}
        assert payload["UserToken"] == token
        assert payload["LogID"] == response.headers["X-oc-logid"]
        assert payload["Date"].endswith("Z")
        delivery = WebhookDelivery.objects.get()
        assert (delivery.webhook_oc_id, delivery.status_code, delivery.attempt, delivery.error) == (
            "product-sync",
            200,
            1,
            "",
        )
        assert delivery.verb == "POST" and delivery.route == "v1/products"
        # the log keeps the payload but not the bearer token
        assert delivery.payload["UserToken"] == "(redacted)" and token not in json.dumps(delivery.payload)
        assert delivery.payload["Response"]["Body"]["ID"] == "hook-1"

    def test_passwords_and_client_secrets_are_neither_sent_nor_logged(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        webhook_create(world, receiver.url, routes=[
            {"Route": "v1/adminusers", "Verb": "POST"}, {"Route": "v1/me", "Verb": "PATCH"},
            {"Route": "v1/apiclients", "Verb": "POST"}])  # fmt: skip
        token = world.admin_token()
        with django_capture_on_commit_callbacks(execute=True):
            created = world.call("post", "/v1/adminusers", token, {
                "ID": "hooked", "Username": "hooked", "FirstName": "H", "LastName": "K", "Email": "h@example.com",
                "Active": True, "Password": "Hook-user-pass-1!"})  # fmt: skip
            patched = world.call("patch", "/v1/me", token, {"Password": "Qa-admin-pass-2!", "FirstName": "Ann"})
            client = world.call("post", "/v1/apiclients", token, {"ID": "hooked-app", "AppName": "Hooked", "AccessTokenDuration": 600,
                                                                  "ClientSecret": "client-secret-xyz"})  # fmt: skip
        assert (created.status_code, patched.status_code, client.status_code) == (201, 200, 201), client.content
        sent = [json.dumps(c["body"]) for c in receiver.calls]
        logged = [json.dumps(d.payload) for d in WebhookDelivery.objects.all()]
        assert len(sent) == len(logged) == 3
        for text in sent + logged:
            assert "Hook-user-pass-1!" not in text and "Qa-admin-pass-2!" not in text and "client-secret-xyz" not in text
        bodies = {c["body"]["Route"]: c["body"] for c in receiver.calls}
        assert bodies["v1/adminusers"]["Request"]["Body"]["Username"] == "hooked"  # the rest is sent
        assert bodies["v1/me"]["Request"]["Body"] == {"FirstName": "Ann"}
        assert bodies["v1/apiclients"]["Response"]["Body"]["AppName"] == "Hooked"
        assert all(c["signature_ok"] for c in receiver.calls)

    def test_webhook_created_through_the_api_fires(self, world, receiver, django_capture_on_commit_callbacks):
        token = world.admin_token()
        created = world.call(
            "post",
            "/v1/webhooks",
            token,
            {
                "ID": "via-api",
                "Name": "Via the API",
                "Url": receiver.url,
                "HashKey": HASH_KEY,
                "ApiClientIDs": [world.client_id],
                "WebhookRoutes": [{"Route": "v1/products", "Verb": "POST"}],
            },
        )
        assert created.status_code == 201, created.content
        assert created.json()["ApiClientIDs"] == [world.client_id]

        with django_capture_on_commit_callbacks(execute=True):
            assert world.call("post", "/v1/products", token, {"ID": "api-hook", "Name": "x"}).status_code == 201

        assert [c["body"]["Response"]["Body"]["ID"] for c in receiver.calls] == ["api-hook"]
        assert receiver.calls[0]["signature_ok"]

    def test_route_params_are_sent_for_a_patch(self, world, receiver, django_capture_on_commit_callbacks):
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])
        token = world.admin_token()
        assert world.call("post", "/v1/products", token, {"ID": "hook-2", "Name": "Before"}).status_code == 201

        with django_capture_on_commit_callbacks(execute=True):
            response = world.call("patch", "/v1/products/hook-2", token, {"Name": "After"})

        assert response.status_code == 200, response.content
        assert [c["body"]["RouteParams"] for c in receiver.calls] == [{"productID": "hook-2"}]
        assert receiver.calls[0]["body"]["Response"]["Body"]["Name"] == "After"

    def test_generating_variants_fires_its_route(self, world, receiver, django_capture_on_commit_callbacks):
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}/variants/generate", "Verb": "POST"}])
        token = world.admin_token()
        assert world.call("post", "/v1/products", token, {"ID": "hook-3", "Name": "Shirt"}).status_code == 201

        with django_capture_on_commit_callbacks(execute=True):
            response = world.call("post", "/v1/products/hook-3/variants/generate?overwriteExisting=true", token,
                                  {"Active": True})  # fmt: skip

        assert response.status_code == 201, response.content
        assert [c["body"]["RouteParams"] for c in receiver.calls] == [{"productID": "hook-3"}]
        assert receiver.calls[0]["body"]["Request"]["Body"] == {"Active": True}
        assert receiver.calls[0]["body"]["Response"]["Body"]["VariantCount"] == 0

    def test_token_of_a_client_not_in_api_client_ids_delivers_nothing(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        webhook_create(
            world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}], client_ids=["SOME-OTHER-CLIENT"]
        )
        token = world.admin_token()

        with django_capture_on_commit_callbacks(execute=True):
            response = world.call("post", "/v1/products", token, {"ID": "quiet-1", "Name": "Quiet"})

        assert response.status_code == 201
        assert receiver.calls == []
        assert not WebhookDelivery.objects.exists()

    def test_writes_on_other_routes_or_verbs_deliver_nothing(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])
        token = world.admin_token()

        with django_capture_on_commit_callbacks(execute=True):
            assert world.call("post", "/v1/products", token, {"ID": "q-2", "Name": "Quiet"}).status_code == 201
            assert world.call("put", "/v1/products/q-2", token, {"ID": "q-2", "Name": "Still"}).status_code == 200
            assert world.call("delete", "/v1/products/q-2", token).status_code == 204

        assert receiver.calls == []

    def test_failed_write_delivers_nothing(self, world, receiver, django_capture_on_commit_callbacks):
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])
        token = world.admin_token()

        with django_capture_on_commit_callbacks(execute=True):
            response = world.call("patch", "/v1/products/missing", token, {"Name": "x"})

        assert response.status_code == 404
        assert receiver.calls == []


class TestWebhookMatching:
    def test_route_and_verb_match_without_regard_to_case_or_leading_slash(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        webhook_create(world, receiver.url, routes=[{"Route": "/V1/Products/{productID}", "Verb": "patch"}])

        with django_capture_on_commit_callbacks(execute=True):
            assert fire(world) == 1

        assert len(receiver.calls) == 1

    def test_only_the_webhooks_of_the_writing_marketplace_fire(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        other = core_world(marketplace_id="mkt-two", client_id="other-client")
        webhook_create(other, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}], client_ids=[world.client_id])

        with django_capture_on_commit_callbacks(execute=True):
            assert fire(world) == 0

        assert receiver.calls == []

    def test_pre_hooks_are_not_sent_as_post_hooks(self, world, receiver, django_capture_on_commit_callbacks):
        webhook_create(
            world,
            receiver.url,
            routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}],
            before_process_request=True,
        )

        with django_capture_on_commit_callbacks(execute=True):
            assert fire(world) == 0

        assert receiver.calls == []

    def test_custom_auth_header_is_sent(self, world, receiver, django_capture_on_commit_callbacks):
        webhook_create(
            world,
            receiver.url,
            routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}],
            custom_auth_header_name="X-Api-Key",
            custom_auth_header_value="k-123",
        )

        with django_capture_on_commit_callbacks(execute=True):
            fire(world)

        assert receiver.calls[0]["headers"]["X-Api-Key"] == "k-123"
        assert receiver.calls[0]["signature_ok"]


class TestDeliveryAfterCommit:
    def test_rolled_back_write_delivers_nothing(self, world, receiver, django_capture_on_commit_callbacks):
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                assert fire(world) == 1
                raise RuntimeError("the write failed after the hook was registered")

        assert callbacks == []
        assert receiver.calls == []
        assert not WebhookDelivery.objects.exists()

    def test_nothing_is_sent_before_commit(self, world, receiver, django_capture_on_commit_callbacks):
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])

        with django_capture_on_commit_callbacks(execute=True):
            fire(world)
            assert receiver.calls == []

        assert len(receiver.calls) == 1


class TestRetries:
    def test_server_errors_are_retried_until_success_and_every_attempt_is_logged(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        receiver.statuses = [503, 500, 200]
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])

        with django_capture_on_commit_callbacks(execute=True):
            fire(world)

        assert len(receiver.calls) == 3
        assert len({json.dumps(c["body"], sort_keys=True) for c in receiver.calls}) == 1  # same payload, same LogID
        log = list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code"))
        assert log == [(1, 503), (2, 500), (3, 200)]
        assert all(d.latency_ms is not None and d.latency_ms >= 0 for d in WebhookDelivery.objects.all())
        assert WebhookDelivery.objects.get(attempt=1).error.startswith("HTTP 503")

    def test_a_receiver_that_keeps_failing_gets_five_attempts(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        receiver.statuses = [502]
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])

        with django_capture_on_commit_callbacks(execute=True):
            fire(world)

        assert len(receiver.calls) == WEBHOOK_MAX_ATTEMPTS == 5
        assert list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", flat=True)) == [1, 2, 3, 4, 5]

    def test_client_errors_are_not_retried(self, world, receiver, django_capture_on_commit_callbacks):
        receiver.statuses = [400]
        webhook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])

        with django_capture_on_commit_callbacks(execute=True):
            fire(world)

        assert len(receiver.calls) == 1
        assert list(WebhookDelivery.objects.values_list("status_code", flat=True)) == [400]

    def test_unreachable_receiver_is_retried_and_the_error_logged(self, world, django_capture_on_commit_callbacks):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            dead_url = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
        webhook_create(world, dead_url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])

        with django_capture_on_commit_callbacks(execute=True):
            fire(world)

        deliveries = list(WebhookDelivery.objects.order_by("attempt"))
        assert [d.attempt for d in deliveries] == [1, 2, 3, 4, 5]
        assert all(d.status_code is None and "ConnectionError" in d.error for d in deliveries)

    def test_the_worker_log_names_the_receiver_without_its_credentials(
        self, world, receiver, django_capture_on_commit_callbacks, caplog
    ):
        receiver.statuses = [400]
        url = receiver.url.replace("http://", "http://hookuser:s3cret-pass@")
        webhook_create(world, url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])

        with caplog.at_level("WARNING", logger="coreapi.tasks"), django_capture_on_commit_callbacks(execute=True):
            fire(world)

        assert len(receiver.calls) == 1
        failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
        assert failed and all("***@127.0.0.1" in m and "s3cret-pass" not in m and "hookuser" not in m for m in failed)

    def test_backoff_doubles_between_attempts(self):
        assert [webhook_retry_delay(attempt=n) for n in range(1, WEBHOOK_MAX_ATTEMPTS)] == [10, 20, 40, 80]


class TestSsrfGuard:
    """Any organization's admins set webhook URLs: with COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS off
    (production) the worker never POSTs to the portal's own network (portal.common.outbound)."""

    ROUTES = [{"Route": "v1/products/{productID}", "Verb": "PATCH"}]

    def test_a_private_address_is_refused_logged_and_not_retried(
        self, world, receiver, settings, django_capture_on_commit_callbacks
    ):
        settings.COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS = False
        webhook_create(world, receiver.url, routes=self.ROUTES)
        with django_capture_on_commit_callbacks(execute=True):
            fire(world)
        assert receiver.calls == []
        (delivery,) = WebhookDelivery.objects.all()
        assert delivery.status_code is None and delivery.attempt == 1
        assert delivery.error.startswith("Refused:") and "127.0.0.1" in delivery.error

    @pytest.mark.parametrize("host", ["localhost", "169.254.169.254", "[::1]", "10.1.2.3", "0.0.0.0",
                                      "100.100.100.200", "100.64.0.1", "[2002:a9fe:a9fe::1]"])
    def test_internal_hosts_are_refused(self, world, settings, host, django_capture_on_commit_callbacks):
        settings.COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS = False
        webhook_create(world, f"http://{host}:6379/x", routes=self.ROUTES)
        with django_capture_on_commit_callbacks(execute=True):
            fire(world)
        (delivery,) = WebhookDelivery.objects.all()
        assert delivery.error.startswith("Refused:"), delivery.error

    def test_the_post_goes_to_the_checked_address_with_one_lookup(
        self, world, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
    ):
        from portal.common import outbound

        port = receiver.server.server_address[1]
        lookups = []
        real_getaddrinfo = socket.getaddrinfo

        def rebinding_dns(host, *args, **kwargs):
            if host[0].isdigit():  # an address literal: the connection itself, no DNS
                return real_getaddrinfo(host, *args, **kwargs)
            lookups.append(host)  # first answer: the receiver (taken as public); later: private
            address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0))]

        monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
        monkeypatch.setattr(outbound, "address_blocked", lambda a: str(a) != "127.0.0.1")
        settings.COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS = False
        webhook_create(world, f"http://hooks.example.test:{port}/hooks/oc", routes=self.ROUTES)
        with django_capture_on_commit_callbacks(execute=True):
            fire(world)
        assert lookups == ["hooks.example.test"]
        (call,) = receiver.calls
        assert call["signature_ok"] and call["headers"]["Host"] == f"hooks.example.test:{port}"
        assert WebhookDelivery.objects.get().status_code == 200

    def test_an_unresolvable_host_is_logged_and_retried_like_a_network_error(
        self, world, settings, django_capture_on_commit_callbacks
    ):
        settings.COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS = False
        webhook_create(world, "http://no-such-host.invalid/x", routes=self.ROUTES)
        with django_capture_on_commit_callbacks(execute=True):
            fire(world)
        deliveries = list(WebhookDelivery.objects.order_by("attempt"))
        assert [d.attempt for d in deliveries] == [1, 2, 3, 4, 5]
        assert all("could not be resolved" in d.error for d in deliveries)


def prehook_create(world, url, *, routes, oc_id="address-check", name="Address check", **extra) -> Webhook:
    return webhook_create(world, url, routes=routes, oc_id=oc_id, name=name, before_process_request=True, **extra)


PROCEED = json.dumps({"proceed": True}).encode()
BLOCK = json.dumps({"proceed": False, "body": {"SuggestedAddresses": [{"Street1": "1 Main St"}]}}).encode()


class TestPreHooks:
    """BeforeProcessRequest webhooks: asked before the write, and a `proceed: false` stops it."""

    def test_a_pre_hook_that_proceeds_sees_the_request_before_the_write_and_the_write_is_made(self, world, receiver):
        prehook_create(world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}])
        receiver.answers = [PROCEED]
        token = world.admin_token()

        response = world.call("post", "/v1/products?tag=new", token, {"ID": "pre-1", "Name": "Checked"})

        assert response.status_code == 201, response.content
        assert len(receiver.calls) == 1
        call = receiver.calls[0]
        assert call["signature_ok"]
        payload = call["body"]
        assert (payload["Route"], payload["Verb"]) == ("v1/products", "POST")
        assert payload["Request"]["Body"] == {"ID": "pre-1", "Name": "Checked"}
        assert payload["Response"]["Body"] is None  # nothing has been written yet
        assert payload["QueryParams"] == {"tag": "new"}
        assert payload["UserToken"] == token
        assert payload["LogID"] == response.headers["X-oc-logid"]
        assert world.call("get", "/v1/products/pre-1", token).status_code == 200
        delivery = WebhookDelivery.objects.get()
        assert (delivery.webhook_oc_id, delivery.status_code, delivery.error) == ("address-check", 200, "")
        assert delivery.pre_hook and delivery.payload["UserToken"] == "(redacted)"

    def test_proceed_false_refuses_the_write_with_the_hooks_body_and_no_post_hook_fires(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        route = [{"Route": "v1/products", "Verb": "POST"}]
        prehook_create(world, receiver.url, routes=route)
        webhook_create(world, receiver.url, routes=route, oc_id="after")
        receiver.answers = [BLOCK]
        token = world.admin_token()

        with django_capture_on_commit_callbacks(execute=True):
            response = world.call("post", "/v1/products", token, {"ID": "pre-2", "Name": "Refused"})

        assert response.status_code == 400
        assert response.json() == {
            "Errors": [
                {
                    "ErrorCode": "blocked by web hook",
                    "Message": "The request was blocked by the pre-hook webhook 'Address check'.",
                    "Data": {"WebhookName": "Address check", "Body": {"SuggestedAddresses": [{"Street1": "1 Main St"}]}},
                }
            ]
        }
        assert world.call("get", "/v1/products/pre-2", token).status_code == 404
        assert len(receiver.calls) == 1  # the pre-hook only: nothing was written, so no post-hook
        assert WebhookDelivery.objects.get().error == "proceed: false"

    @pytest.mark.parametrize(
        ("status", "answer", "reason"),
        [
            (500, b"boom: /srv/app/secret.py line 3", "HTTP 500 Internal Server Error"),  # no body to the caller
            (200, b"<html>ok</html>", "the answer is not JSON"),
            (200, b'{"body": "missing verdict"}', 'the answer has no boolean "proceed"'),
            (200, b'{"proceed": "yes"}', 'the answer has no boolean "proceed"'),
        ],
    )
    def test_a_pre_hook_without_a_valid_answer_refuses_the_write(self, world, receiver, status, answer, reason):
        prehook_create(world, receiver.url, routes=[{"Route": "v1/products/{productID}", "Verb": "PATCH"}])
        token = world.admin_token()
        assert world.call("post", "/v1/products", token, {"ID": "pre-3", "Name": "Before"}).status_code == 201
        receiver.statuses, receiver.answers = [status], [answer]

        response = world.call("patch", "/v1/products/pre-3", token, {"Name": "After"})

        assert response.status_code == 400
        error = response.json()["Errors"][0]
        assert error["ErrorCode"] == "blocked by web hook"
        assert error["Message"] == (
            f"The pre-hook webhook 'Address check' gave no valid answer ({reason}), so the request was not processed."
        )
        assert error["Data"] == {"WebhookName": "Address check", "Body": None}
        assert world.call("get", "/v1/products/pre-3", token).json()["Name"] == "Before"
        if status != 200:  # nor is the receiver's body kept in the delivery log
            assert WebhookDelivery.objects.get().error == "HTTP 500 Internal Server Error"

    def test_an_unreachable_pre_hook_refuses_the_write(self, world):
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        prehook_create(world, f"http://127.0.0.1:{port}/hook", routes=[{"Route": "v1/products", "Verb": "POST"}])
        token = world.admin_token()

        response = world.call("post", "/v1/products", token, {"ID": "pre-4", "Name": "Nobody listens"})

        assert response.status_code == 400
        assert "ConnectionError" in response.json()["Errors"][0]["Message"]
        assert world.call("get", "/v1/products/pre-4", token).status_code == 404

    def test_a_delete_refused_by_a_pre_hook_keeps_the_object(self, world, receiver):
        prehook_create(world, receiver.url, routes=[{"Route": "v1/buyers/{buyerID}", "Verb": "DELETE"}])
        token = world.admin_token()
        assert world.call("post", "/v1/buyers", token, {"ID": "keep-me", "Name": "Kept"}).status_code == 201
        receiver.answers = [json.dumps({"proceed": False, "body": "Buyers with orders cannot be deleted"}).encode()]

        response = world.call("delete", "/v1/buyers/keep-me", token)

        assert response.status_code == 400
        assert response.json()["Errors"][0]["Data"]["Body"] == "Buyers with orders cannot be deleted"
        assert receiver.calls[0]["body"]["RouteParams"] == {"buyerID": "keep-me"}
        assert world.call("get", "/v1/buyers/keep-me", token).status_code == 200

    def test_assignments_and_me_writes_ask_their_pre_hooks_too(self, world, receiver):
        from coreapi.testing import core_buyer

        core_buyer(world)
        prehook_create(
            world,
            receiver.url,
            routes=[{"Route": "v1/catalogs/assignments", "Verb": "POST"}, {"Route": "v1/me", "Verb": "PATCH"}],
            client_ids=[world.client_id, "buyer-client"],
        )
        receiver.answers = [BLOCK]
        admin = world.admin_token()
        assert world.call("post", "/v1/catalogs", admin, {"ID": "cat", "Name": "Catalog", "Active": True}).status_code == 201
        shopper = world.token(username="shopper", client_id="buyer-client")

        assigned = world.call("post", "/v1/catalogs/assignments", admin, {"CatalogID": "cat", "BuyerID": "buyer-1"})
        renamed = world.call("patch", "/v1/me", shopper, {"FirstName": "Renamed"})

        assert (assigned.status_code, renamed.status_code) == (400, 400)
        assert [c["body"]["Route"] for c in receiver.calls] == ["v1/catalogs/assignments", "v1/me"]
        assert world.call("get", "/v1/catalogs/assignments", admin).json()["Items"] == []
        assert world.call("get", "/v1/me", shopper).json()["FirstName"] == "Test"

    def test_pre_hooks_are_asked_in_id_order_and_the_first_no_stops_the_rest(self, world, receiver):
        route = [{"Route": "v1/products", "Verb": "POST"}]
        prehook_create(world, receiver.url, routes=route, oc_id="b-second", name="Second")
        prehook_create(world, receiver.url, routes=route, oc_id="a-first", name="First")
        prehook_create(world, receiver.url, routes=route, oc_id="c-third", name="Third")
        receiver.answers = [PROCEED, BLOCK]
        token = world.admin_token()

        response = world.call("post", "/v1/products", token, {"ID": "pre-5", "Name": "Twice checked"})

        assert response.json()["Errors"][0]["Data"]["WebhookName"] == "Second"
        assert list(WebhookDelivery.objects.order_by("pk").values_list("webhook_oc_id", flat=True)) == [
            "a-first",
            "b-second",
        ]

    def test_a_caller_without_the_roles_is_refused_before_any_pre_hook_is_asked(self, world, receiver):
        prehook_create(world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}])
        reader = world.admin_token(scope="ProductReader")

        response = world.call("post", "/v1/products", reader, {"ID": "pre-6", "Name": "Not allowed"})

        assert response.status_code == 403
        assert receiver.calls == []

    def test_pre_hooks_of_other_clients_or_routes_are_not_asked(self, world, receiver):
        prehook_create(world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}], client_ids=["other"])
        prehook_create(world, receiver.url, routes=[{"Route": "v1/buyers", "Verb": "POST"}], oc_id="buyers-only")
        receiver.answers = [BLOCK]
        token = world.admin_token()

        response = world.call("post", "/v1/products", token, {"ID": "pre-7", "Name": "Unchecked"})

        assert response.status_code == 201
        assert receiver.calls == []

    def test_an_oversized_answer_is_not_read_and_counts_as_no_answer(self, world, receiver):
        from coreapi.webhooks import WEBHOOK_MAX_ANSWER_BYTES

        prehook_create(world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}])
        receiver.answers = [b'{"proceed": true, "body": "' + b"x" * WEBHOOK_MAX_ANSWER_BYTES + b'"}']
        token = world.admin_token()

        response = world.call("post", "/v1/products", token, {"ID": "pre-8", "Name": "Big answer"})

        assert response.status_code == 400
        assert "the answer is not JSON" in response.json()["Errors"][0]["Message"]


class TestElevatedRoles:
    """ElevatedRoles: the UserToken sent to the webhook carries those roles on top of the caller's."""

    def test_the_user_token_of_a_webhook_with_elevated_roles_can_do_what_the_caller_cannot(
        self, world, receiver, django_capture_on_commit_callbacks
    ):
        from coreapi.tokens import access_token_decode

        webhook_create(
            world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}], elevated_roles=["BuyerReader"]
        )
        token = world.admin_token(scope="ProductAdmin")
        assert world.call("get", "/v1/buyers", token).status_code == 403

        with django_capture_on_commit_callbacks(execute=True):
            assert world.call("post", "/v1/products", token, {"ID": "elev-1", "Name": "Elevated"}).status_code == 201

        sent = receiver.calls[0]["body"]["UserToken"]
        assert sent != token
        assert world.call("get", "/v1/buyers", sent).status_code == 200
        caller, elevated = (access_token_decode(environment="sandbox", token=t) for t in (token, sent))
        assert set(elevated.roles) == {"ProductAdmin", "BuyerReader"}
        assert (elevated.username, elevated.client_id, elevated.marketplace_id) == (
            caller.username,
            caller.client_id,
            caller.marketplace_id,
        )
        assert elevated.raw["exp"] == caller.raw["exp"]  # it lives no longer than the caller's token

    def test_a_pre_hook_gets_the_elevated_token_too_and_revoking_the_user_revokes_it(self, world, receiver):
        prehook_create(
            world, receiver.url, routes=[{"Route": "v1/products", "Verb": "POST"}], elevated_roles=["BuyerReader"]
        )
        receiver.answers = [PROCEED]
        token = world.admin_token(scope="ProductAdmin")
        assert world.call("post", "/v1/products", token, {"ID": "elev-2", "Name": "Elevated"}).status_code == 201
        sent = receiver.calls[0]["body"]["UserToken"]
        assert world.call("get", "/v1/buyers", sent).status_code == 200

        full = world.admin_token()
        assert world.call("delete", "/v1/adminusers/admin-user/tokens", full).status_code == 204

        assert world.call("get", "/v1/buyers", sent).status_code == 401
