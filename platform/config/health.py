"""Readiness (/readyz) and the background worker's heartbeat.

`/healthz` says the process answers; `/readyz` says it can do its work: the database answers,
Redis answers (when REDIS_URL is set) and the task worker has run recently. It answers 200
with a short JSON body, or 503 naming what failed, and never anything about a person.

The worker's heartbeat: `record_worker_heartbeat()` is called by whatever proves the worker
is alive. Today that is the `worker_heartbeat` task, which the clock enqueues every minute
(`manage.py enqueue_heartbeat`), so a beat proves the whole path: enqueued, claimed and run.
A worker loop may also call `record_worker_heartbeat()` itself (cheap: one cache write or
one file touch). The beat is kept in the shared cache (Redis) when REDIS_URL is set, so every
web process sees it, and in a file under VAR_DIR otherwise (one machine, no Redis)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_tasks import task

HEARTBEAT_CACHE_KEY = "omtag:worker-heartbeat"
HEARTBEAT_FILE_NAME = "worker-heartbeat"
# A timeout on every check, so that a hung dependency makes /readyz answer 503, not hang.
REDIS_TIMEOUT_SECONDS = 2.0


def _heartbeat_file() -> Path:
    return Path(settings.VAR_DIR) / HEARTBEAT_FILE_NAME


def _shared_cache() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def record_worker_heartbeat(now: float | None = None) -> None:
    """Note that the task worker is alive (a Unix time, now by default)."""
    beat = time.time() if now is None else now
    if _shared_cache():
        cache.set(HEARTBEAT_CACHE_KEY, beat, timeout=24 * 60 * 60)
        return
    path = _heartbeat_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{beat}\n")


def last_worker_heartbeat() -> float | None:
    """The Unix time of the worker's last beat, or None when there has been none."""
    if _shared_cache():
        value = cache.get(HEARTBEAT_CACHE_KEY)
        return float(value) if isinstance(value, int | float) else None
    try:
        return float(_heartbeat_file().read_text().strip())
    except (OSError, ValueError):
        return None


@task()
def worker_heartbeat() -> None:
    """Enqueued by the clock every minute; running it is the proof that the worker works."""
    record_worker_heartbeat()


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
        beat = last_worker_heartbeat()
    except Exception:  # the cache is Redis when set: down, it fails its own check too
        return False
    return beat is not None and time.time() - beat <= settings.WORKER_HEARTBEAT_MAX_AGE


def readiness() -> dict[str, bool]:
    checks = {"database": _database_ok()}
    if getattr(settings, "REDIS_URL", ""):
        checks["redis"] = _redis_ok()
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
