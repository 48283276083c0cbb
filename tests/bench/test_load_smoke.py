"""The load test (bench/load.py with bench/load/locustfile.py) run small, so it cannot rot: a
few virtual users for a few seconds on whatever database the suite runs on (SQLite with the
in-memory layer: one daphne; PostgreSQL with REDIS_URL: two daphne behind nginx). Every kind
of request the virtual people make must have been made, and none may have failed.

Runs the bench as a child process (the tests never import the bench); bounded by a timeout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.servers import REPO, postgres_url

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
REDIS_URL = os.environ.get("REDIS_URL", "")
TIMEOUT = 420.0  # migrate alone takes most of it on a busy 2-core machine

# What the virtual participants and therapists do, by Locust's request type and name.
KINDS = {
    "GET participant home",
    "GET module page",
    "POST autosave",
    "GET check-in form",
    "POST check-in submit",
    "GET thread page",
    "GET caseload",
    "GET participant overview",
    "GET answers page",
    "WS connect",
    "WS send → ack",
    "WS send → receipt",
}


def test_the_load_test_runs_every_kind_of_request_without_an_error(tmp_path: Path) -> None:
    # `make test` installs Debian's nginx (as it does chromium); without it this fails, never skips.
    assert Path("/usr/sbin/nginx").exists(), "nginx is missing: sudo apt-get install nginx"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    processes = "1"
    if IS_POSTGRES and REDIS_URL:
        # The bench makes a throw-away database beside the test database, and drops it.
        env.update(DATABASE_URL=postgres_url(settings.DATABASES["default"]), REDIS_URL=REDIS_URL)
        processes = "2"
    out = tmp_path / "smoke.json"
    env["LOAD_SMOKE_JSON"] = str(out)
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--smoke", "--processes", processes],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    runs = json.loads(out.read_text())
    assert list(runs) == [processes]
    rows = runs[processes]
    assert [r["kind"] for r in rows] == ["step", "70% of knee"], result.stdout
    for row in rows:
        assert row["errors"] == 0, (row["problems"], result.stdout)
        assert row["requests"] > 0
    last = rows[-1]
    assert last["failed"] == {}, result.stdout
    assert not KINDS - set(last["seen"]), (KINDS - set(last["seen"]), result.stdout)
    # The table was printed, with the knee line.
    assert "knee:" in result.stdout and "daphne process(es) behind nginx" in result.stdout
