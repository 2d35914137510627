"""Django's Redis cache, made so that Redis going away costs speed, never a page.

Django's own `RedisCache` raises whatever redis-py raises: with Redis stopped every page is a 500
(Wagtail looks up its site root in the cache on each request), and with Redis hung each request
waits for the operating system's TCP timeout. Here every call is bounded by short socket
timeouts, is not retried, and on any Redis error falls back to a small cache in this process;
after an error Redis is left alone for a few seconds, so a hung server slows at most one request
in that time. Sessions use `cached_db`, so they live in the database and survive all of this.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import RedisError
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Seconds: how long one Redis call may take, and how long Redis is left alone after it failed.
SOCKET_TIMEOUT = 0.25
REST_AFTER_FAILURE = 5.0

OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class ForgivingRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):

        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(servers, **options)
        self.fallback = LocMemCache("redis-fallback", {"OPTIONS": {"MAX_ENTRIES": 1000}})
        self.resting_until = 0.0

    def call(self, name, *args):
        if time.monotonic() >= self.resting_until:
            try:
                return getattr(super(), name)(*args)
            except self._lib.RedisError as error:
                self.resting_until = time.monotonic() + REST_AFTER_FAILURE
                logger.warning("Redis cache unavailable, using this process's memory: %s", error)
        return getattr(self.fallback, name)(*args)


def _forgiving(name):
    def operation(self, *args):
        return self.call(name, *args)

    operation.__name__ = name
    return operation


for _name in OPERATIONS:
    setattr(ForgivingRedisCacheClient, _name, _forgiving(_name))


class ForgivingRedisCache(RedisCache):
    """settings.CACHES backend: `cms.cache.ForgivingRedisCache`."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ForgivingRedisCacheClient

    @property
    def client(self) -> ForgivingRedisCacheClient:
        return self._cache

    def ping(self) -> str | None:
        """None if Redis answers now, else what went wrong (for /readyz)."""

        try:
            self.client.get_client(write=True).ping()
        except RedisError as error:
            return f"{type(error).__name__}: {error}"
        return None


def ping(cache) -> str | None:
    """None if the cache answers (or is not Redis), else what went wrong."""
    return cache.ping() if isinstance(cache, ForgivingRedisCache) else None
