"""Real `manage.py db_worker` processes against the test database: PostgreSQL's test database
itself, or, on SQLite (whose test database lives in the test process's memory), a copy of it in
a file taken when the test asks for it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from messaging.models import Thread
from tests.helpers import enroll, make_programme, wait_until_no_other_db_sessions
from tests.servers import REPO, postgres_url, stop_process


class Workers:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.mail_dir = tmp_path / "mail" / "sent"
        self.mail_dir.mkdir(parents=True)
        self.hold = self.mail_dir.parent / "hold"
        self.entered = self.mail_dir.parent / "entered"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.sqlite_file: Path | None = None
        self.env_extra: dict[str, str] = {}

    # The database the workers use -----------------------------------------------------------

    def publish(self) -> None:
        """Make the test's data visible to worker processes (a no-op on PostgreSQL)."""
        if connection.vendor != "sqlite":
            return
        self.sqlite_file = self.tmp / "worker.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(self.sqlite_file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()

    def database_url(self) -> str:
        if self.sqlite_file is not None:
            return f"sqlite:///{self.sqlite_file}"
        return postgres_url(settings.DATABASES["default"])

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read what the workers wrote, from their database."""
        if self.sqlite_file is not None:
            with sqlite3.connect(self.sqlite_file, timeout=20) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    # Processes ------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker.blocking_settings",
            "DATABASE_URL": self.database_url(),
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
            "OMTAG_VAR_DIR": str(self.tmp),
            "EMAIL_URL": f"filemail:///{self.mail_dir}",  # an absolute path takes ////
            "LOG_LEVEL": "WARNING",
            **self.env_extra,
        }

    def start(self, worker_id: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"worker-{worker_id}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"]
            + ["--worker-id", worker_id],
            cwd=REPO,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.env(), check=True, timeout=60
        )

    def log(self, worker_id: str) -> str:
        path = self.tmp / f"worker-{worker_id}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def wait_for(self, what: str, check: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            for proc in self.procs:
                if proc.poll() not in (None, -signal.SIGKILL, -signal.SIGTERM):
                    raise AssertionError(f"a worker exited ({proc.returncode}) waiting for {what}")
            time.sleep(0.1)
        logs = "\n".join(self.log(p.args[-1]) for p in self.procs)  # type: ignore[index]
        raise AssertionError(f"timed out waiting for {what}\n{logs}")

    def emails(self) -> list[str]:
        """Each message the backend wrote (a file may hold several, split by its ruler)."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            found += [part for part in path.read_text().split("-" * 79) if part.strip()]
        return found

    def stop_all(self) -> None:
        for proc in self.procs:
            stop_process(proc)


@pytest.fixture
def thread(participant: User, therapist: User) -> Thread:
    """A conversation whose messages queue the email task."""
    enrollment = enroll(participant, therapist, make_programme(modules=1, answers_per_module=1))
    return Thread.objects.get(enrollment=enrollment)


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    rig = Workers(tmp_path)
    try:
        yield rig
    finally:
        rig.stop_all()
        if connection.vendor == "postgresql":
            wait_until_no_other_db_sessions()
