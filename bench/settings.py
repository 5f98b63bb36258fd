"""Benchmark settings: the test settings plus django-oauth-toolkit (the peer) and bench-only URLs.

Persistent database connections (CONN_MAX_AGE=None), as a production server keeps them: the
benchmark times the application, not PostgreSQL connection setup.
"""

from portal.settings.test import *  # noqa: F401,F403
from portal.settings.test import DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "oauth2_provider"]
ROOT_URLCONF = "bench.urls"
DATABASES["default"]["CONN_MAX_AGE"] = None
OAUTH2_PROVIDER = {"SCOPES": {"read": "Read"}, "ACCESS_TOKEN_EXPIRE_SECONDS": 36000}
# coreapi.testing.CoreWorld gets its tokens through django.test.Client (host "testserver").
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
