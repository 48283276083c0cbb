"""Prometheus metrics at /metrics, for the monitoring server only.

The endpoint answers 404 (as if it did not exist) unless the request carries
`Authorization: Bearer <METRICS_TOKEN>` or comes from an address in METRICS_ALLOWED_IPS; the
address is the one audit.network decides (X-Forwarded-For counts only from TRUSTED_PROXIES).

Several daphne processes: set PROMETHEUS_MULTIPROC_DIR (an empty directory writable by every
process of the service, emptied before they start) and each process writes its figures there;
any process then answers a scrape with the sum over all of them (prometheus-client's
multiprocess mode). Without it each process reports its own figures.

No label holds anything about a person: views are labelled by their URL name, never the
path (which carries ids), and sockets by nothing at all."""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.db.models import Min
from django.db.models.signals import post_save
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from audit.models import AuditEvent
from audit.network import request_address

REQUEST_LATENCY = Histogram(
    "omtag_request_duration_seconds",
    "Time from the first middleware to the response, by URL name.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OPEN_SOCKETS = Gauge(
    "omtag_open_sockets",
    "WebSockets accepted and not yet closed.",
    multiprocess_mode="livesum",
)
LOGIN_FAILURES = Counter(
    "omtag_login_failures",
    "Failed logins, by kind (password, second factor, external identity provider).",
    ["kind"],
)
# The access log's actions that are a failed login, and the label each gets.
FAILED_LOGIN_ACTIONS = {
    "login_failed": "password",
    "otp_failed": "second_factor",
    "external_login_failed": "external",
}


def _count_failed_login(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    kind = FAILED_LOGIN_ACTIONS.get(instance.action) if created else None
    if kind is not None:
        LOGIN_FAILURES.labels(kind=kind).inc()


def connect_signals() -> None:
    """Failed logins are counted where they are written to the access log, whatever path
    (allauth's form, the second-factor page, an identity provider) wrote them."""
    post_save.connect(_count_failed_login, sender=AuditEvent, dispatch_uid="metrics.login")


class TaskQueueCollector(Collector):
    """The background tasks waiting to run and the age of the oldest, read from
    django-tasks-db's table when scraped (so every process reports the same truth)."""

    def describe(self) -> Iterable[GaugeMetricFamily]:
        return list(self._families())

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "omtag_task_queue_depth", "Background tasks ready to run and not yet claimed."
            ),
            GaugeMetricFamily(
                "omtag_task_oldest_waiting_seconds",
                "Seconds the oldest task ready to run has waited (0 when none waits).",
            ),
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult

        depth, oldest = self._families()
        try:
            ready = DBTaskResult.objects.ready()
            count = ready.count()
            first = ready.aggregate(first=Min("enqueued_at"))["first"] if count else None
        except DatabaseError:
            return  # /readyz says the database is down; the scrape still has the rest
        depth.add_metric([], count)
        age = (timezone.now() - first).total_seconds() if first is not None else 0.0
        oldest.add_metric([], max(age, 0.0))
        yield depth
        yield oldest


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _forget_dead_processes(directory: str) -> None:
    """A process killed without a goodbye (kill -9, OOM) leaves its live gauge behind; its
    open sockets would be counted for ever. Counters and histograms of dead processes stay:
    their totals are still true."""
    for name in os.listdir(directory):
        if not name.startswith("gauge_live"):
            continue
        pid_text = name.rsplit("_", 1)[-1].removesuffix(".db")
        if not pid_text.isdigit():
            continue
        pid = int(pid_text)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except PermissionError:
            pass  # alive, another user's


_TASKS = TaskQueueCollector()
if _multiprocess_dir() is None:
    REGISTRY.register(_TASKS)


def registry() -> CollectorRegistry:
    directory = _multiprocess_dir()
    if directory is None:
        return REGISTRY
    _forget_dead_processes(directory)
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined, path=directory)
    combined.register(_TASKS)
    return combined


def _allowed(request: HttpRequest) -> bool:
    token = str(getattr(settings, "METRICS_TOKEN", "") or "")
    header = request.headers.get("Authorization", "")
    scheme, _, offered = header.partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(offered.strip(), token):
        return True
    address = request_address(request)
    if address is None:
        return False
    for entry in getattr(settings, "METRICS_ALLOWED_IPS", ()) or ():
        network = ipaddress.ip_network(entry.strip(), strict=False)
        if address.version == network.version and address in network:
            return True
    return False


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
