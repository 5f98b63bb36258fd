"""The real stack on this machine, without Docker: the run's PostgreSQL and Redis (scripts/test),
gunicorn with 2 workers, a Celery worker and Celery beat, all with production settings.

A restore is triggered through the Portal API; the worker copies Production into Staging and
delivers the signed restore webhook to a receiver in this test, which re-assigns the Staging
webhook through the built-in core API served by the same gunicorn. Every process is stopped by its
pid (portal.tests.processes.stopped), pass or fail; every wait is bounded.
"""

import http.client
import json
import os
import uuid
from contextlib import ExitStack
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD
from organizations.tests.conftest import (  # noqa: F401 - the orgs (owner, member, outsider: tests/fixtures.py)
    admin_user,
    production_org,
    staging_org,
)
from organizations.models import RestoreWebhookDelivery, StagingRestore, StagingRestoreWebhook
from portal.tests.processes import PYTHON, child_pids, free_port, production_env, stopped, wait_for
from tests.stack.restore_receiver import Reassign, RestoreReceiver

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL") or not TEST_REDIS_URL,
                       reason="needs the run's PostgreSQL (DATABASE_URL) and Redis (TEST_REDIS_URL): run scripts/test"),
    pytest.mark.django_db(transaction=True),  # the processes must see the seeded rows
    pytest.mark.xdist_group("real-stack"),
]
HOST = "portal.example.com"
PROXY = {"Host": HOST, "X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy sends
PORTAL_PASSWORD = "Stack-pass-123!"


def _pbkdf2(password: str) -> str:
    """Production verifies passwords with PBKDF2 (the test settings hash with MD5)."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=1000)


def _database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Portal:
    def __init__(self, port: int):
        self.port = port

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(method, path, body=body, headers={**PROXY, **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, (json.loads(data) if data else None)


def test_a_restore_triggered_through_the_api_reaches_the_webhook_through_the_real_stack(tmp_path, staging_org, admin_user):
    # --- data: a portal admin with a password production can verify, core passwords likewise ---
    admin_user.password = _pbkdf2(PORTAL_PASSWORD)
    admin_user.save(update_fields=["password"])
    m.CoreUser.objects.filter(marketplace__marketplace_id="acme").update(password=_pbkdf2(DEFAULT_CORE_PASSWORD))
    port = free_port()
    reassign = Reassign(core_base_url=f"http://127.0.0.1:{port}/core/staging", webhook_id="order-hook",
                        api_client_ids=["admin-client"], client_id="admin-client", username="admin",
                        password=DEFAULT_CORE_PASSWORD, headers=PROXY)
    queue = f"stack-{uuid.uuid4().hex[:10]}"  # other tests may share this Redis
    redis_base = TEST_REDIS_URL.rsplit("/", 1)[0]
    env = production_env(
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=TEST_REDIS_URL,
        REDIS_URL=f"{redis_base}/3",  # the cache: restore progress travels from the worker to the web
        CELERY_TASK_DEFAULT_QUEUE=queue,
        STATIC_ROOT=str(tmp_path / "static"),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS="1",  # the receiver listens on loopback
    )
    portal = Portal(port)

    with RestoreReceiver(hash_key="stack-key", reassign=reassign) as receiver, ExitStack() as stack:
        StagingRestoreWebhook.objects.create(organization=staging_org, url=receiver.url, hash_key="stack-key")
        web_log, worker_log, beat_log = tmp_path / "gunicorn.log", tmp_path / "worker.log", tmp_path / "beat.log"
        web = stack.enter_context(stopped([PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py"], env, web_log))
        worker = stack.enter_context(stopped(
            [PYTHON, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO", "-Q", queue,
             "-n", f"celery@{queue}", "--without-gossip", "--without-mingle"], env, worker_log))
        beat = stack.enter_context(stopped(
            [PYTHON, "-m", "celery", "-A", "portal", "beat", "--schedule", str(tmp_path / "beat-schedule"),
             "--loglevel=INFO"], env, beat_log))

        def healthy() -> bool:
            try:
                return portal.request("GET", "/healthz")[0] == 200
            except OSError:
                return False

        wait_for(healthy, timeout=60, what="gunicorn to answer /healthz", process=web, log=web_log)
        assert len(child_pids(web.pid)) == 2
        wait_for(lambda: "ready." in worker_log.read_text(), timeout=60, what="the celery worker",
                 process=worker, log=worker_log)
        wait_for(lambda: "beat: Starting..." in beat_log.read_text(), timeout=60, what="celery beat",
                 process=beat, log=beat_log)

        # Sign in to the Portal API like the SDK, and start a restore.
        form = urlencode({"grant_type": "password", "username": admin_user.username, "password": PORTAL_PASSWORD})
        status, tokens = portal.request("POST", "/api/v1/oauth/token", form.encode(),
                                        {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, tokens
        bearer = {"Authorization": f"Bearer {tokens['access_token']}", "Content-Type": "application/json"}
        status, started = portal.request("POST", "/api/v1/organizations/acme/stagingrestores", b"", bearer)
        assert status == 202, started
        assert started["Status"] in ("Queued", "Running", "Succeeded")

        assert receiver.done.wait(90), f"no restore webhook arrived:\n{worker_log.read_text()[-4000:]}"
        assert receiver.errors == []
        status, run = portal.request("GET", f"/api/v1/organizations/acme/stagingrestores/{started['ID']}", None, bearer)
        assert status == 200 and run["Status"] == "Succeeded", run
        assert {t["Resource"]: t["RowsCopied"] for t in run["Report"]}["Product"] == 5
        assert web.poll() is None and worker.poll() is None and beat.poll() is None

    # Everything is stopped by now (ExitStack), pass or fail.
    assert all(p.poll() is not None for p in (web, worker, beat))
    (got,) = receiver.received
    assert got["signature_ok"] and got["payload"]["OrganizationID"] == "acme" and got["payload"]["Test"] is False
    assert got["payload"]["ResourceCounts"]["Product"] == 5
    staging = m.Marketplace.objects.get(environment="staging", marketplace_id="acme")
    assert m.Webhook.objects.get(marketplace=staging, oc_id="order-hook").api_client_ids == ["admin-client"]
    assert StagingRestore.objects.get(pk=started["ID"]).status == "succeeded"
    assert list(RestoreWebhookDelivery.objects.values_list("status_code", "attempt")) == [(200, 1)]
    assert "staging_restore_execute_task" in worker_log.read_text()
