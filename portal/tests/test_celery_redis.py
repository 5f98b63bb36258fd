"""Celery through a real Redis (scripts/test's throw-away server, TEST_REDIS_URL): a mail queued
by the web process is delivered by a real `celery -A portal worker` running production settings.
"""

import os
import uuid
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
import yaml
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from portal.common.mail import message_to_dict
from portal.tests.processes import BASE_DIR, PYTHON, production_env, run, stopped, wait_for

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="TEST_REDIS_URL is not set (scripts/test starts a Redis)")


@needs_redis
def test_a_real_worker_delivers_mail_queued_through_redis(tmp_path):
    from celery import Celery

    outbox = tmp_path / "outbox"
    outbox.mkdir()
    # A queue and node name of this test's own: other tests may share the Redis server.
    name = f"portal-test-{uuid.uuid4().hex[:10]}"
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_BROKER_URL=TEST_REDIS_URL,
        EMAIL_DELIVERY_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(outbox),
    )
    message = EmailMultiAlternatives(
        "Welcome to Portal", "Your sandbox is ready.", "Portal <no-reply@portal.example.com>", ["hamlet@example.com"]
    )
    message.attach_alternative("<p>Your sandbox is ready.</p>", "text/html")

    log = tmp_path / "worker.log"
    worker = [PYTHON, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO",
              "-Q", name, "-n", f"celery@{name}", "--without-gossip", "--without-mingle"]
    sender = Celery("portal-test-sender", broker=TEST_REDIS_URL, set_as_current=False)
    try:
        with stopped(worker, env, log) as process:
            # Queued while the worker is still starting: Redis keeps it until the worker takes it.
            sender.send_task("portal.common.tasks.email_deliver", args=[message_to_dict(message)], queue=name)
            wait_for(lambda: any(outbox.iterdir()), timeout=60, what="the worker to write the mail",
                     process=process, log=log)

            # The worker's docker-compose healthcheck, verbatim, answers for this worker.
            compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
            kind, command = compose["services"]["worker"]["healthcheck"]["test"]
            assert kind == "CMD-SHELL"
            result = run(["sh", "-c", command.replace("$$", "$")], {**env, "HOSTNAME": name}, timeout=30)
            assert result.returncode == 0, result.stdout + result.stderr
    finally:
        sender.close()

    (written,) = list(outbox.iterdir())
    delivered = message_from_bytes(written.read_bytes().split(b"\n" + b"-" * 79)[0])
    assert str(make_header(decode_header(delivered["Subject"]))) == "Welcome to Portal"
    assert delivered["To"] == "hamlet@example.com"
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in delivered.walk()
             if not part.is_multipart()}
    assert parts == {"text/plain": "Your sandbox is ready.", "text/html": "<p>Your sandbox is ready.</p>"}
    assert "succeeded" in log.read_text()
    assert process.returncode is not None  # stopped by its pid


@needs_redis
@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_reports_a_live_redis_broker_as_ok(client):
    from portal.celery import app

    app.conf.broker_url = TEST_REDIS_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@needs_redis
def test_the_beat_healthcheck_passes_once_beat_runs_against_redis(tmp_path):
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    beat = compose["services"]["beat"]
    schedule_dir = "/var/lib/celery/beat"
    kind, *healthcheck = beat["healthcheck"]["test"]
    assert kind == "CMD" and healthcheck[0] == "python"
    healthcheck = [PYTHON, healthcheck[1], healthcheck[2].replace(schedule_dir, str(tmp_path))]
    command = [part.replace(schedule_dir, str(tmp_path)) for part in beat["command"]]
    assert command[0] == "celery"
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", CELERY_BROKER_URL=TEST_REDIS_URL)

    log = tmp_path / "beat.log"
    with stopped([PYTHON, "-m", *command], env, log) as process:
        wait_for(lambda: any(tmp_path.glob("schedule*")), timeout=30, what="beat to write its schedule",
                 process=process, log=log)
        result = run(healthcheck, env)
        assert result.returncode == 0, result.stderr
        dead_broker = run(healthcheck, {**env, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"})
        assert dead_broker.returncode != 0
    assert "beat: Starting..." in log.read_text()
