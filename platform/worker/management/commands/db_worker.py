"""`manage.py db_worker`: django-tasks-db's worker with a lease on claimed tasks and a wake-up
on enqueue (this app is listed before django_tasks_db, so this command replaces the package's
under the same name; its options are the package's). See worker/lease.py and worker/wake.py."""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker as package
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from worker.lease import Heartbeat, reclaim_abandoned
from worker.wake import waiter_for

logger = logging.getLogger("django_tasks_db")


class LeasedWorker(package.Worker):
    """The package's loop (claim, run, sleep) with a beat, a reclaim of abandoned tasks at
    least every quarter lease, and a sleep that an enqueue cuts short."""

    def run(self) -> None:
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # workers started together do not look at once
        lease = timedelta(seconds=settings.TASK_LEASE_SECONDS)
        reclaim_every = lease.total_seconds() / 4
        heartbeat = Heartbeat(self.worker_id, every=reclaim_every)
        heartbeat.start()
        waiter = waiter_for(DBTaskResult.objects.db)
        next_reclaim = 0.0
        try:
            while self.running:
                close_old_connections()
                if time.monotonic() >= next_reclaim:
                    reclaim_abandoned(lease=lease, max_attempts=settings.TASK_MAX_ATTEMPTS)
                    next_reclaim = time.monotonic() + reclaim_every
                waiter.arm()
                task_result, retrieved = self._claim_one()
                if task_result is not None:
                    self.run_task(task_result)
                if self.batch and retrieved and task_result is None:
                    logger.info("No more tasks to run for worker_id=%s - exiting.", self.worker_id)
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    logger.info("Ran the maximum of %d tasks - exiting.", self._run_tasks)
                    return
                close_old_connections()
                if self.running and task_result is None:
                    left = max(0.0, next_reclaim - time.monotonic())
                    waiter.wait(min(self.interval, left))
        finally:
            waiter.close()
            heartbeat.stop()

    def _claim_one(self) -> tuple[DBTaskResult | None, bool]:
        """The next ready task, claimed for this worker (as the package does); and whether the
        queue could be read at all (a locked SQLite database is tried again)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as error:
                if is_locked_database_exception(error):
                    return None, False
                raise
        return task_result, True


class Command(package.Command):
    help = "Run the background task worker (leases on claimed tasks, woken on enqueue)"

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # Waiting long costs nothing: an enqueue wakes the worker (worker/wake.py).
        parser.set_defaults(interval=settings.TASK_WORKER_POLL_SECONDS)

    def handle(self, *args: Any, **options: Any) -> None:
        original = package.Worker
        package.Worker = LeasedWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            package.Worker = original  # type: ignore[misc]
