"""Secrets stored encrypted (portal.common.fields): console tokens are unreadable in the database,
read back as they were written, survive key rotation, and pre-encryption rows keep working."""

import pytest
from django.db import connection

from console.models import ConsoleToken
from organizations import services as org_services
from portal.common import fields


@pytest.fixture
def token_row(owner):
    org = org_services.organization_create(actor=owner, oc_id="enc-org", name="Enc", region="usw")
    return ConsoleToken.objects.create(user=owner, organization=org, access_token="eyJ.secret-access",
                                       refresh_token="refresh-secret")


def raw(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM console_consoletoken WHERE id = %s", [pk])
        return cursor.fetchone()


def test_tokens_are_encrypted_at_rest_and_read_back(token_row):
    access, refresh = raw(token_row.pk)
    assert access.startswith(fields.PREFIX) and "secret" not in access
    assert refresh.startswith(fields.PREFIX) and "secret" not in refresh
    again = ConsoleToken.objects.get(pk=token_row.pk)
    assert (again.access_token, again.refresh_token) == ("eyJ.secret-access", "refresh-secret")
    assert fields.encrypt("x") != fields.encrypt("x")  # randomized: equal values don't show


def test_console_access_get_decrypts_the_token_it_reads(token_row, owner):
    from console import selectors

    got = selectors.console_access_get(user=owner, environment="Sandbox", oc_id="enc-org", token_context=("", ""))
    assert got.token.access_token == "eyJ.secret-access" and got.token.refresh_token == "refresh-secret"


def test_empty_values_stay_empty(owner):
    org = org_services.organization_create(actor=owner, oc_id="enc-empty", name="E", region="usw")
    row = ConsoleToken.objects.create(user=owner, organization=org)
    assert raw(row.pk) == ("", "")
    assert ConsoleToken.objects.get(pk=row.pk).access_token == ""


def test_key_rotation_new_key_first_old_still_decrypts(token_row, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["new-key", settings.SECRET_KEY]
    assert ConsoleToken.objects.get(pk=token_row.pk).access_token == "eyJ.secret-access"
    ConsoleToken.objects.filter(pk=token_row.pk).update(access_token="rotated")
    settings.FIELD_ENCRYPTION_KEYS = ["new-key"]
    assert ConsoleToken.objects.get(pk=token_row.pk).access_token == "rotated"


def test_unknown_key_reads_as_no_token_and_is_logged(token_row, settings, caplog):
    settings.FIELD_ENCRYPTION_KEYS = ["a-key-that-never-wrote-it"]
    assert ConsoleToken.objects.get(pk=token_row.pk).access_token == ""
    assert "could not be decrypted" in caplog.text


def test_rows_written_before_encryption_are_read_and_encrypted_on_save(token_row):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE console_consoletoken SET access_token = %s WHERE id = %s", ["plain-old", token_row.pk])
    row = ConsoleToken.objects.get(pk=token_row.pk)
    assert row.access_token == "plain-old"
    row.save()
    assert raw(row.pk)[0].startswith(fields.PREFIX)


def test_the_migration_encrypts_existing_rows_and_reverses(token_row):
    from importlib import import_module

    migration = import_module("console.migrations.0002_encrypt_tokens")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.decrypt_rows(None, editor)
    assert raw(token_row.pk) == ("eyJ.secret-access", "refresh-secret")
    migration.encrypt_rows(None, editor)
    access, refresh = raw(token_row.pk)
    assert access.startswith(fields.PREFIX) and refresh.startswith(fields.PREFIX)
    assert ConsoleToken.objects.get(pk=token_row.pk).access_token == "eyJ.secret-access"
