"""Run by the clock every minute: the worker proves it works by running the task."""

from typing import Any

from django.core.management.base import BaseCommand

from config.health import worker_heartbeat


class Command(BaseCommand):
    help = "Enqueue the worker's heartbeat task (/readyz checks that it ran recently)."

    def handle(self, *args: Any, **options: Any) -> None:
        worker_heartbeat.enqueue()
