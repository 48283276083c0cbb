"""Waking an idle task worker when a task is queued, so it can wait long between looks at
the queue (an idle worker used to ask the database every second: ~8 % of a core).

- PostgreSQL: a trigger on the queue's table sends `NOTIFY omtag_tasks` with every insert
  (migration 0002; PostgreSQL delivers it at commit, when the task is visible, and the enqueue
  makes no round trip for it); the worker LISTENs on a connection of its own and sleeps in
  select() until it hears it.
- SQLite (one machine): the enqueue touches a file beside the database file; the worker looks
  at the file's time four times a second (a stat, no query).
- Otherwise (an in-memory database: tests): the worker just polls.

Either way the worker also looks at the queue every `interval` seconds, for a wake-up that was
missed (a LISTEN connection that dropped) and for the lease (worker/lease.py)."""

from __future__ import annotations

import logging
import os
import select
import time
from pathlib import Path
from typing import Any, Protocol

from django.db import connections, transaction

logger = logging.getLogger("worker")

CHANNEL = "omtag_tasks"
FILE_CHECK_SECONDS = 0.25


def _task_db_alias() -> str:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.db


def _wake_file(alias: str) -> Path | None:
    """The file beside an SQLite database's file that the enqueue touches; None in memory."""
    settings_dict = connections[alias].settings_dict
    name = str(settings_dict.get("NAME") or "")
    if "memory" in name or not name or name.startswith("file:"):
        return None
    return Path(name + "-wake")


def wake_on_enqueue(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """Receiver of task_enqueued: wake the workers on SQLite (PostgreSQL's trigger does it
    there). Never fails the enqueue (a worker missing the wake-up still finds the task at its
    next look)."""
    from django_tasks_db.backend import DatabaseBackend

    if not (isinstance(sender, type) and issubclass(sender, DatabaseBackend)):
        return
    alias = _task_db_alias()
    if connections[alias].vendor != "sqlite":
        return
    path = _wake_file(alias)
    if path is not None:
        # Once the task's row is committed: a worker woken before would find nothing and
        # sleep its full interval (a task may be queued inside a transaction).
        transaction.on_commit(lambda: _touch(path), using=alias)


def _touch(path: Path) -> None:
    try:
        path.touch()
    except OSError:  # a wake-up is a hint; the queue row is what counts
        logger.warning("could not wake the task worker", exc_info=True)


class Waiter(Protocol):
    def arm(self) -> None:
        """Forget wake-ups so far: called just before the worker looks at the queue, so one
        arriving after the look wakes the wait that follows it."""

    def wait(self, timeout: float) -> bool:
        """Sleep until woken or `timeout` seconds; True if woken."""

    def close(self) -> None: ...


class PollWaiter:
    def arm(self) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        time.sleep(timeout)
        return False

    def close(self) -> None:
        pass


class FileWaiter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = self._stamp()

    def _stamp(self) -> int:
        try:
            return os.stat(self.path).st_mtime_ns
        except OSError:
            return 0

    def arm(self) -> None:
        self.seen = self._stamp()

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self._stamp() != self.seen:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(FILE_CHECK_SECONDS, left))

    def close(self) -> None:
        pass


class ListenWaiter:
    """LISTEN on a connection of its own (psycopg, autocommit). If it drops, the worker polls
    until it can listen again."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.conn: Any = None
        self._connect()

    def _connect(self) -> None:
        import psycopg

        wrapper = connections[self.alias]
        params = wrapper.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("server_side_binding", None)
        try:
            self.conn = psycopg.connect(**params, autocommit=True)
            self.conn.execute(f"LISTEN {CHANNEL}")
        except Exception:
            logger.warning("cannot LISTEN for new tasks; polling meanwhile", exc_info=True)
            self.close()

    def _drain(self) -> bool:
        woken = False
        for _notify in self.conn.notifies(timeout=0):
            woken = True
        return woken

    def arm(self) -> None:
        if self.conn is None:
            self._connect()
        if self.conn is None:
            return
        try:
            self._drain()
        except Exception:
            self.close()

    def wait(self, timeout: float) -> bool:
        if self.conn is None:
            time.sleep(timeout)
            return False
        try:
            ready, _, _ = select.select([self.conn.fileno()], [], [], timeout)
            return bool(ready) and self._drain()
        except Exception:
            logger.warning("lost the LISTEN connection; polling meanwhile", exc_info=True)
            self.close()
            return False

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # already gone
                logger.debug("closing the LISTEN connection failed", exc_info=True)
        self.conn = None


def waiter_for(alias: str) -> Waiter:
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return ListenWaiter(alias)
    if vendor == "sqlite":
        path = _wake_file(alias)
        if path is not None:
            return FileWaiter(path)
    return PollWaiter()
