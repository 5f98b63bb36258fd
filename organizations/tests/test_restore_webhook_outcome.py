"""Staging Restore Webhook: "Send test" says how it went when that is known already, and delivery
errors are in plain words (QA report 76, finding 6)."""

import pytest
import requests
from django.contrib.messages import get_messages

from organizations import services_restore as sr
from organizations.models import RestoreWebhookDelivery
from organizations.tests.test_restore_views import PAGE
from tests.stack.restore_receiver import RestoreReceiver


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def deliveries_at_once(monkeypatch):
    """As outside a test's transaction without a task queue (the embedded default): the delivery is
    queued on commit, and the commit is at once, so every attempt has run before the page comes back."""
    from portal.common import queue

    monkeypatch.setattr(queue.transaction, "on_commit", lambda run, *args, **kwargs: run())


def _send_test(admin_client, admin_user, staging_org, url):
    sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=url, hash_key="k")
    response = admin_client.post(f"{PAGE}webhook/", {"action": "test"})
    assert response.status_code == 302
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def test_a_test_delivered_at_once_says_so(staging_org, admin_client, admin_user, deliveries_at_once):
    with RestoreReceiver(hash_key="k") as receiver:
        said = _send_test(admin_client, admin_user, staging_org, receiver.url)
    assert said == [("success", "Test delivered: HTTP 200.")]


def test_a_test_refused_every_time_says_it_was_not_delivered_in_plain_words(
    staging_org, admin_client, admin_user, deliveries_at_once
):
    """It said "Test payload queued" in green after all 5 attempts had failed, and the table showed
    "ConnectionError: [Errno 111] Connection refused (_TrackedHTTPPool(host=...": Python's words."""
    from portal.tests.processes import free_port

    said = _send_test(admin_client, admin_user, staging_org, f"http://127.0.0.1:{free_port()}/hook")
    assert said == [("error", "Test not delivered: Connection refused. (5 attempts, see the deliveries below)")]
    html = admin_client.get(PAGE).content.decode()
    assert ">Connection refused.<" in html
    for python in ("ConnectionError", "Errno", "_TrackedHTTPPool", "NewConnectionError", "Max retries"):
        assert python not in html


def test_a_404_without_a_body_shows_its_reason_phrase(staging_org, admin_client, admin_user, deliveries_at_once):
    with RestoreReceiver(hash_key="k", statuses=[404]) as receiver:
        said = _send_test(admin_client, admin_user, staging_org, receiver.url)
    delivery = RestoreWebhookDelivery.objects.get()
    assert delivery.error.startswith("HTTP 404 Not Found")
    assert said == [("error", f"Test not delivered: {delivery.error} (1 attempt, see the deliveries below)")]


def test_a_test_still_being_tried_says_it_is_queued(staging_org, admin_client, admin_user):
    """With a task queue (here: nothing runs the on-commit queueing) the outcome is not known yet."""
    with RestoreReceiver(hash_key="k") as receiver:
        said = _send_test(admin_client, admin_user, staging_org, receiver.url)
    assert said == [("success", "Test payload queued. Its delivery appears below.")]


class TestPlainWords:
    @pytest.mark.parametrize("exc, words", [
        (requests.ConnectionError(
            "_TrackedHTTPPool(host='127.0.0.1', port=9): Max retries exceeded with url: /hook (Caused by "
            "NewConnectionError('_TrackedHTTPConnection(host=...): Failed to establish a new connection: "
            "[Errno 111] Connection refused'))"), "Connection refused."),
        (requests.ConnectionError(
            "HTTPSConnectionPool(host='nope.invalid', port=443): Max retries exceeded (Caused by "
            "NameResolutionError(\"Failed to resolve 'nope.invalid' ([Errno -2] Name or service not known)\"))"),
         "Could not resolve host."),
        (requests.ConnectTimeout("connect timeout=3.05"), "Timed out after 3.05 s: no connection."),
        (requests.ReadTimeout("Read timed out. (read timeout=10.0)"), "Timed out after 10 s: no answer."),
        (requests.exceptions.SSLError(
            "Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
            "certificate verify failed: self-signed certificate (_ssl.c:1006)')))"), "TLS error: self-signed certificate."),
        (requests.ConnectionError("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"),
         "Connection reset by the receiver."),
        (requests.ConnectionError("something new"), "Could not connect."),
    ])
    def test_network_errors(self, exc, words):
        assert sr._network_error(exc) == words

    @pytest.mark.parametrize("status, reason, body, words", [
        (404, "Not Found", b"", "HTTP 404 Not Found"),
        (500, "", b"", "HTTP 500 Internal Server Error"),
        (503, "Service Unavailable", b"<h1>Down</h1>\n  for maintenance", "HTTP 503 Service Unavailable"),  # no body
    ])
    def test_http_errors(self, status, reason, body, words):
        response = requests.Response()
        response.status_code, response.reason, response._content = status, reason, body
        assert sr._http_error(response) == words

    def test_a_long_answer_is_cut_short(self):
        response = requests.Response()
        response.status_code, response.reason, response._content = 500, "Internal Server Error", b"x" * 5000
        assert len(sr._http_error(response)) < 240
