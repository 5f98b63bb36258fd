"""The database not answering (PostgreSQL stopped, restarting, out of connections): pages answer a
503 page and both APIs a 503 ServiceUnavailable, not "Something went wrong (500)"
(portal.common.dbdown). Simulated where a real outage first shows: reading the session (pages),
resolving the caller (APIs)."""

import pytest
from django.db import OperationalError

from accounts.models import User
from portal.common import dbdown
from portal.common.sessions import SessionStore

pytestmark = pytest.mark.django_db

DOWN = OperationalError('connection failed: connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def _down(*args, **kwargs):
    raise DOWN


@pytest.fixture
def user():
    return User.objects.create_user(username="ada", email="ada@example.com", password="pw-Long-enough-1")


def test_a_page_answers_503_with_the_reason_when_the_session_cannot_be_read(client, user, monkeypatch):
    client.force_login(user)
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "_get_session_from_db", _down)
    response = client.get("/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert 'data-testid="error-page"' in page and "temporarily unavailable (503)" in page
    assert "database is not answering" in page and "Something went wrong" not in page


def test_other_server_errors_are_still_the_500_page(client, user, monkeypatch):
    client.force_login(user)
    client.raise_request_exception = False
    monkeypatch.setattr(SessionStore, "_get_session_from_db", lambda self: 1 / 0)
    response = client.get("/dashboard/")
    assert response.status_code == 500 and "Something went wrong (500)" in response.content.decode()


def test_the_portal_api_answers_503_service_unavailable(client, user, monkeypatch):
    from portal.apiauth import services as auth_services
    from tests.portal_api import access_token_for

    token = access_token_for(user)
    monkeypatch.setattr(auth_services, "access_token_authenticate", _down)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == dbdown.api_body()


def test_the_core_api_answers_503_service_unavailable(client, monkeypatch):
    from coreapi import auth as core_auth

    monkeypatch.setattr(core_auth.CoreBearer, "authenticate", lambda self, request, token: _down())
    response = client.get("/core/sandbox/v1/products", HTTP_AUTHORIZATION="Bearer abc.def.ghi")
    assert response.status_code == 503
    assert response.json()["Errors"][0]["ErrorCode"] == "ServiceUnavailable"
