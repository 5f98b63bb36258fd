"""EncryptedTextField: a TextField whose values are encrypted at rest (Fernet: AES-128-CBC +
HMAC-SHA256) with keys that only the application holds, for secrets the portal must read back
(the API console's access and refresh tokens). A database dump or backup alone reveals nothing.

Keys: settings.FIELD_ENCRYPTION_KEYS (FIELD_ENCRYPTION_KEYS in the environment, comma-separated,
newest first; any string, each is stretched to a Fernet key), else keys derived from SECRET_KEY
and SECRET_KEY_FALLBACKS. The first key encrypts; every key decrypts, so keys can be rotated
by putting the new one first. A value none of the keys opens (the keys were replaced) reads as ""
and is logged: for console tokens that means "no token yet", and a new one is minted.

Stored form: "enc1:" + the Fernet token. Values stored before the field was encrypted (no
prefix) are read as they are, and encrypted on their next save. Fernet is randomized: the column
cannot be filtered on by value (nothing in the portal does).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)
PREFIX = "enc1:"


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(f"portal.field-encryption:{secret}".encode()).digest())


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def field_encryption_keys() -> tuple[str, ...]:
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or [])
    if not keys:
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(keys)


def encrypt(value: str) -> str:
    return PREFIX + _fernet_for(field_encryption_keys()).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption: read as is, encrypted on the next save
    try:
        return _fernet_for(field_encryption_keys()).decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        logger.warning("An encrypted value could not be decrypted with the configured keys; read as empty.")
        return ""


class EncryptedTextField(models.TextField):
    """A TextField encrypted at rest; "" is stored as "" (nothing to hide, and cheap to test)."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
