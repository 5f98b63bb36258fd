"""The Redis cache, failing open when Redis is unreachable.

The portal keeps nothing in the cache that it cannot do without: sessions live in the database,
and the cache holds sign-in rate limits (allauth's and the Portal API's), and staging restore
progress. Django's RedisCache raises redis' ConnectionError or TimeoutError on every call while
Redis is down, which turned each sign-in into a 500. `FailOpenRedisCache` answers instead as an
empty cache that stores nothing (as Sentry's rate limiter does: a limit that cannot be checked
lets the request through) and logs the outage, once a minute per process, so the operator is
told while users keep working:

- reads miss (`get` returns the default, `get_many` {}, `has_key` False);
- writes are dropped; `add` reports success, so a lock taken with it (allauth's rate-limit lock)
  is "acquired" instead of waited for and then refused as a 429;
- `incr` returns `delta`, as on a counter that did not exist.

Only connection failures and timeouts fail open; any other Redis error (a bad command, a wrong
type) still raises, since it is a bug, not an outage.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY_SECONDS = 60
LOG_UNAVAILABLE = (
    "Redis cache unavailable (%s: %s): rate limits are not enforced and staging restore progress "
    "is not shown until it is back"
)


class FailOpenRedisCache(RedisCache):
    _last_logged = 0.0  # per process

    def _unavailable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - FailOpenRedisCache._last_logged >= LOG_EVERY_SECONDS:
            FailOpenRedisCache._last_logged = now
            logger.error(LOG_UNAVAILABLE, operation, exc)
        else:
            logger.debug(LOG_UNAVAILABLE, operation, exc)

    def add(self, key, *args, **kwargs):
        try:
            return super().add(key, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("add", exc)
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            self._unavailable("get", exc)
            return default

    def set(self, key, *args, **kwargs):
        try:
            return super().set(key, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("set", exc)

    def touch(self, key, *args, **kwargs):
        try:
            return super().touch(key, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("touch", exc)
            return False

    def delete(self, key, *args, **kwargs):
        try:
            return super().delete(key, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("delete", exc)
            return False

    def get_many(self, keys, *args, **kwargs):
        try:
            return super().get_many(keys, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("get_many", exc)
            return {}

    def has_key(self, key, *args, **kwargs):
        try:
            return super().has_key(key, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("has_key", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            self._unavailable("incr", exc)
            return delta

    def set_many(self, data, *args, **kwargs):
        try:
            return super().set_many(data, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("set_many", exc)
            return []

    def delete_many(self, keys, *args, **kwargs):
        try:
            return super().delete_many(keys, *args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable("delete_many", exc)

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as exc:
            self._unavailable("clear", exc)
            return False
