"""Django's Redis cache with one connection pool per process.

Django's RedisCache keeps its connection pool on the cache object, and Django makes a cache
object per thread; under ASGI every page runs in a thread of its own, so every page opened (and
dropped) a new connection to Redis. Here the pools live at module level, one per server and
options, shared by every thread of the process (redis-py's pools are thread-safe)."""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        this: Any = self  # Django's private attributes, which django-stubs does not declare
        index = this._get_connection_pool_index(write)
        server, options = this._servers[index], this._pool_options
        key = (server, repr(sorted(options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = this._pool_class.from_url(server, **options)
                    _pools[key] = pool
        return pool


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
