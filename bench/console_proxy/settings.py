"""The settings gunicorn runs with in bench/console_proxy: the portal's base settings and URLs plus
one bench-only view (bench/console_proxy/urls.py)."""

from portal.settings.base import *  # noqa: F401,F403

ROOT_URLCONF = "bench.console_proxy.urls"
