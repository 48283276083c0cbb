"""Readiness (/readyz).

`/healthz` says the process answers; `/readyz` says it can do its work: the database answers,
Redis answers (when REDIS_URL is set) and a task worker has beaten recently. It answers 200
with a short JSON body, or 503 naming what failed, and never anything about a person.

The worker's sign of life is its own beat (worker.WorkerBeat, worker/lease.py): every worker
process writes it every quarter of TASK_LEASE_SECONDS from a thread of its own, also while a
task runs, and the lease that puts back a dead worker's tasks reads the same row. One beat,
in the database every web process already reads, for both."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from worker.lease import latest_beat

# A timeout on every check, so that a hung dependency makes /readyz answer 503, not hang.
REDIS_TIMEOUT_SECONDS = 2.0


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _redis_ok() -> bool:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def _worker_ok() -> bool:
    try:
        beat = latest_beat()
    except DatabaseError:  # the database is away: it fails its own check too
        return False
    max_age = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE)
    return beat is not None and timezone.now() - beat <= max_age


def readiness() -> dict[str, bool]:
    checks = {"database": _database_ok()}
    if getattr(settings, "REDIS_URL", ""):
        checks["redis"] = _redis_ok()
    if checks["database"]:
        # The beat is a row in the database: with the database away, the worker's state is
        # unknown, and the answer names the database alone (the cause, not a consequence).
        checks["worker"] = _worker_ok()
    return checks


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    failed = sorted(name for name, ok in checks.items() if not ok)
    body: dict[str, object] = (
        {"status": "ok"} if not failed else {"status": "unavailable", "failed": failed}
    )
    return HttpResponse(
        json.dumps(body), content_type="application/json", status=503 if failed else 200
    )
