"""Redis (the cache) down: signing in, the Portal API's sign-in and every page keep working,
rate limits fail open and the outage is logged (portal.common.cache.FailOpenRedisCache).

Nothing listens on port 1, so every call of the real Redis client raises its ConnectionError,
as in production with the redis service stopped."""

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from organizations.models import StagingRestore
from portal.common import cache as fail_open
from tests.portal_api import PortalApi

pytestmark = pytest.mark.django_db

REDIS_DOWN = {"default": {"BACKEND": "portal.common.cache.FailOpenRedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
# the production limits (the test settings turn allauth's off)
LIMITS = {"login": "30/m/ip", "login_failed": "10/m/ip,5/5m/key", "signup": "20/m/ip"}


@pytest.fixture
def redis_down(settings):
    settings.CACHES = REDIS_DOWN
    settings.ACCOUNT_RATE_LIMITS = LIMITS
    fail_open.FailOpenRedisCache._last_logged = fail_open.FailOpenRedisCache._skip_until = 0.0
    yield
    fail_open.FailOpenRedisCache._last_logged = fail_open.FailOpenRedisCache._skip_until = 0.0


def test_the_cache_answers_as_an_empty_cache_that_stores_nothing(redis_down, caplog):
    caplog.set_level(logging.DEBUG, logger="portal.common.cache")
    assert cache.get("k") is None and cache.get("k", 7) == 7
    assert cache.add("lock", True) is True  # a lock taken with add is acquired, not waited for
    assert cache.set("k", 1) is None and cache.set_many({"a": 1}) == []
    assert cache.incr("n") == 1 and cache.incr("n", 5) == 5
    assert cache.get_many(["a", "b"]) == {} and cache.has_key("k") is False
    assert cache.delete("k") is False and cache.delete_many(["a"]) is None and cache.touch("k") is False
    assert cache.get_or_set("k", 3) == 3
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1  # once a minute per process, not once per call
    assert "Redis cache unavailable" in errors[0].getMessage() and "rate limits are not enforced" in errors[0].getMessage()


def test_after_a_failure_redis_is_left_alone_for_a_few_seconds(redis_down, monkeypatch):
    """An unreachable host makes each call wait the connect timeout: a sign-in's several cache
    calls must not each wait it."""
    from django.core.cache.backends.redis import RedisCache

    tried = []
    real_get = RedisCache.get
    monkeypatch.setattr(RedisCache, "get", lambda self, *a, **k: tried.append(a) or real_get(self, *a, **k))
    clock = [1000.0]
    monkeypatch.setattr(fail_open.time, "monotonic", lambda: clock[0])
    assert cache.get("a", 1) == 1 and cache.get("b", 2) == 2 and cache.add("lock", True) is True
    assert len(tried) == 1  # only the first call went to Redis
    clock[0] += fail_open.SKIP_SECONDS + 0.1
    assert cache.get("c", 3) == 3
    assert len(tried) == 2  # then it is tried again


def test_other_redis_errors_still_raise(redis_down, monkeypatch):
    from django.core.cache.backends.redis import RedisCache
    from redis.exceptions import ResponseError

    def wrong_type(*args, **kwargs):
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    monkeypatch.setattr(RedisCache, "get", wrong_type)
    with pytest.raises(ResponseError):
        cache.get("k")


def test_signing_in_works_and_logs_the_outage(redis_down, client, user, password, caplog):
    wrong = client.post(reverse("account_login"), {"login": "hamlet", "password": "wrong"})
    assert wrong.status_code == 200 and "not correct" in wrong.content.decode()
    response = client.post(reverse("account_login"), {"login": "hamlet", "password": password})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert client.get(response["Location"]).status_code == 200
    assert any("Redis cache unavailable" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


def test_signing_up_works(redis_down, client):
    response = client.post(reverse("account_signup"), {"email": "new@example.com", "username": "newcomer",
                                                       "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_the_portal_api_sign_in_works(redis_down, client, user, password):
    form = {"grant_type": "password", "username": "hamlet"}
    assert client.post("/api/v1/oauth/token", {**form, "password": "wrong"}).status_code == 400
    response = client.post("/api/v1/oauth/token", {**form, "password": password})
    assert response.status_code == 200, response.content
    assert "access_token" in response.json()


def test_pages_of_a_signed_in_user_work(redis_down, client, owner, org):
    client.force_login(owner)
    for url in ["/", reverse("dashboard"), "/organizations/", f"/organizations/sandbox/{org.oc_id}/",
                "/account/profile/", "/account/authentication/", "/console/"]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
    assert PortalApi(client, owner).get("/me").status_code == 200


def test_a_running_restore_page_shows_no_progress_rather_than_failing(redis_down, staging_org, client, admin_user):
    run = StagingRestore.objects.create(organization=staging_org, status="running", tables_total=4)
    client.force_login(admin_user)
    assert client.get("/organizations/staging/acme/restore/").status_code == 200
    partial = client.get(f"/organizations/staging/acme/restore/{run.pk}/progress/", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and 'aria-valuenow="0"' in partial.content.decode()
