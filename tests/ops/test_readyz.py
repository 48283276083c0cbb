"""/readyz: the database, Redis (when set) and a recent beat of the task worker."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from config import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _heartbeat_file(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_ready_when_the_worker_beat_recently():
    health.record_worker_heartbeat()
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_worker_never_having_run_is_named():
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["worker"]}


def test_a_stale_beat_is_named(settings):
    health.record_worker_heartbeat(now=time.time() - settings.WORKER_HEARTBEAT_MAX_AGE - 5)
    assert Client().get("/readyz").json()["failed"] == ["worker"]


def test_running_the_heartbeat_task_is_the_beat(django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from config.management.commands.enqueue_heartbeat import Command

    Command().handle()
    assert DBTaskResult.objects.filter(task_path__endswith="worker_heartbeat").count() == 1
    assert Client().get("/readyz").status_code == 503  # enqueued, not yet run
    health.worker_heartbeat.call()  # what the worker does with it
    assert Client().get("/readyz").status_code == 200


def test_a_database_that_does_not_answer_is_named(monkeypatch):
    from django.db import DatabaseError

    health.record_worker_heartbeat()

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
