"""A remote core API that misbehaves while the console gets or refreshes a token: down, slow, HTML
instead of JSON, a 500, a refusal, a huge body. Each is a message that says what happened (on
the console page and in the response panel), never a 500 and never the HTML page's source."""

import json
from html import escape
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from console import client, services
from console.models import ConsoleToken
from console.tests.test_services import _remote_envs, send
from organizations import services as org_services

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"


@pytest.fixture
def remote(remote_api):
    yield remote_api
    remote_api.answer_clear()


@pytest.fixture
def remote_org(remote, owner):
    with override_settings(
        PORTAL_ENVIRONMENTS=_remote_envs(remote.url),
        CONSOLE_REMOTE_API_CLIENTS={"Sandbox/remote-org": {"client_id": "remote-console", "client_secret": "s3cret"}},
    ):
        yield org_services.organization_create(actor=owner, oc_id="remote-org", name="Remote", region="usw")


def host(remote) -> str:
    return remote.url.removeprefix("http://")


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (200, HTML, "text/html"),  # a proxy's or a web server's page at the API's address
        (200, b'{"token_type": "bearer"}', "application/json"),  # JSON, but no token
        (200, b'{"access_token": "a.b.c", "expires_in": "soon"}', "application/json"),
        (200, b"[1, 2]", "application/json"),
    ],
)
def test_a_token_answer_that_is_not_a_token_says_so(remote_org, remote, owner, status, body, content_type):
    remote.answer("/oauth/token", status, body, content_type)
    call = send(owner, remote_org)
    assert call.response is None
    assert call.error == services.ERR_TOKEN_NOT_A_TOKEN.format(host=host(remote))
    assert call.history.error == call.error


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_token_endpoint_server_error_is_named_without_its_html(remote_org, remote, owner, status):
    remote.answer("/oauth/token", status, HTML, "text/html")
    call = send(owner, remote_org)
    assert call.response is None
    assert call.error == services.ERR_TOKEN_SERVER_ERROR.format(host=host(remote), status=status)
    assert "<" not in call.error


def test_a_refusal_quotes_the_apis_own_words(remote_org, remote, owner):
    remote.answer("/oauth/token", 400, json.dumps(
        {"error": "InvalidGrant", "error_description": "Unknown client or wrong secret."}).encode())
    with pytest.raises(services.ConsoleError) as raised:
        send(owner, remote_org)
    assert raised.value.message == services.ERR_TOKEN_FAILED.format(detail="Unknown client or wrong secret.")
    remote.answer("/oauth/token", 403, HTML, "text/html")
    with pytest.raises(services.ConsoleError) as raised:
        send(owner, remote_org)
    assert raised.value.message == services.ERR_TOKEN_FAILED.format(detail="HTTP 403")


def test_a_huge_token_answer_is_cut_off(remote_org, remote, owner):
    remote.answer("/oauth/token", 200, b'{"access_token": "' + b"x" * 100_000 + b'"}')
    with override_settings(CONSOLE_MAX_RESPONSE_BYTES=64 * 1024):
        call = send(owner, remote_org)
    assert "larger than 64.0 KB" in call.error


def test_a_slow_token_endpoint_times_out_with_a_message(remote_org, remote, owner, monkeypatch):
    import time

    session = client.session()
    original = session.request

    def request(method, url, **kwargs):
        if url.endswith("/oauth/token"):
            time.sleep(0.4)
            raise client.requests.ReadTimeout("read timed out")
        return original(method, url, **kwargs)

    monkeypatch.setattr(session, "request", request)  # this thread's session, restored after the test
    with override_settings(CONSOLE_TIMEOUTS=(1, 0.3)):
        call = send(owner, remote_org)
    assert call.error == client.ERR_TIMEOUT.format(host=host(remote), seconds="0.3 seconds")


def test_a_failing_refresh_keeps_the_message_and_the_next_call_recovers(remote_org, remote, owner):
    assert send(owner, remote_org).response.status == 200
    ConsoleToken.objects.filter(user=owner, organization=remote_org).update(expires_at=timezone.now() - timedelta(1))
    remote.answer("/oauth/token", 502, HTML, "text/html")
    call = send(owner, remote_org)
    assert call.error == services.ERR_TOKEN_SERVER_ERROR.format(host=host(remote), status=502)
    remote.answer_clear()
    assert send(owner, remote_org).response.status == 200


def test_an_html_answer_to_a_call_is_shown_as_text_not_a_500(remote_org, remote, owner):
    send(owner, remote_org)
    remote.answer("/v1/products", 200, HTML, "text/html")
    call = send(owner, remote_org, "/v1/products")
    assert call.response is not None, call.error
    assert call.response.status == 200 and call.response.content == HTML


@pytest.mark.parametrize("status", [200, 500])
def test_the_console_page_shows_the_token_problem(remote_org, remote, owner, client, status):
    remote.answer("/oauth/token", status, HTML, "text/html")
    client.force_login(owner)
    page = client.get("/console/sandbox/remote-org/")
    assert page.status_code == 200
    expected = (services.ERR_TOKEN_NOT_A_TOKEN.format(host=host(remote)) if status == 200
                else services.ERR_TOKEN_SERVER_ERROR.format(host=host(remote), status=status))
    assert escape(expected) in page.content.decode()
    assert "nginx" not in page.content.decode()


def test_sending_from_the_console_shows_the_token_problem(remote_org, remote, owner, client):
    remote.answer("/oauth/token", 200, HTML, "text/html")
    client.force_login(owner)
    response = client.post("/console/sandbox/remote-org/send/", {"op": "Me.Get"}, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.content
    assert escape(services.ERR_TOKEN_NOT_A_TOKEN.format(host=host(remote))) in response.content.decode()


def test_an_unreachable_api_on_the_console_page_is_a_message(owner, client, db):
    with override_settings(PORTAL_ENVIRONMENTS=_remote_envs("http://127.0.0.1:9"),
                           CONSOLE_REMOTE_API_CLIENTS={"Sandbox/down-org": {"client_id": "x"}}):
        org_services.organization_create(actor=owner, oc_id="down-org", name="Down", region="usw")
        client.force_login(owner)
        page = client.get("/console/sandbox/down-org/")
        assert page.status_code == 200
        assert "Could not connect to the core API at 127.0.0.1:9" in page.content.decode()
        for url in ("/console/sandbox/down-org/apiclients/", "/console/sandbox/down-org/webhooks/"):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert "Could not connect to the core API" in response.content.decode()
        # an object's page cannot be shown without the API: a gateway error (502), with the reason,
        # as "Reveal my token" answers; not 400, which would blame the request
        for url in ("/console/sandbox/down-org/apiclients/some-client/", "/console/sandbox/down-org/webhooks/some-hook/"):
            response = client.get(url)
            assert response.status_code == 502, (url, response.status_code)
            assert "Could not connect to the core API" in response.content.decode()
