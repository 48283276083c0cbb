"""The background worker's idle cost: CPU seconds an idle `manage.py db_worker` uses over
IDLE_SECONDS, for django-tasks-db's own worker (it looks at the queue every second) and for
ours (worker/: a long wait, woken on enqueue), and how long ours takes to start a task queued
while it waits (enqueue to claim, from the task row's own timestamps).

Database: a throw-away SQLite file (migrated here); with DATABASE_URL set (PostgreSQL), a
throw-away database beside the one it names, dropped at the end. Run from the repository root:
`.venv/bin/python bench/worker_idle.py` (`--seconds` to change the window). Bounded: every step
has a timeout; talks to 127.0.0.1 and the given PostgreSQL only."""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
from harness import PLATFORM, REPO
from tests.servers import stop_process

IDLE_SECONDS = 30.0
SETTLE_SECONDS = 10.0  # start-up (Django, migrations check) done before the window opens
WAKE_SAMPLES = 5
MIGRATE_TIMEOUT = 600.0

PACKAGE_WORKER = (
    "import sys, django; sys.path.insert(0, {platform!r}); django.setup(); "
    "from django_tasks_db.management.commands.db_worker import Command; "
    "Command().run_from_argv(['manage.py', 'db_worker', '--no-startup-delay', '--no-reload'])"
)


def cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def start(kind: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    if kind == "package":
        argv = [sys.executable, "-c", PACKAGE_WORKER.format(platform=str(PLATFORM))]
    else:
        argv = [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"]
    with log.open("ab") as out:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)


def idle_cost(kind: str, env: dict[str, str], log: Path, seconds: float) -> float:
    proc = start(kind, env, log)
    try:
        time.sleep(SETTLE_SECONDS)
        if proc.poll() is not None:
            raise RuntimeError(f"the {kind} worker exited:\n{log.read_text()[-2000:]}")
        before = cpu_seconds(proc.pid)
        time.sleep(seconds)
        return cpu_seconds(proc.pid) - before
    finally:
        stop_process(proc, 15)


def wake_delays(env: dict[str, str], log: Path) -> list[float]:
    """Enqueue a task (in this process) while our worker waits; the seconds from the row's
    enqueued_at to its started_at, for WAKE_SAMPLES tasks."""
    from django_tasks_db.models import DBTaskResult

    from messaging.tasks import notify_new_message

    proc = start("ours", env, log)
    delays = []
    try:
        time.sleep(SETTLE_SECONDS)
        for n in range(WAKE_SAMPLES):
            result = notify_new_message.enqueue(thread_id=0, side="team", key=f"bench-{n}")
            deadline = time.monotonic() + 30
            row = DBTaskResult.objects.get(pk=result.id)
            while row.started_at is None and time.monotonic() < deadline:
                time.sleep(0.05)
                row = DBTaskResult.objects.get(pk=result.id)
            if row.started_at is None:
                raise RuntimeError("our worker did not start a queued task within 30 s")
            delays.append((row.started_at - row.enqueued_at).total_seconds())
            time.sleep(2.0)  # let it go back to waiting
    finally:
        stop_process(proc, 15)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=IDLE_SECONDS)
    args = parser.parse_args()
    source = os.environ.get("DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="omtag-worker-") as tmp:
        var = Path(tmp)
        with harness.throwaway_database(source, tag="worker") as url:
            extra = {"DATABASE_URL": url} if url else {}
            env = harness.child_env(var, **extra)
            print(f"database: {'PostgreSQL' if url else 'SQLite'}; migrating...", flush=True)
            harness.manage(env, "migrate", "--noinput", timeout=MIGRATE_TIMEOUT)
            harness.django_setup(env)
            log = var / "worker.log"
            print(f"idle CPU over {args.seconds:.0f} s (after {SETTLE_SECONDS:.0f} s settling):")
            for kind, label in (
                ("package", "django-tasks-db's db_worker (polls every 1 s)"),
                ("ours", "ours (waits 10 s, woken on enqueue)"),
            ):
                used = idle_cost(kind, env, log, args.seconds)
                print(
                    f"  {label:48} {used:6.2f} CPU s = {100 * used / args.seconds:5.2f} % "
                    "of a core",
                    flush=True,
                )
            delays = wake_delays(env, log)
            print(
                f"enqueue to start, ours, {WAKE_SAMPLES} tasks: median "
                f"{1000 * statistics.median(delays):.0f} ms, max {1000 * max(delays):.0f} ms"
            )


if __name__ == "__main__":
    main()
