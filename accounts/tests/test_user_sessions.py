"""Ending a user's web sessions (accounts.services._web_sessions_end, used when a proven address takes
an account) finds them through accounts.UserSession instead of reading every unexpired session of every
user; the index follows sign-in, password change (a new session key), sign-out and expiry."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from accounts.services import _web_sessions_end
from portal.common.sessions import SessionStore
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
NEW_PASSWORD = "Elsinore-ramparts-1601"


def _signed_in(user) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(PROFILE).status_code == 200
    return client


def _signed_out(client) -> bool:
    response = client.get(PROFILE)
    return response.status_code == 302 and reverse("account_login") in response["Location"]


@pytest.fixture
def hamlet():
    return UserFactory(username="hamlet", email="hamlet@example.com")


@pytest.fixture
def ophelia():
    return UserFactory(username="ophelia", email="ophelia@example.com")


def test_the_users_sessions_end_and_another_users_do_not(hamlet, ophelia):
    laptop, phone, kept = _signed_in(hamlet), _signed_in(hamlet), _signed_in(hamlet)
    hers = _signed_in(ophelia)
    assert _web_sessions_end(user=hamlet, keep_session_key=kept.session.session_key) == 2
    assert _signed_out(laptop) and _signed_out(phone)
    assert not _signed_out(kept) and not _signed_out(hers)
    assert list(UserSession.objects.filter(user=hamlet).values_list("session_key", flat=True)) == [
        kept.session.session_key]


def test_it_reads_only_the_users_sessions(hamlet, ophelia):
    mine = _signed_in(hamlet)
    for _ in range(30):  # other users' sessions, signed in or not
        _signed_in(ophelia)
        anonymous = SessionStore()
        anonymous["cart"] = [1]
        anonymous.save()
    with CaptureQueriesContext(connection) as queries:
        assert _web_sessions_end(user=hamlet) == 1
    session_reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "django_session" in q["sql"]]
    assert session_reads and all("session_key" in sql and " IN " in sql for sql in session_reads), session_reads
    assert len(queries) <= 6
    assert _signed_out(mine)
    assert Session.objects.count() == 60


def test_a_session_whose_key_changed_with_the_password_is_still_found(hamlet):
    client = _signed_in(hamlet)
    old_key = client.session.session_key
    response = client.post(reverse("account_change_password"), {
        "oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.session.session_key != old_key and not _signed_out(client)
    assert list(UserSession.objects.filter(user=hamlet).values_list("session_key", flat=True)) == [
        client.session.session_key]
    assert _web_sessions_end(user=hamlet) == 1
    assert _signed_out(client)


def test_signing_out_and_expiry_remove_the_index_rows(hamlet, ophelia):
    client = _signed_in(hamlet)
    client.post(reverse("account_logout"))
    assert _signed_out(client)
    assert not UserSession.objects.filter(user=hamlet).exists()
    hers = _signed_in(ophelia)
    Session.objects.filter(session_key=hers.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    call_command("clearsessions")
    assert not UserSession.objects.exists()


def test_reading_a_signed_in_session_does_not_touch_the_index(hamlet):
    client = _signed_in(hamlet)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PROFILE).status_code == 200
    assert not any("accounts_usersession" in q["sql"] for q in queries)
