"""Test settings. pytest-django imports this before any conftest, so everything that third-party
modules read at import time (allauth's provider URLs) is decided here."""

import os
import socket


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The fake GitHub + Google OAuth server (tests/fakes/oauth_server.py) listens here; a session
# fixture starts it. Chosen once per process so allauth's import-time URLs match the fixture.
# Each pytest-xdist worker inherits the controller's environment, so a worker picks its own port.
_OWNER = os.environ.get("PYTEST_XDIST_WORKER", "main")
if "FAKE_OAUTH_URL" not in os.environ or os.environ.get("FAKE_OAUTH_URL_OWNER") != _OWNER:
    os.environ["FAKE_OAUTH_URL"] = f"http://127.0.0.1:{_free_port()}"
    os.environ["FAKE_OAUTH_URL_OWNER"] = _OWNER
FAKE_OAUTH_URL = os.environ["FAKE_OAUTH_URL"]
os.environ.setdefault("GITHUB_CLIENT_ID", "test-github-client")
os.environ.setdefault("GITHUB_CLIENT_SECRET", "test-github-secret")
os.environ.setdefault("GOOGLE_CLIENT_ID", "test-google-client")
os.environ.setdefault("GOOGLE_CLIENT_SECRET", "test-google-secret")
os.environ["GITHUB_URL"] = FAKE_OAUTH_URL
# Playwright's sync API runs an event loop in the test thread; ORM calls from the test are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .base import *  # noqa: E402,F401,F403

SOCIALACCOUNT_PROVIDERS["google"].update(  # noqa: F405
    AUTHORIZE_URL=f"{FAKE_OAUTH_URL}/google/auth",
    ACCESS_TOKEN_URL=f"{FAKE_OAUTH_URL}/google/token",
    IDENTITY_URL=f"{FAKE_OAUTH_URL}/google/userinfo",
)

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests read mail from django.core.mail.outbox. CeleryEmailBackend has its own tests.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate limits are tested explicitly with override_settings; the rest of the suite signs in a lot.
ACCOUNT_RATE_LIMITS = False
OTP_EMAIL_COOLDOWN_DURATION = 60
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's default in-memory test database: on that one the live server's request
    # threads (pytest-django's live_server) all share the test thread's single connection, so two
    # requests at once (a console live edit sends one per keystroke) ran queries on one sqlite3
    # connection from two threads and hung there. With a file each thread has its own connection,
    # with SQLite's own locking (IMMEDIATE transactions, 20 s busy timeout; settings.base), as
    # runserver has. pytest-django adds the xdist worker's suffix to the name.
    import tempfile as _tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(
            os.environ.get("PORTAL_TEST_RUN_DIR") or _tempfile.gettempdir(), f"portal-test-{os.getpid()}.sqlite3"
        )
    }
