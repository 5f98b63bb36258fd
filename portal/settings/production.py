"""Production: every secret comes from the environment, with no default."""

from portal import env

from .base import *  # noqa: F401,F403

SECRET_KEY = env.required("SECRET_KEY")
if len(SECRET_KEY) < 50 or "insecure" in SECRET_KEY:
    raise env.ImproperEnvironment("SECRET_KEY must be a random string of at least 50 characters.")
DEBUG = False
ALLOWED_HOSTS = env.list_("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise env.ImproperEnvironment("ALLOWED_HOSTS must list the host names this portal answers to.")

# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool_("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int_("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
