"""Leases on claimed tasks. django-tasks-db (0.13) marks a task RUNNING when a worker claims
it and never looks at it again: a worker killed mid-task (kill -9, an out-of-memory kill, a
lost machine) left its task RUNNING for ever. Each of our workers writes a beat every quarter
of TASK_LEASE_SECONDS (a thread of its own, so also while a task runs), and every worker puts
back a task RUNNING for longer than the lease whose worker's beat is older than the lease: it
runs again. A task that has been claimed TASK_MAX_ATTEMPTS times (it may be what kills its
workers) is marked failed instead. Tasks must therefore be safe to run twice
(messaging.notifications: no email twice)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerBeat

logger = logging.getLogger("worker")

FORGET_BEATS_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """The reason recorded on a task given up after its workers died TASK_MAX_ATTEMPTS times."""


def beat(worker_id: str) -> None:
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": timezone.now()})


def latest_beat() -> datetime | None:
    """When any worker process last beat (None if none ever has): /readyz's sign of life."""
    return WorkerBeat.objects.aggregate(latest=Max("seen_at"))["latest"]


def reclaim_abandoned(*, lease: timedelta, max_attempts: int) -> int:
    """Put back (or fail, after max_attempts claims) every task RUNNING for longer than
    `lease` whose worker has not beaten within it. Returns how many tasks it touched."""
    now = timezone.now()
    cutoff = now - lease
    alive = set(WorkerBeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    touched = 0
    stale = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    for task_id, worker_ids, started_at in stale.values_list("id", "worker_ids", "started_at"):
        if worker_ids and worker_ids[-1] in alive:
            continue  # a long task of a live worker
        same_claim = DBTaskResult.objects.filter(
            pk=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        if len(worker_ids) >= max_attempts:
            done = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"{WorkerLost.__name__}: its worker died {len(worker_ids)} times\n",
            )
            if done:
                logger.error("task %s failed: its worker died %d times", task_id, len(worker_ids))
        else:
            done = same_claim.update(status=TaskResultStatus.READY)
            if done:
                logger.warning("task %s put back: its worker is gone", task_id)
        touched += done
    WorkerBeat.objects.filter(seen_at__lt=now - FORGET_BEATS_AFTER).delete()
    return touched


class Heartbeat:
    """A daemon thread that beats for `worker_id` every `every` seconds until stopped. It dies
    with its process, which is the point."""

    def __init__(self, worker_id: str, every: float) -> None:
        self.worker_id = worker_id
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)

    def start(self) -> None:
        beat(self.worker_id)  # before the first claim
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)

    def _run(self) -> None:
        # The thread keeps its database connection between beats (a new one every beat cost
        # more than the beat); a failed beat drops it, and the next beat connects anew.
        try:
            while not self._stop.wait(self.every):
                try:
                    beat(self.worker_id)
                except Exception:  # the database is away: try again at the next beat
                    logger.warning("worker heartbeat failed", exc_info=True)
                    connection.close()
        finally:
            connection.close()
