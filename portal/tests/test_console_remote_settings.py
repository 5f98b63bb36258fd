"""The console's API client on a remote core API (CONSOLE_REMOTE_API_CLIENTS) is set in the environment,
like PORTAL_CORE_API_URLS: settings read nothing else (portal/env.py), so without it an operator could
point an environment at a remote API but the console there only said that no API client is configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.CONSOLE_REMOTE_API_CLIENTS))"


def _settings_value(**variables) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CONSOLE_REMOTE_API_CLIENTS", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.local", **variables)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_console_remote_api_clients_come_from_the_environment():
    configured = {"Production/acme": {"client_id": "console-client", "client_secret": "s3cret"}}
    assert _settings_value(CONSOLE_REMOTE_API_CLIENTS=json.dumps(configured)) == configured
    assert _settings_value() == {}
