"""Gunicorn settings for the portal's web process: `gunicorn --config gunicorn.conf.py`.

https://docs.gunicorn.org/en/stable/settings.html. Only these environment variables are read:
PORT (default 8000) or GUNICORN_BIND (a full address, wins over PORT), WEB_CONCURRENCY (worker
processes, default 2 x CPUs + 1, capped at 8), GUNICORN_TIMEOUT (default 30 s),
FORWARDED_ALLOW_IPS (the reverse proxy's addresses) and LOG_LEVEL.

Releases without downtime: `kill -HUP <master pid>` starts new workers with the new code, then
stops the old ones gracefully (graceful_timeout). That only works because preload_app is off:
each worker imports the application itself.
"""

import multiprocessing
import os

wsgi_app = "portal.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or '8000'}"]

workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 8))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never takes the site down.
max_requests = 2000
max_requests_jitter = 200
preload_app = False  # HUP must re-import the code (see above)
# Heartbeat files on tmpfs: a container's overlay filesystem can stall the workers' heartbeat.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Reload through signals (HUP, TERM); no control socket in the (read-only) home directory.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
proc_name = "portal-web"
# Trust X-Forwarded-* (wsgi.url_scheme) only from these proxies; Django itself trusts
# X-Forwarded-Proto through SECURE_PROXY_SSL_HEADER, so the proxy must always set it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"


def post_worker_init(worker):
    """Import the URLconf (every view, form and API schema) before the worker accepts a request,
    so the first request after a boot, a HUP reload or a max_requests recycle is not the slow one."""
    from django.urls import get_resolver

    get_resolver().url_patterns
