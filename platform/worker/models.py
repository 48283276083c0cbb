"""The task worker's sign of life (worker/lease.py)."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """When a worker process was last seen alive: written every quarter of the lease by a
    thread of its own, also while a task runs. A task RUNNING under a worker whose beat is
    older than the lease was left by a worker that is gone."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.seen_at}"
