"""The Staging restore webhook's delivery log keeps the receiver's status and its standard reason
phrase, never its reply: the log is shown to the organization's admins (the web tab and GET
…/stagingrestorewebhook/deliveries), so echoing the body made the webhook a way to read the answers
of whatever its URL points at (QA: "HTTP 403 Forbidden: <!doctype html> … Form expired")."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from organizations import services_restore as sr
from organizations.models import RestoreWebhookDelivery
from tests.portal_api import PortalApi

HOOK = "/organizations/acme/stagingrestorewebhook"
SECRET_PAGE = b"<!doctype html><html><head><title>Form expired \xc2\xb7 Portal</title></head><body>secret-42</body></html>"


class _Replier:
    """An internal service that answers every POST with `status`, a made-up reason phrase and a body."""

    def __init__(self, status: int, body: bytes, content_type: str = "text/html"):
        self.status, self.body, self.content_type = status, body, content_type

    def __enter__(self):
        replier = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(replier.status, "Leaked-Reason secret-42")
                self.send_header("Content-Type", replier.content_type)
                self.send_header("Content-Length", str(len(replier.body)))
                self.end_headers()
                self.wfile.write(replier.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/internal"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api(client, admin_user):
    return PortalApi(client, admin_user)


@pytest.mark.parametrize("status, body, content_type, words", [
    (403, SECRET_PAGE, "text/html", "HTTP 403 Forbidden"),
    (404, b'{"secret": "secret-42", "token": "t"}', "application/json", "HTTP 404 Not Found"),
])
def test_the_delivery_log_keeps_no_reply_text(staging_org, api, admin_user, django_capture_on_commit_callbacks, settings,
                                              status, body, content_type, words):
    settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    with _Replier(status, body, content_type) as internal:
        assert api.put(HOOK, {"URL": internal.url, "HashKey": "k"}).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert api.post(HOOK + "/test").status_code == 202
    (item,) = api.get(HOOK + "/deliveries").json()["Items"]
    assert item["StatusCode"] == status and item["Error"] == words
    assert RestoreWebhookDelivery.objects.get().error == words
    api.client.force_login(admin_user)
    page = api.client.get("/organizations/staging/acme/restore/")  # the web tab lists the same log
    assert page.status_code == 200 and words.encode() in page.content and b"secret-42" not in page.content


@pytest.mark.parametrize("status, reason, body, words", [
    (503, "Service Unavailable", b"<h1>Down</h1> for maintenance", "HTTP 503 Service Unavailable"),
    (403, "Anything the receiver says", b"", "HTTP 403 Forbidden"),
    (599, "Made up", b"body", "HTTP 599"),
    (500, "", "é".encode("latin-1"), "HTTP 500 Internal Server Error"),
])
def test_http_error_is_the_status_and_its_standard_phrase(status, reason, body, words):
    response = requests.Response()
    response.status_code, response.reason, response._content = status, reason, body
    assert sr._http_error(response) == words
