"""Authentication backends: Django's ModelBackend and allauth's, with a cheaper `get_user`.

`get_user` runs on every request of a signed-in user (AuthenticationMiddleware, through the
session). Through the ORM, `User.objects.get(pk=...)` spends most of its ~1 ms compiling a query
that never changes; here it is one prepared-once SELECT of the same columns, turned into the same
User instance (portal.common.rawsql). Everything else (authenticate, permissions, the is_active
rule) is inherited unchanged.
"""

from __future__ import annotations

from functools import cache

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from portal.common.rawsql import ModelColumns


@cache
def _user_columns() -> ModelColumns:
    return ModelColumns(get_user_model(), "u")


@cache
def _user_sql() -> str:
    columns = _user_columns()
    return f"SELECT {columns.select()} FROM {columns.model._meta.db_table} u WHERE u.id = %s"


def user_get_by_pk(user_id):
    """The user with this primary key, or None (a malformed id is None too, as the ORM's
    DoesNotExist/ValueError would be for the session's stored id)."""
    try:
        pk = get_user_model()._meta.pk.to_python(user_id)
    except (ValidationError, TypeError, ValueError):  # a tampered or stale session value: nobody
        return None
    with connection.cursor() as cursor:
        cursor.execute(_user_sql(), [pk])
        row = cursor.fetchone()
    return _user_columns().build(row) if row is not None else None


class FastGetUserMixin:
    def get_user(self, user_id):
        user = user_get_by_pk(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(FastGetUserMixin, DjangoModelBackend):
    """django.contrib.auth.backends.ModelBackend (username + password)."""


class AuthenticationBackend(FastGetUserMixin, AllauthBackend):
    """allauth.account.auth_backends.AuthenticationBackend (username or email + password). An email
    signs in only as the account whose primary or confirmed address it is, as on the Portal API:
    allauth also tried the password of an account that had it as an unconfirmed extra address."""

    def _authenticate_by_email(self, email, password):
        from allauth.account import app_settings
        from allauth.account.internal.userkit import filter_users_by_email

        from accounts.selectors import address_is_the_accounts

        if not email or app_settings.LoginMethod.EMAIL not in app_settings.LOGIN_METHODS:
            return None
        users = [u for u in filter_users_by_email(email, prefer_verified=True, for_login=True)
                 if address_is_the_accounts(u, email)]
        for user in users:
            if self._check_password(user, password):
                return user
        return None
