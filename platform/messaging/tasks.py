"""The task worker's entry points for messaging: each loads what it is about and calls the
rules in `messaging.notifications`. `messaging.services` enqueues them by name after a
commit, so this module must not import the services."""

from __future__ import annotations

from django_tasks import task

from .models import Thread
from .notifications import notify_unread


@task()
def notify_new_message(thread_id: int, side: str, key: str = "") -> int:
    """The discreet email to the `side` of a thread that has a new message (see
    notifications.notify_unread; `key` names the notification, so a run of this task again
    sends no email twice). Returns how many emails were sent; 0 if the thread is gone."""
    thread = (
        Thread.objects.select_related(
            "enrollment__participant", "enrollment__therapist", "enrollment__substitute"
        )
        .filter(pk=thread_id)
        .first()
    )
    return 0 if thread is None else notify_unread(thread=thread, side=side, key=key)
