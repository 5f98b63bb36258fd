"""The authentication backends' per-request get_user (one hand-written SELECT) returns the user the
ORM would, refuses who the ORM-based backend refuses, and sessions keep working end to end."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.backends import AuthenticationBackend, ModelBackend, user_get_by_pk
from tests.factories import UserFactory

User = get_user_model()


@pytest.mark.parametrize("backend", [ModelBackend(), AuthenticationBackend()])
class TestGetUser:
    def test_returns_the_same_user_as_the_orm(self, db, backend):
        user = UserFactory(username="ada", name="Ada Lovelace", email="ada@example.com")
        got = backend.get_user(user.pk)
        expected = User.objects.get(pk=user.pk)
        assert got == expected
        fields = [f.attname for f in User._meta.concrete_fields]
        assert [getattr(got, f) for f in fields] == [getattr(expected, f) for f in fields]
        assert got._state.adding is False and got.last_login == expected.last_login
        got.name = "Ada King"
        got.save(update_fields=["name"])  # a normal instance: saving updates the row
        assert User.objects.get(pk=user.pk).name == "Ada King"

    def test_inactive_unknown_and_malformed_ids_are_nobody(self, db, backend):
        inactive = UserFactory(username="gone", is_active=False)
        assert backend.get_user(inactive.pk) is None
        assert backend.get_user(999_999) is None
        assert backend.get_user("not-a-number") is None
        assert backend.get_user(None) is None


def test_user_get_by_pk_accepts_the_string_a_session_stores(db):
    user = UserFactory(username="str-id")
    assert user_get_by_pk(str(user.pk)) == user


def test_password_sign_in_then_pages_then_sign_out(db):
    user = UserFactory(username="walker", email="walker@example.com")
    user.set_password("a-long-password-1")
    user.save()
    client = Client()
    response = client.post("/accounts/login/", {"login": "walker", "password": "a-long-password-1"})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/dashboard/").status_code == 302  # sent to sign in again


def test_deactivating_a_user_ends_their_sessions_at_the_next_request(db):
    user = UserFactory(username="soon-gone")
    client = Client()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/dashboard/").status_code == 302


def test_changing_the_password_elsewhere_signs_out_other_sessions(db):
    user = UserFactory(username="rotate")
    client = Client()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    user.set_password("another-long-password-2")
    user.save()
    assert client.get("/dashboard/").status_code == 302
