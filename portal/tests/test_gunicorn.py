"""The web process as docker-compose runs it: gunicorn with gunicorn.conf.py (2 workers),
production settings, static files collected with the manifest storage and served by WhiteNoise.

The database is the test run's PostgreSQL (the migrated test database) when DATABASE_URL is set,
otherwise a SQLite file. The broker is scripts/test's Redis when TEST_REDIS_URL is set.
"""

import http.client
import json
import os
import signal
import time
from contextlib import ExitStack

import pytest
import yaml

from portal.tests.processes import (
    BASE_DIR,
    PYTHON,
    child_pids,
    free_port,
    log_tail,
    production_env,
    run,
    stopped,
    wait_for,
)

pytestmark = pytest.mark.xdist_group("gunicorn")  # one server for the whole module
HOST = "portal.example.com"


def _database_url(tmp_path) -> str:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        user = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
        return f"postgres://{user}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return f"sqlite:///{tmp_path / 'db.sqlite3'}"


class Server:
    def __init__(self, port: int, process, log):
        self.port, self.process, self.log = port, process, log

    def get(self, path: str, *, host: str = HOST, https: bool = True, timeout: float = 20) -> http.client.HTTPResponse:
        """A request as the TLS-terminating reverse proxy forwards it."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Host": host, "Accept-Encoding": "identity"}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_setup, django_db_blocker):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = production_env(
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=_database_url(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        CELERY_BROKER_URL=os.environ.get("TEST_REDIS_URL"),
        PORT=str(port),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    # What the image build (collectstatic) and the migrate job do, side by side to save time.
    # The PostgreSQL test database is migrated already; a fresh SQLite file is not.
    jobs = [["manage.py", "collectstatic", "--noinput"]]
    if env["DATABASE_URL"].startswith("sqlite"):
        jobs.append(["manage.py", "migrate", "--noinput"])
    with ExitStack() as stack:
        running = [
            (job, stack.enter_context(stopped([PYTHON, *job], env, tmp_path / f"{job[1]}.log"))) for job in jobs
        ]
        for job, process in running:
            assert process.wait(timeout=120) == 0, log_tail(tmp_path / f"{job[1]}.log")
    log = tmp_path / "gunicorn.log"
    with stopped([PYTHON, "-m", "gunicorn", "--config", "gunicorn.conf.py"], env, log) as process:
        server = Server(port, process, log)

        def answers() -> bool:
            try:
                return server.get("/healthz").status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60, what="gunicorn to answer /healthz", process=process, log=log)
        server.env, server.static_root = env, tmp_path / "static"
        yield server


def test_healthz_reports_database_and_broker_over_plain_http(server):
    response = server.get("/healthz", https=False)  # the container healthcheck speaks plain HTTP
    assert response.status == 200, response.body
    assert response.getheader("Content-Type") == "application/json"
    assert "no-cache" in response.getheader("Cache-Control")
    expected_broker = "ok" if os.environ.get("TEST_REDIS_URL") else "eager"
    assert json.loads(response.body) == {"status": "ok", "database": "ok", "broker": expected_broker}


def test_runs_two_workers_from_the_config_file(server):
    assert len(child_pids(server.process.pid)) == 2
    assert "Booting worker" in server.log.read_text()


def test_the_compose_web_healthcheck_passes_against_the_server(server):
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    kind, *command = compose["services"]["web"]["healthcheck"]["test"]
    assert kind == "CMD" and command[0] == "python"
    result = run([PYTHON, *command[1:]], server.env, timeout=20)
    assert result.returncode == 0, result.stderr


def test_plain_http_pages_redirect_to_https(server):
    response = server.get("/accounts/login/", https=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/"


def test_pages_forwarded_as_https_carry_the_security_headers(server):
    response = server.get("/accounts/login/")
    assert response.status == 200, response.body[:2000]
    assert "max-age=31536000" in response.getheader("Strict-Transport-Security")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("X-Frame-Options") == "DENY"
    # The page links the hashed, cacheable stylesheet from the manifest.
    manifest = json.loads((server.static_root / "staticfiles.json").read_text())["paths"]
    assert f'/static/{manifest["css/portal.css"]}' in response.body.decode()


def test_unknown_hosts_are_refused(server):
    assert server.get("/healthz", host="evil.example.net").status == 400


def test_whitenoise_serves_hashed_static_files_cached_for_a_year(server):
    manifest = json.loads((server.static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/portal.css"]
    assert hashed != "css/portal.css" and hashed.startswith("css/portal.")
    response = server.get(f"/static/{hashed}")
    assert response.status == 200
    assert response.getheader("Content-Type").startswith("text/css")
    assert "immutable" in response.getheader("Cache-Control")
    assert "max-age=315360000" in response.getheader("Cache-Control")
    assert response.body == (server.static_root / hashed).read_bytes()
    assert b".card" in response.body

    unhashed = server.get("/static/css/portal.css")
    assert unhashed.status == 200
    assert "immutable" not in unhashed.getheader("Cache-Control")  # may change with the next release


def test_hup_replaces_the_workers_without_dropping_a_request(server):
    """The in-place reload (README, "Releases without downtime"): gunicorn forks new workers that
    import the new code and stops the old ones. Requests arriving meanwhile wait in the listening
    socket's backlog until a new worker has imported the app (about a second), none fails."""
    before = child_pids(server.process.pid)
    server.process.send_signal(signal.SIGHUP)
    statuses = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses.append(server.get("/healthz", timeout=60).status)
        after = child_pids(server.process.pid)
        if len(after) == 2 and not (after & before):
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"workers were not replaced: before {before}, now {child_pids(server.process.pid)}")
    assert statuses and set(statuses) == {200}
    assert server.get("/healthz").status == 200
