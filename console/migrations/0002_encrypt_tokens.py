"""Console tokens encrypted at rest (portal.common.fields.EncryptedTextField).

The column type does not change (text). Rows written before are read as they are (no prefix) and
encrypted here; reverse decrypts them back to plain text."""

from django.db import migrations

import portal.common.fields
from portal.common.fields import PREFIX, decrypt, encrypt

TABLE = "console_consoletoken"


def _rewrite(apps, schema_editor, transform):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, access_token, refresh_token FROM {TABLE}")
        rows = cursor.fetchall()
        for pk, access, refresh in rows:
            new = (transform(access or ""), transform(refresh or ""))
            if new != (access or "", refresh or ""):
                cursor.execute(f"UPDATE {TABLE} SET access_token = %s, refresh_token = %s WHERE id = %s", [*new, pk])


def encrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda v: encrypt(v) if v and not v.startswith(PREFIX) else v)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, lambda v: decrypt(v) if v else v)


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consoletoken",
            name="access_token",
            field=portal.common.fields.EncryptedTextField(blank=True, default=""),
        ),
        migrations.AlterField(
            model_name="consoletoken",
            name="refresh_token",
            field=portal.common.fields.EncryptedTextField(blank=True, default=""),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
