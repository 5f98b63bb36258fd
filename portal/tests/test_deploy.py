"""Deployment: docker-compose.yml, the Dockerfile and the production settings are what an
operator relies on. These tests read the files an operator runs and start the real processes.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from portal.tests.processes import BASE_DIR, PYTHON, production_env, run, secret_key

COMPOSE_FILE = BASE_DIR / "docker-compose.yml"
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat", "postgres", "redis")
REQUIRED_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "PORTAL_BASE_URL", "POSTGRES_PASSWORD")
# Read by libraries rather than through portal.env: Django itself and dj_database_url.config().
LIBRARY_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _depends(service: dict) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def _settings_variables() -> set[str]:
    """Every environment variable the settings read (they read it only through portal.env)."""
    names = set()
    for path in (BASE_DIR / "portal" / "settings").glob("*.py"):
        names |= set(re.findall(r"env\.(?:str_|bool_|int_|list_|required|has)\(\s*\"([A-Z0-9_]+)\"", path.read_text()))
    return names


def _gunicorn_variables() -> set[str]:
    return set(re.findall(r"os\.environ\.get\([\"']([A-Z0-9_]+)[\"']", (BASE_DIR / "gunicorn.conf.py").read_text()))


# --- docker-compose.yml -----------------------------------------------------------------


def test_compose_runs_web_worker_beat_postgres_redis_and_a_migrate_job(services):
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "migrate"}


def test_app_services_run_the_image_built_from_the_dockerfile(services):
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, "web, worker, beat and migrate must run the same release"
    for name in APP_SERVICES:
        assert services[name]["build"]["context"] == "."
    assert (BASE_DIR / "Dockerfile").is_file()


def test_web_serves_gunicorn_with_the_config_file_on_port_8000(services):
    web = services["web"]
    assert web["command"] == ["gunicorn", "--config", "gunicorn.conf.py"]
    assert web["environment"]["PORT"] == "8000"
    assert any(str(port).endswith(":8000") for port in web["ports"])
    gunicorn_conf = (BASE_DIR / "gunicorn.conf.py").read_text()
    assert 'wsgi_app = "portal.wsgi:application"' in gunicorn_conf
    assert "preload_app = False" in gunicorn_conf  # HUP reload must load the new code


def test_web_starts_only_after_migrations_on_healthy_postgres_and_redis(services):
    assert _depends(services["web"]) == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
        "migrate": "service_completed_successfully",
    }
    migrate = services["migrate"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert _depends(migrate) == {"postgres": "service_healthy"}
    assert migrate["restart"] == "no"  # a one-shot job: never loop on a failing migration


def test_worker_and_beat_run_celery_for_the_portal_app(services):
    worker, beat = services["worker"]["command"], services["beat"]["command"]
    assert worker[:4] == ["celery", "-A", "portal", "worker"]
    assert beat[:4] == ["celery", "-A", "portal", "beat"]
    assert _depends(services["worker"])["redis"] == "service_healthy"
    assert _depends(services["worker"])["postgres"] == "service_healthy"
    assert _depends(services["beat"])["redis"] == "service_healthy"


def test_beat_keeps_its_schedule_file_in_a_volume(compose, services):
    beat = services["beat"]
    schedule = beat["command"][beat["command"].index("--schedule") + 1]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in beat["volumes"]}
    assert str(Path(schedule).parent) in mounts
    assert mounts[str(Path(schedule).parent)] in compose["volumes"]
    assert "mkdir -p /var/lib/celery/beat" in (BASE_DIR / "Dockerfile").read_text()


def test_postgres_and_redis_keep_their_data_in_volumes_and_report_health(compose, services):
    postgres, redis = services["postgres"], services["redis"]
    assert re.fullmatch(r"postgres:1[56](\.\d+)?", postgres["image"])
    assert re.fullmatch(r"redis:7(\.\d+)*", redis["image"])
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    for service, path in ((postgres, "/var/lib/postgresql/data"), (redis, "/data")):
        volume, mount = service["volumes"][0].split(":")
        assert mount == path and volume in compose["volumes"]


def test_every_long_running_service_has_a_healthcheck_and_restarts(services):
    for name in LONG_RUNNING:
        service = services[name]
        assert service["healthcheck"]["test"], name
        assert not service["healthcheck"].get("disable"), name
        assert service["restart"] == "unless-stopped", name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping --destination celery@$$HOSTNAME" in " ".join(services["worker"]["healthcheck"]["test"])


def test_app_services_use_production_settings_and_the_compose_postgres_and_redis(services):
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == "portal.settings.production", name
        assert environment["DATABASE_URL"].startswith("postgres://portal:${POSTGRES_PASSWORD:?"), name
        assert environment["DATABASE_URL"].endswith("@postgres:5432/portal"), name
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/"), name
        assert environment["REDIS_URL"].startswith("redis://redis:6379/"), name
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_secrets_are_required_from_the_operator_never_defaulted(services):
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        for variable in ("SECRET_KEY", "ALLOWED_HOSTS"):
            assert re.fullmatch(rf"\$\{{{variable}:\?.+\}}", environment[variable]), (name, variable)


def test_compose_passes_only_variables_the_portal_reads(services):
    """A misspelt variable would be silently ignored; every name must be one the code reads."""
    known = _settings_variables() | _gunicorn_variables() | LIBRARY_VARIABLES
    for name in APP_SERVICES:
        unknown = set(services[name]["environment"]) - known
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"


# Variables the README's table lists that compose does not take from .env, and why.
NOT_FROM_DOT_ENV = {
    "DJANGO_DEBUG": "always off in production",
    "STATIC_ROOT": "used when the image is built",
    "PORT": "compose publishes web's port 8000",
    "GUNICORN_BIND": "compose publishes web's port 8000 (WEB_PUBLISH)",
    "REDIS_URL": "compose's redis service",
    "CELERY_BROKER_URL": "compose's redis service",
    "DATABASE_URL": "compose's postgres service",
}


def test_compose_passes_every_variable_of_the_readme_table_an_operator_sets_in_env(services):
    """A variable set in .env reaches the portal only when compose names it in `environment`;
    otherwise the README's table documents a setting that does nothing under compose."""
    web_only = {"PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "TRUSTED_PROXY_COUNT", "GUNICORN_TIMEOUT"}
    readable = (_settings_variables() | _gunicorn_variables()) - set(NOT_FROM_DOT_ENV)
    for name in APP_SERVICES:
        expected = readable if name == "web" else readable - web_only
        missing = expected - set(services[name]["environment"])
        assert not missing, f"{name} ignores these variables of .env: {sorted(missing)}"
    for variable in sorted(readable):
        value = services["web"]["environment"][variable]
        assert variable in value or not value.startswith("${"), variable  # ${VARIABLE:-default}, not another name


@pytest.fixture
def docker_compose(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (scripts/test installs Debian's docker-compose)")
    empty_env_file = tmp_path / "empty.env"  # ignore an operator's .env next to the file
    empty_env_file.write_text("")

    def config(**variables: str) -> subprocess.CompletedProcess:
        env = production_env(**variables)
        for name in ("SECRET_KEY", "ALLOWED_HOSTS", "PORTAL_BASE_URL", "DJANGO_SETTINGS_MODULE"):
            if name not in variables:
                env.pop(name)
        return run([binary, "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), "config", "-q"], env)

    return config


def test_docker_compose_validates_the_file(docker_compose):
    result = docker_compose(SECRET_KEY=secret_key(), ALLOWED_HOSTS="portal.example.com",
                            PORTAL_BASE_URL="https://portal.example.com", POSTGRES_PASSWORD="pw")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", REQUIRED_VARIABLES)
def test_docker_compose_refuses_to_start_without_a_required_variable(docker_compose, missing):
    variables = {"SECRET_KEY": secret_key(), "ALLOWED_HOSTS": "portal.example.com",
                 "PORTAL_BASE_URL": "https://portal.example.com", "POSTGRES_PASSWORD": "pw"}
    del variables[missing]
    result = docker_compose(**variables)
    assert result.returncode != 0
    assert f"Set {missing}" in result.stderr


# --- Dockerfile ---------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_python_311_image_with_static_files():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "RUN pip install ." in dockerfile
    assert re.search(r"^USER portal$", dockerfile, re.M)
    assert dockerfile.index("collectstatic --noinput") < dockerfile.index("USER portal")
    assert "DJANGO_SETTINGS_MODULE=portal.settings.production" in dockerfile
    # The build-time key is not baked into the image's environment.
    assert not re.search(r"^ENV .*SECRET_KEY", dockerfile, re.M)
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env"} <= set(ignored)


def test_dockerfile_collectstatic_step_runs_with_the_production_settings(tmp_path):
    """`docker compose up --build` runs this step with the image's ENV and the variables the RUN
    line sets, nothing else: the production settings must import with just those."""
    dockerfile = (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    step = next(line for line in dockerfile.splitlines() if "collectstatic" in line)
    assert step.startswith("RUN ")
    assignments = dict(re.findall(r"\b([A-Z][A-Z0-9_]*)=(\S+)", step.split("python manage.py", 1)[0]))
    env = production_env(**{"SECRET_KEY": None, "ALLOWED_HOSTS": None, "PORTAL_BASE_URL": None, **assignments})
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'build.sqlite3'}"
    env["STATIC_ROOT"] = str(tmp_path / "static")
    result = run([PYTHON, "manage.py", "collectstatic", "--noinput"], env, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").is_file()


# --- Production settings ------------------------------------------------------------------

IMPORT_SETTINGS = ["-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"]


def test_production_settings_refuse_to_start_without_secret_key():
    result = run([PYTHON, *IMPORT_SETTINGS], production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY must be set in production" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["too-short-0123456789", "insecure-embedded-development-key-change-me-0123456789", "a" * 64],
    ids=["short", "placeholder", "one-character"],
)
def test_production_settings_refuse_an_insecure_secret_key(key):
    result = run([PYTHON, *IMPORT_SETTINGS], production_env(SECRET_KEY=key))
    assert result.returncode != 0
    assert "SECRET_KEY must be a random string of at least 50 characters" in result.stderr


@pytest.mark.parametrize("hosts", [None, "", " , "], ids=["unset", "empty", "blank-items"])
def test_production_settings_refuse_empty_allowed_hosts(hosts):
    result = run([PYTHON, *IMPORT_SETTINGS], production_env(ALLOWED_HOSTS=hosts))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list the host names this portal answers to" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"PORTAL_BASE_URL": None}, "PORTAL_BASE_URL must be set in production"),
        ({"PORTAL_BASE_URL": "http://portal.example.com"}, "PORTAL_BASE_URL must be an https:// address"),
        ({"PORTAL_BASE_URL": "https://127.0.0.1:8000"}, "The host of PORTAL_BASE_URL (127.0.0.1) must be one of ALLOWED_HOSTS"),
    ],
    ids=["unset", "http", "foreign-host"],
)
def test_production_settings_refuse_a_base_url_the_console_could_not_call(overrides, message):
    result = run([PYTHON, *IMPORT_SETTINGS], production_env(**overrides))
    assert result.returncode != 0
    assert message in result.stderr


def test_plain_http_base_url_is_fine_without_the_https_redirect():
    env = production_env(PORTAL_BASE_URL="http://portal.example.com", SECURE_SSL_REDIRECT="0")
    assert run([PYTHON, *IMPORT_SETTINGS], env).returncode == 0


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_ignore_django_debug(tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DJANGO_DEBUG="1")
    result = run([PYTHON, *IMPORT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# --- README -------------------------------------------------------------------------------


def test_readme_documents_every_environment_variable():
    readme = (BASE_DIR / "README.md").read_text()
    assert "## Running in production" in readme
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}
    missing = (_settings_variables() | _gunicorn_variables() | LIBRARY_VARIABLES | set(REQUIRED_VARIABLES)) - documented
    assert not missing, f"add these to the table in README.md, 'Running in production': {sorted(missing)}"


# --- the shared cache ------------------------------------------------------------------------------
def test_the_cache_falls_back_to_a_redis_broker():
    env = production_env(REDIS_URL=None, CELERY_BROKER_URL="redis://broker.example:6379/1")
    result = run([PYTHON, "-c", "import django; django.setup(); from django.conf import settings; "
                  "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["portal.common.cache.FailOpenRedisCache", "redis://broker.example:6379/1"]


def test_deploy_check_warns_when_workers_cannot_share_the_cache(settings):
    from portal.common.checks import W001, cache_shared_by_processes

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in cache_shared_by_processes()] == [W001]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert cache_shared_by_processes() == []
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded default: one process does everything
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert cache_shared_by_processes() == []


def test_readme_names_every_variable_compose_requires():
    readme = (BASE_DIR / "README.md").read_text().replace("\n", " ")
    sentence = readme.split("Compose refuses to start without", 1)[1].split(", and the", 1)[0]
    assert set(re.findall(r"`([A-Z0-9_]+)`", sentence)) == set(REQUIRED_VARIABLES)
