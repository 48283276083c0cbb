"""The pages' ASGI handler: Django's, with a bound on how many pages run their view at once.

Under ASGI Django gives every request a thread of its own for the sync parts (our middleware
and views). With more requests in flight than the database pool has connections
(DATABASE_POOL_MAX), the extra threads only wait for a connection, and the process pays for
switching between them: on one daphne, 64 clients made fewer pages a second than 16
(bench/ceiling.py). Here a request past the bound waits as a coroutine, before its view starts
and before it takes a connection, and runs when one of the running requests has its response.

Reading the request body and sending the response stay outside the bound, so a slow client
(a slow upload, a slow download) holds no place in it."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class BoundedASGIHandler(ASGIHandler):
    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        # One semaphore per event loop (daphne runs one; tests may run several in turn).
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.limit)
        return gate

    async def run_get_response(self, request: HttpRequest) -> HttpResponseBase:
        if self.limit <= 0:
            return await super().run_get_response(request)
        async with self._gate():
            return await super().run_get_response(request)


def page_concurrency() -> int:
    """WEB_CONCURRENCY_LIMIT, or by default the database pool's connections that the sockets'
    threads leave to pages (PostgreSQL: DATABASE_POOL_MAX - SOCKET_DB_THREADS -
    SOCKET_CONNECT_THREADS, each of those threads keeping one), and 8 on SQLite (one writer at
    a time; more threads only wait for its lock)."""
    configured: int | None = settings.WEB_CONCURRENCY_LIMIT
    if configured is not None:
        return configured
    pool: Any = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict):
        sockets = settings.SOCKET_DB_THREADS + settings.SOCKET_CONNECT_THREADS
        return max(1, int(pool.get("max_size", 10)) - sockets)
    return 8


def get_application() -> BoundedASGIHandler:
    """Like django.core.asgi.get_asgi_application, with the bound."""
    import django

    django.setup(set_prefix=False)
    return BoundedASGIHandler(page_concurrency())
