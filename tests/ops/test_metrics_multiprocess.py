"""Several web processes (PROMETHEUS_MULTIPROC_DIR): whichever process answers a scrape
reports the sum over all of them, and a process that died no longer counts its sockets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]

SETUP = """
import django, sys
django.setup()
from config.metrics import OPEN_SOCKETS, REQUEST_LATENCY
from messaging.metrics import MESSAGES_SENT
"""
WORK = (
    SETUP
    + """
MESSAGES_SENT.inc(3)
OPEN_SOCKETS.inc(2)
REQUEST_LATENCY.labels(view="home", method="GET", status="200").observe(0.05)
print("ready", flush=True)
sys.stdin.readline()  # stays alive (its sockets open) until told
"""
)
SCRAPE = (
    SETUP
    + """
from prometheus_client import generate_latest
from config.metrics import registry
sys.stdout.write(generate_latest(registry()).decode())
"""
)


def _env(directory: Path, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(REPO / "platform"),
        "DATABASE_URL": f"sqlite:///{tmp / 'none.sqlite3'}",  # no queue table: left out
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }


def _values(text: str) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels or sample.labels.get("view") == "home"
    }


def _working_process(env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", WORK],
        env=env,
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def test_a_scrape_sums_every_process_and_forgets_the_sockets_of_dead_ones(tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = _env(directory, tmp_path)
    alive = _working_process(env)
    try:
        # A second process that does the same work and then dies without a goodbye.
        dead = _working_process(env)
        dead.kill()
        dead.wait(timeout=30)
        scrape = subprocess.run(
            [sys.executable, "-c", SCRAPE],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert scrape.returncode == 0, scrape.stderr[-2000:]
        values = _values(scrape.stdout)
        assert values["omtag_messages_sent_total"] == 6  # both processes' counts
        assert values["omtag_request_duration_seconds_count"] == 2
        assert values["omtag_open_sockets"] == 2  # only the live process's sockets
    finally:
        if alive.stdin is not None:
            alive.stdin.write("\n")
            alive.stdin.flush()
        alive.wait(timeout=30)
