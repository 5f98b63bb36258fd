"""The embedded default (scripts/serve: no broker, tasks run eagerly) prints no broker warnings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.mail import send_mail
send_mail("Hello", "body", "from@example.com", ["to@example.com"])
"""


def test_eager_mail_under_local_settings_logs_no_kombu_hostname_warning(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL", "EMAIL_HOST", "EMAIL_DELIVERY_BACKEND")}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.local", DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "email delivered to ['to@example.com']" in output
    assert "No hostname was supplied" not in output
