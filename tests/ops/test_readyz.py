"""/readyz: the database, Redis (when set) and a recent beat of a task worker (WorkerBeat)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from config import health
from worker.lease import Heartbeat, beat
from worker.models import WorkerBeat

pytestmark = pytest.mark.django_db


def test_ready_when_the_worker_beat_recently():
    beat("worker-1")  # what a worker process's heartbeat thread writes
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_worker_never_having_run_is_named():
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["worker"]}


def test_a_stale_beat_is_named(settings):
    stale = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 5)
    WorkerBeat.objects.create(worker_id="worker-gone", seen_at=stale)
    assert Client().get("/readyz").json()["failed"] == ["worker"]


def test_one_live_worker_among_dead_ones_is_enough(settings):
    stale = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 5)
    WorkerBeat.objects.create(worker_id="worker-gone", seen_at=stale)
    beat("worker-alive")
    assert Client().get("/readyz").status_code == 200


def test_a_running_workers_heartbeat_thread_is_the_beat():
    """The worker's own beat, from the thread that also beats while a task runs: no clock,
    no task of its own."""
    heartbeat = Heartbeat("worker-thread", every=60)
    assert Client().get("/readyz").status_code == 503
    heartbeat.start()  # beats at once, then every `every`
    try:
        assert Client().get("/readyz").status_code == 200
    finally:
        heartbeat.stop()


def test_a_database_that_does_not_answer_is_named(monkeypatch):
    from django.db import DatabaseError

    beat("worker-1")

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


def test_a_redis_that_does_not_answer_is_named(settings):
    # A port where nothing listens: the check fails within its timeout, and says so.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert "redis" in response.json()["failed"]


def test_healthz_stays_as_it_was():
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
