"""Production: every secret comes from the environment, with no default.

Importing this module fails with portal.env.ImproperEnvironment (and a message naming the
variable) when SECRET_KEY is missing, short or a placeholder, ALLOWED_HOSTS is empty, or
PORTAL_BASE_URL is missing, not https (with SECURE_SSL_REDIRECT) or not one of ALLOWED_HOSTS, so a
misconfigured container stops at once instead of serving requests. `manage.py check --deploy`
reports no issues with these settings (portal/tests/test_deploy.py).
"""

from urllib.parse import urlsplit

from django.http.request import validate_host

from portal import env

from .base import *  # noqa: F401,F403

_GENERATE = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
if not env.has("SECRET_KEY"):
    raise env.ImproperEnvironment(f"The environment variable SECRET_KEY must be set in production; {_GENERATE}")
SECRET_KEY = env.required("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or "insecure" in SECRET_KEY:
    raise env.ImproperEnvironment(
        f"SECRET_KEY must be a random string of at least 50 characters, not a placeholder; {_GENERATE}"
    )
DEBUG = False
ALLOWED_HOSTS = env.list_("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise env.ImproperEnvironment(
        "ALLOWED_HOSTS must list the host names this portal answers to, comma-separated "
        "(e.g. ALLOWED_HOSTS=portal.example.com)."
    )

# Keep database connections across requests (sync gunicorn workers: one connection each),
# checked before reuse so a restarted PostgreSQL costs one failed ping, not a 500.
DATABASES["default"]["CONN_MAX_AGE"] = env.int_("DB_CONN_MAX_AGE", 60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# TLS ends at the reverse proxy, which must set X-Forwarded-Proto (and strip a client's own).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool_("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int_("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# The console calls the built-in core API at PORTAL_BASE_URL and its tokens name it (iss/aud):
# the development default (http://127.0.0.1:8000) would be refused by ALLOWED_HOSTS or redirected
# to https, and every console call would fail.
if not env.has("PORTAL_BASE_URL"):
    raise env.ImproperEnvironment(
        "PORTAL_BASE_URL must be set in production: the portal's public address, e.g. https://portal.example.com."
    )
_base = urlsplit(PORTAL_BASE_URL)  # noqa: F405
if SECURE_SSL_REDIRECT and _base.scheme != "https":
    raise env.ImproperEnvironment(
        f"PORTAL_BASE_URL must be an https:// address while SECURE_SSL_REDIRECT is on (it is {PORTAL_BASE_URL})."  # noqa: F405
    )
if not _base.hostname or not validate_host(_base.hostname, ALLOWED_HOSTS):
    raise env.ImproperEnvironment(
        f"The host of PORTAL_BASE_URL ({_base.hostname}) must be one of ALLOWED_HOSTS ({', '.join(ALLOWED_HOSTS)})."
    )

# Hashed file names (cached for a year by browsers) and pre-compressed copies, served by WhiteNoise.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Staging restore webhooks and core API webhooks may not point at private/loopback/link-local addresses (SSRF guard).
STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = env.bool_("STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS", False)
COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS = env.bool_("COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS", False)
