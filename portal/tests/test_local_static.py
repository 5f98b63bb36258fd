"""The developer-machine settings serve the stylesheet and htmx with DJANGO_DEBUG=0 too (e.g.
`DJANGO_DEBUG=0 scripts/serve` to see the error pages users get): runserver serves static files
only with DEBUG, so WhiteNoise serves them from the source folders."""

import os

from portal.tests.processes import PYTHON, run

SCRIPT = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
for path in ("/static/css/portal.css", "/static/vendor/htmx/htmx.min.js"):
    print(path, client.get(path).status_code)
"""


def _static_statuses(tmp_path, debug: str) -> dict[str, int]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": debug,
    }
    result = run([PYTHON, "-c", SCRIPT], env)
    assert result.returncode == 0, result.stderr[-2000:]
    return {path: int(status) for path, status in (line.split() for line in result.stdout.splitlines())}


def test_local_settings_serve_static_files_without_debug(tmp_path):
    assert set(_static_statuses(tmp_path, "0").values()) == {200}


def test_local_settings_serve_static_files_with_debug(tmp_path):
    assert set(_static_statuses(tmp_path, "1").values()) == {200}
