"""A task whose worker is killed with SIGKILL mid-task runs again after the lease, and its
"new message" email goes out once; an idle worker picks a new task up within a second.

Real `manage.py db_worker` processes (tests/worker/conftest.py): the first blocks inside the
email backend, is killed there, and a second finishes the work."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from messaging.models import Side
from messaging.tasks import notify_new_message
from tests.helpers import send
from worker.lease import reclaim_abandoned
from worker.models import WorkerBeat

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 2
EMAIL_TASK = "messaging.tasks.notify_new_message"
START_TIMEOUT = 45.0  # a worker's Django start-up, on a busy two-core machine


def _status(workers, task_id) -> tuple[str, list[str]] | None:
    rows = workers.rows(
        "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s",
        (task_id if workers.sqlite_file is None else task_id.hex,),
    )
    if not rows:
        return None
    status, worker_ids = rows[0]
    import json

    return status, worker_ids if isinstance(worker_ids, list) else json.loads(worker_ids)


def test_a_task_whose_worker_was_killed_runs_again_and_emails_once(
    workers, thread, participant, therapist
):
    send(participant, thread, "a private matter")  # queues the email to the offline therapist
    DBTaskResult.objects.exclude(task_path=EMAIL_TASK).delete()  # Wagtail's
    (task,) = DBTaskResult.objects.all()
    workers.env_extra = {"TASK_LEASE_SECONDS": str(LEASE_SECONDS)}
    workers.hold.touch()
    workers.publish()

    first = workers.start("first")
    workers.wait_for("the first worker to start sending", workers.entered.exists, START_TIMEOUT)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert _status(workers, task.pk) == (TaskResultStatus.RUNNING, ["first"])
    assert workers.emails() == []

    workers.hold.unlink()
    workers.start("second")
    workers.wait_for(
        "the task to succeed",
        lambda: _status(workers, task.pk)[0] == TaskResultStatus.SUCCESSFUL,
        START_TIMEOUT + 4 * LEASE_SECONDS,
    )
    assert _status(workers, task.pk) == (TaskResultStatus.SUCCESSFUL, ["first", "second"])
    emails = workers.emails()
    assert len(emails) == 1
    assert f"To: {therapist.email}" in emails[0]
    assert "private" not in emails[0]


def test_an_idle_worker_starts_a_new_task_within_a_second(workers, thread):
    # The worker would look at the queue only every 30 s by itself: the enqueue wakes it.
    workers.env_extra = {"TASK_WORKER_POLL_SECONDS": "30"}
    DBTaskResult.objects.all().delete()  # Wagtail's, from making the programme
    workers.publish()
    workers.start("idle")
    workers.wait_for(
        "the worker to start",
        lambda: bool(workers.rows("SELECT worker_id FROM worker_workerbeat")),
        START_TIMEOUT,
    )
    time.sleep(1.5)  # now it waits
    workers.manage(
        "shell",
        "-c",
        "from messaging.tasks import notify_new_message as t; "
        f"t.enqueue(thread_id={thread.pk}, side='team', key='wake-test')",
    )
    workers.wait_for(
        "the task to be claimed",
        lambda: bool(
            workers.rows(
                "SELECT id FROM django_tasks_database_dbtaskresult WHERE started_at IS NOT NULL"
            )
        ),
        10,
    )
    ((enqueued, started),) = workers.rows(
        "SELECT enqueued_at, started_at FROM django_tasks_database_dbtaskresult"
    )
    if isinstance(enqueued, str):  # SQLite
        from datetime import datetime

        enqueued, started = datetime.fromisoformat(enqueued), datetime.fromisoformat(started)
    assert started - enqueued < timedelta(seconds=1), workers.log("idle")


# --- the lease's rules, in process ------------------------------------------------------------


def _running(worker_ids: list[str], started_ago: float) -> DBTaskResult:
    result = notify_new_message.enqueue(thread_id=0, side=Side.TEAM)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=worker_ids,
        started_at=timezone.now() - timedelta(seconds=started_ago),
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_the_lease_puts_back_only_tasks_of_workers_that_are_gone(db):
    lease = timedelta(seconds=60)
    WorkerBeat.objects.create(worker_id="alive", seen_at=timezone.now())
    WorkerBeat.objects.create(worker_id="dead", seen_at=timezone.now() - timedelta(minutes=5))
    long_but_alive = _running(["alive"], started_ago=600)
    abandoned = _running(["dead"], started_ago=120)
    just_claimed = _running(["dead"], started_ago=5)
    never_beat = _running(["an old worker"], started_ago=120)

    assert reclaim_abandoned(lease=lease, max_attempts=3) == 2

    def status(task: DBTaskResult) -> str:
        return DBTaskResult.objects.get(pk=task.pk).status

    assert status(long_but_alive) == TaskResultStatus.RUNNING
    assert status(abandoned) == TaskResultStatus.READY
    assert status(just_claimed) == TaskResultStatus.RUNNING
    assert status(never_beat) == TaskResultStatus.READY


def test_a_task_that_keeps_losing_its_worker_is_given_up(db):
    task = _running(["a", "b", "c"], started_ago=120)
    assert reclaim_abandoned(lease=timedelta(seconds=60), max_attempts=3) == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "worker.lease.WorkerLost"
