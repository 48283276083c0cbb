"""The sockets' database connections (accounts.realtime.refresh_socket_connections and
socket_db): one healthy connection is kept between calls; one that is broken, left in a
transaction or too old is closed, and the next one opened is kept in its place.

The tests use a connection of their own (a SQLite file in tmp_path, behind a ConnectionHandler
put in place of django.db.connections), so closing it never touches the test database."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db.utils import ConnectionHandler

from accounts import realtime


@pytest.fixture
def conn(tmp_path, monkeypatch, settings, django_db_blocker) -> Iterator[object]:
    settings.SOCKET_CONN_MAX_AGE = 60
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "s.db")}}
    )
    monkeypatch.setattr(realtime, "connections", handler)
    with django_db_blocker.unblock():
        wrapper = handler["default"]
        wrapper.ensure_connection()
        yield wrapper
        wrapper.close()


def _query(conn) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_a_healthy_connection_is_kept_between_calls(conn):
    realtime.refresh_socket_connections()
    raw = conn.connection
    assert raw is not None and conn.health_check_enabled
    assert conn.close_at > time.monotonic() + 50  # SOCKET_CONN_MAX_AGE, not CONN_MAX_AGE (0)
    _query(conn)
    realtime.refresh_socket_connections()
    assert conn.connection is raw


def test_a_broken_connection_is_closed_and_the_next_one_kept(conn):
    realtime.refresh_socket_connections()
    broken = conn.connection
    conn.errors_occurred = True
    conn.is_usable = lambda: False  # SQLite's own is_usable always says yes
    realtime.refresh_socket_connections()
    assert conn.connection is None
    del conn.is_usable
    _query(conn)
    realtime.refresh_socket_connections()
    assert conn.connection is not None and conn.connection is not broken
    assert conn.close_at > time.monotonic() + 50


def test_a_connection_left_in_a_transaction_is_closed(conn):
    realtime.refresh_socket_connections()
    conn.set_autocommit(False)
    realtime.refresh_socket_connections()
    assert conn.connection is None


def test_a_connection_past_its_age_is_closed(conn):
    realtime.refresh_socket_connections()
    conn.close_at = time.monotonic() - 1
    realtime.refresh_socket_connections()
    assert conn.connection is None


def test_without_a_socket_age_each_call_closes_its_connection(conn, settings):
    settings.SOCKET_CONN_MAX_AGE = 0
    realtime.refresh_socket_connections()  # CONN_MAX_AGE 0: closed at once, as pages do
    assert conn.connection is None


async def test_socket_db_refreshes_before_and_after_each_call(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(realtime, "refresh_socket_connections", lambda: calls.append("refresh"))

    def work() -> int:
        calls.append("work")
        return 42

    assert await realtime.socket_db(work)() == 42
    assert calls == ["refresh", "work", "refresh"]
