"""The Redis cache, failing open when Redis is unreachable.

The portal keeps nothing in the cache that it cannot do without: sessions live in the database,
and the cache holds sign-in rate limits (allauth's and the Portal API's), staging restore
progress, sign-up codes (accounts.services_register) and the one-time tokens of the console's
create forms (a double-clicked Save creating one API client or webhook, console.views_admin). Django's RedisCache raises redis' ConnectionError or TimeoutError on every call while
Redis is down, which turned each sign-in into a 500. `FailOpenRedisCache` answers instead as an
empty cache that stores nothing (as Sentry's rate limiter does: a limit that cannot be checked
lets the request through) and logs the outage, once a minute per process, so the operator is
told while users keep working:

- reads miss (`get` returns the default, `get_many` {}, `has_key` False);
- writes are dropped; `add` reports success, so a lock taken with it (allauth's rate-limit lock)
  is "acquired" instead of waited for and then refused as a 429;
- `incr` returns `delta`, as on a counter that did not exist.

After a failure Redis is not tried again for SKIP_SECONDS (per process): an unreachable host
(each call waiting the 2 s connect timeout) would otherwise make a sign-in, which makes several
cache calls, take tens of seconds.

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
SKIP_SECONDS = 5
LOG_UNAVAILABLE = (
    "Redis cache unavailable (%s: %s): rate limits are not enforced and staging restore progress "
    "is not shown until it is back"
)


class FailOpenRedisCache(RedisCache):
    _last_logged = 0.0  # per process
    _skip_until = 0.0  # per process: Redis failed; answer as unavailable without trying until then

    def _unavailable(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        FailOpenRedisCache._skip_until = now + SKIP_SECONDS
        if now - FailOpenRedisCache._last_logged >= LOG_EVERY_SECONDS:
            FailOpenRedisCache._last_logged = now
            logger.error(LOG_UNAVAILABLE, operation, exc)
        else:
            logger.debug(LOG_UNAVAILABLE, operation, exc)

    def _guarded(self, operation: str, call, fallback):
        if time.monotonic() < FailOpenRedisCache._skip_until:
            return fallback
        try:
            return call()
        except UNAVAILABLE as exc:
            self._unavailable(operation, exc)
            return fallback

    def add(self, key, *args, **kwargs):
        return self._guarded("add", lambda: super(FailOpenRedisCache, self).add(key, *args, **kwargs), True)

    def get(self, key, default=None, version=None):
        return self._guarded("get", lambda: super(FailOpenRedisCache, self).get(key, default, version), default)

    def set(self, key, *args, **kwargs):
        return self._guarded("set", lambda: super(FailOpenRedisCache, self).set(key, *args, **kwargs), None)

    def touch(self, key, *args, **kwargs):
        return self._guarded("touch", lambda: super(FailOpenRedisCache, self).touch(key, *args, **kwargs), False)

    def delete(self, key, *args, **kwargs):
        return self._guarded("delete", lambda: super(FailOpenRedisCache, self).delete(key, *args, **kwargs), False)

    def get_many(self, keys, *args, **kwargs):
        return self._guarded("get_many", lambda: super(FailOpenRedisCache, self).get_many(keys, *args, **kwargs), {})

    def has_key(self, key, *args, **kwargs):
        return self._guarded("has_key", lambda: super(FailOpenRedisCache, self).has_key(key, *args, **kwargs), False)

    def incr(self, key, delta=1, version=None):
        return self._guarded("incr", lambda: super(FailOpenRedisCache, self).incr(key, delta, version), delta)

    def set_many(self, data, *args, **kwargs):
        return self._guarded("set_many", lambda: super(FailOpenRedisCache, self).set_many(data, *args, **kwargs), [])

    def delete_many(self, keys, *args, **kwargs):
        return self._guarded("delete_many", lambda: super(FailOpenRedisCache, self).delete_many(keys, *args, **kwargs),
                             None)

    def clear(self):
        return self._guarded("clear", lambda: super(FailOpenRedisCache, self).clear(), False)


def window_count(key: str, window: int) -> int:
    """Add one to the counter `key` of the default cache, which starts at 0 and lives `window`
    seconds from its first count (a fixed window, not sliding); returns the new count. Rate limits
    (the Portal API's sign-in failures, code mails per client address) count with it."""
    from django.core.cache import cache

    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1
