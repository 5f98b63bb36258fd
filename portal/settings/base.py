"""Settings shared by every deployment. Read the environment only through portal.env.

With no environment variables at all the portal runs "embedded": SQLite, Celery tasks run
eagerly in-process, mail is printed to the console, cache in local memory. DATABASE_URL,
CELERY_BROKER_URL / REDIS_URL and the provider keys switch to the real services.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from portal import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --- Core -------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/
SECRET_KEY = env.str_("SECRET_KEY", "insecure-embedded-development-key-change-me-0123456789")
# Keys for secrets stored encrypted (console tokens; portal/common/fields.py), newest first;
# unset: derived from SECRET_KEY (+ SECRET_KEY_FALLBACKS), so rotating SECRET_KEY re-mints them.
FIELD_ENCRYPTION_KEYS = env.list_("FIELD_ENCRYPTION_KEYS", [])
DEBUG = env.bool_("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env.list_("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list_("CSRF_TRUSTED_ORIGINS", [])
# The public address of this portal; the embedded core API URLs hang off it.
PORTAL_BASE_URL = env.str_("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "django_otp",
    "django_otp.plugins.otp_email",
    "django_htmx",
    "template_partials",
    "ninja",
]
LOCAL_APPS = [
    "portal.common",
    "accounts",
    "coreapi",
    "organizations",
    "console",
    "portal.apiauth",  # Portal REST API sign-in sessions (refresh tokens)
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.common.cors.ApiCorsMiddleware",  # CORS on /core/ and /api/ only (before every refusal below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.common.middleware.RequestSizeMiddleware",  # a too-large form body: a readable 413, not a debug page
    "portal.common.middleware.NulCharacterMiddleware",  # %00 in a page's address: a readable 400, not a 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.common.middleware.HtmxVaryMiddleware",  # pages answer htmx with a part of themselves: Vary: HX-Request
    "accounts.middleware.UsernameRequiredMiddleware",  # after auth + htmx: sends users without a portal username to choose one
    "accounts.middleware.SignedOutMiddleware",  # a page used after signing out: sign in (htmx: the whole page), nothing done said so
    "coreapi.middleware.CoreApiMiddleware",  # X-oc-logid and JSON 404s on /core/<env>/...
    "portal.common.middleware.PortalApiMiddleware",  # JSON 404s and 405s on /api/...
    "portal.common.middleware.MethodNotAllowedPageMiddleware",  # a readable 405 page, not the browser's
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
# The JSON APIs are called without trailing slashes (the official SDKs never send one).
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.common.context_processors.portal",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env.int_("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves concurrent requests too (runserver's threads): a transaction
    # takes SQLite's write lock when it starts (not midway, where a second writer would fail at once
    # with "database is locked"), and a writer waits up to 20 s for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The built-in core API asks the portal, when a token it minted for a contributor is refreshed,
# which roles the contributor still holds (coreapi.services.oauth_refresh_grant).
COREAPI_MINTED_TOKEN_ROLES = "organizations.services.minted_token_roles"

# --- Cache and sessions -----------------------------------------------------
REDIS_URL = env.str_("REDIS_URL")
# The cache is shared by every process (restore progress, sign-in lockouts) only on Redis: without
# REDIS_URL, a Redis broker's server is used (its keys and the cache's never collide).
_CACHE_REDIS_URL = REDIS_URL or next(
    (url for url in [env.str_("CELERY_BROKER_URL") or ""] if url.startswith(("redis://", "rediss://"))), None
)
if _CACHE_REDIS_URL:
    # Redis down or unreachable: the cache fails open (portal.common.cache) after at most these
    # timeouts, so sign-in and every page keep working without rate limits, and the outage is logged.
    CACHES = {"default": {
        "BACKEND": "portal.common.cache.FailOpenRedisCache",
        "LOCATION": _CACHE_REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "portal.common.sessions"  # database sessions, read without ORM query building
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "portal.common.middleware.csrf_failure"  # a stale form: what to do, in the layout or the htmx panel
X_FRAME_OPTIONS = "DENY"

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's backends with a cheaper per-request get_user (accounts/backends.py)
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"

# --- django-allauth ---------------------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env.str_("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGOUT_ON_GET = False
# Reverse proxies in front of the portal that append to X-Forwarded-For (compose: the
# TLS-terminating proxy). Rate limits and lockouts count the address the outermost one saw
# (portal.common.clientip); 0: REMOTE_ADDR, X-Forwarded-For ignored.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int_("TRUSTED_PROXY_COUNT", 0)
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise env.ImproperEnvironment("TRUSTED_PROXY_COUNT must be 0 or more (the reverse proxies in front of the portal).")
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# accounts.adapters: the portal username rules for password sign-ups; social sign-ups create the
# user without a username, chosen on accounts:username-choose.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_FORMS = {
    "add_email": "accounts.forms.AddEmailForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "login": "accounts.forms.LoginForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "signup": "accounts.forms.SignupForm",
}
SOCIALACCOUNT_FORMS = {"signup": "accounts.forms.SocialSignupForm"}
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_PROVIDERS: dict = {
    "github": {"SCOPE": ["read:user", "user:email"]},
    "google": {"SCOPE": ["profile", "email"], "AUTH_PARAMS": {"access_type": "online"}},
}
if env.has("GITHUB_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["github"]["APP"] = {
        "client_id": env.required("GITHUB_CLIENT_ID"),
        "secret": env.required("GITHUB_CLIENT_SECRET"),
    }
if env.has("GITHUB_URL"):  # GitHub Enterprise, or a fake server in tests
    SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"] = env.required("GITHUB_URL")
if env.has("GOOGLE_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["google"]["APP"] = {
        "client_id": env.required("GOOGLE_CLIENT_ID"),
        "secret": env.required("GOOGLE_CLIENT_SECRET"),
    }

# --- django-otp (emailed one-time codes) ------------------------------------
OTP_EMAIL_TOKEN_VALIDITY = 300
OTP_EMAIL_COOLDOWN_DURATION = env.int_("OTP_EMAIL_COOLDOWN_DURATION", 60)
OTP_EMAIL_THROTTLE_FACTOR = 1
OTP_EMAIL_SUBJECT = "Your Portal confirmation code: {token}"

# --- Mail -------------------------------------------------------------------
# Every message goes through portal.common.mail.CeleryEmailBackend: it queues a Celery task on
# commit, and the task delivers through EMAIL_DELIVERY_BACKEND. A slow SMTP server never
# blocks a request.
EMAIL_BACKEND = "portal.common.mail.CeleryEmailBackend"
if env.has("EMAIL_HOST"):
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.required("EMAIL_HOST")
    EMAIL_PORT = env.int_("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env.str_("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.str_("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.bool_("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Explicit delivery backend, e.g. django.core.mail.backends.filebased.EmailBackend with
# EMAIL_FILE_PATH (a directory): one file per message (used by the deployment tests).
EMAIL_DELIVERY_BACKEND = env.str_("EMAIL_DELIVERY_BACKEND", EMAIL_DELIVERY_BACKEND)
if env.has("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = env.required("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env.str_("DEFAULT_FROM_EMAIL", "Portal <no-reply@portal.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# memory://localhost/ rather than memory://: kombu warns "No hostname was supplied" on every eager
# .delay() (it acquires a producer first) when the URL names no host, which reads like a broker problem
CELERY_BROKER_URL = env.str_("CELERY_BROKER_URL") or REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = env.str_("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not (env.has("CELERY_BROKER_URL") or env.has("REDIS_URL"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict = {}

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str_("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- I18N -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_short": {"()": "portal.common.logfilters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str_("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 403/404 in one line each (no traceback); 5xx keep theirs
        "django.request": {"filters": ["client_errors_short"]},
    },
}

# --- Portal -----------------------------------------------------------------
PORTAL_NAME = "Portal"
# allauth's account emails (confirmation, password reset) are named after the portal, like its
# other emails, not "[<host of the request>]" (allauth's default without django.contrib.sites)
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{PORTAL_NAME}: "

# --- Organizations: environments and core API base URLs ---------------------
# Each environment has a core API base URL per region (contract §7). The embedded default points
# all of them at the built-in core API on this server. PORTAL_CORE_API_URLS (JSON) overrides per
# environment, either one URL for every region or a URL per region, e.g.
#   {"Production": "https://api.example.com", "Sandbox": {"usw": "https://sandbox.example.com"}}
import json as _json  # noqa: E402

PORTAL_ENVIRONMENTS: dict = {
    name: {
        "slug": name.lower(),
        "regions": {rid: f"{PORTAL_BASE_URL}/core/{name.lower()}" for rid in ("usw", "est", "aus", "eur", "jpn")},
    }
    for name in ("Sandbox", "Staging", "Production")
}
for _env_name, _urls in _json.loads(env.str_("PORTAL_CORE_API_URLS", "{}")).items():
    _regions = PORTAL_ENVIRONMENTS[_env_name]["regions"]
    if isinstance(_urls, str):
        _regions.update({rid: _urls.rstrip("/") for rid in _regions})
    else:
        _regions.update({rid: url.rstrip("/") for rid, url in _urls.items()})
# The API client the console signs in with (client_credentials grant) on a remote environment, per
# "<environment>/<organization ID>" (console.services._remote_credentials), e.g.
#   {"Production/acme": {"client_id": "...", "client_secret": "..."}}
# An environment-wide entry ("Sandbox") serves only the organization its tokens name (`mkt`).
CONSOLE_REMOTE_API_CLIENTS: dict = _json.loads(env.str_("CONSOLE_REMOTE_API_CLIENTS", "{}"))
# Soft-deleted organizations are purged for good after this many days.
PORTAL_ORG_RESTORE_DAYS = 7
PORTAL_INVITATION_DAYS = 14
CELERY_BEAT_SCHEDULE["organizations-purge-deleted"] = {
    "task": "organizations.tasks.organizations_purge_deleted",
    "schedule": crontab(minute=17),  # hourly
}

# --- Staging restore (issue #7) ----------------------------------------------
# Every Staging organization is restored from its Production twin on Sunday at 03:00 UTC.
CELERY_BEAT_SCHEDULE["organizations-staging-restore-weekly"] = {
    "task": "organizations.tasks.staging_restores_weekly",
    "schedule": crontab(minute=0, hour=3, day_of_week="sun"),
}
# SSRF guard of the staging restore webhook and core API webhooks (portal.common.outbound): False refuses URLs whose host resolves to a private,
# loopback or link-local address. Allowed in the embedded/test setup; production.py refuses them.
STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = env.bool_("STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS", True)
COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS = env.bool_("COREAPI_WEBHOOK_ALLOW_PRIVATE_URLS", True)
# The maintenance banner (portal.common.models.MaintenanceBanner, set in the admin) on every page.
TEMPLATES[0]["OPTIONS"]["context_processors"].append("portal.common.banner.maintenance_banner")
# The queue tasks go to by default (tests that run real workers next to each other use their own).
CELERY_TASK_DEFAULT_QUEUE = env.str_("CELERY_TASK_DEFAULT_QUEUE", "celery")
