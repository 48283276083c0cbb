"""Under ASGI every page runs in a thread of its own. Pages must not open a new connection to
PostgreSQL or Redis each: connections are pooled per process (config/cache.py for Redis,
Django's psycopg pool for PostgreSQL), so one process can serve many pages a second."""

from __future__ import annotations

import threading

import pytest
import redis.connection
from django.conf import settings
from django.db import connection, connections

from tests.helpers import verified_client

pytestmark = [
    pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis pass only (REDIS_URL unset)"),
    pytest.mark.django_db(transaction=True),
]


def _pages_in_threads(client, count: int) -> list[int]:
    statuses: list[int] = []

    def page() -> None:
        try:
            statuses.append(client.get("/participant/").status_code)
        finally:
            # What Django's handler does when a request finishes (the test client does not):
            # a pooled connection goes back to the pool.
            connections.close_all()

    for _ in range(count):
        thread = threading.Thread(target=page)  # a thread per page, as under daphne
        thread.start()
        thread.join(timeout=60)
    return statuses


def test_pages_in_twenty_threads_connect_to_redis_at_most_once(participant, monkeypatch):
    client = verified_client(participant)
    assert client.get("/participant/").status_code == 200
    connects: list[object] = []
    original = redis.connection.AbstractConnection.connect

    def counting(self, *args, **kwargs):
        if getattr(self, "_sock", None) is None:  # a connection not yet open: a new one
            connects.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", counting)
    assert _pages_in_threads(client, 20) == [200] * 20
    assert len(connects) <= 1, f"{len(connects)} new Redis connections for 20 pages"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pool only")
def test_pages_in_twenty_threads_reuse_pooled_database_connections(participant):
    client = verified_client(participant)
    assert client.get("/participant/").status_code == 200
    pool = connection.pool
    assert pool is not None, "DATABASE_POOL is on by default for PostgreSQL"
    before = pool.get_stats().get("connections_num", 0)
    assert _pages_in_threads(client, 20) == [200] * 20
    opened = pool.get_stats().get("connections_num", 0) - before
    assert opened <= 2, f"{opened} new database connections for 20 pages"
