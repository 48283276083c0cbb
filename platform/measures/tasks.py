"""The task worker's entry points for measures: each calls the rules it is named after
(`measures.reminders`). The command `manage.py send_measure_reminders` calls the same."""

from __future__ import annotations

from django_tasks import task

from .reminders import send_reminders


@task()
def send_measure_reminders() -> int:
    """The discreet questionnaire reminders that are due now; returns how many were sent."""
    return send_reminders()
