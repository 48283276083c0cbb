"""Daphne servers for tests and benchmarks: the platform (or another ASGI application)
on 127.0.0.1, started in a child process that is always stopped, every wait bounded.

Free of Django imports, so a benchmark can use it before Django is set up. The two-server
test (tests/messaging/test_two_servers.py) and the benchmarks (bench/harness.py) share it;
the tests never import the bench."""

from __future__ import annotations

import http.client
import math
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
PLATFORM = REPO / "platform"
HOST = "127.0.0.1"


class Deadline:
    """A time limit for several steps: each asks how much is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    def remaining(self) -> float:
        left = self.seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise TimeoutError(f"past its {self.seconds:.0f} s limit")
        return left

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def daphne_bin() -> str:
    candidate = Path(sys.executable).with_name("daphne")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("daphne")
    if found is None:
        raise RuntimeError("daphne is not installed next to this Python; run `make install`")
    return found


class Server:
    """daphne serving `application` on 127.0.0.1 with `paths` on PYTHONPATH; a context manager
    that always stops it. `start()` and `wait_healthy()` apart let several start together."""

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        *,
        application: str = "config.asgi:application",
        paths: Iterable[Path] = (PLATFORM,),
        startup_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        deadline: Deadline | None = None,
        name: str = "daphne",
    ) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = log_path
        self.application = application
        self.env = {**env, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)}
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.deadline = deadline
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Server:
        self.start()
        try:
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [daphne_bin(), "-b", HOST, "-p", str(self.port), self.application],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _startup_left(self) -> float:
        if self.deadline is None:
            return self.startup_timeout
        return min(self.startup_timeout, self.deadline.remaining())

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + self._startup_left()
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}"
                )
            if self.healthy():
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not answer /healthz in time:\n{self.log_tail()}")

    def healthy(self, timeout: float = 1.0) -> bool:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def cpu_seconds(self) -> float:
        """The server's user + system CPU time so far."""
        assert self.proc is not None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, self.stop_timeout)

    def log_errors(self, lines: int = 60) -> str:
        """The log from its first traceback on (the socket access log lines left out)."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        text = [line for line in text if '"WS' not in line]
        first = next((i for i, line in enumerate(text) if "Traceback" in line), None)
        return "\n".join(text[first : first + lines]) if first is not None else ""

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `timeout`; waits either way."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def postgres_url(db: Mapping[str, Any], name: str | None = None) -> str:
    """A DATABASE_URL for the database `name` (default: db["NAME"]) on the server that `db`
    (Django's or django-environ's database settings) names."""
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    user = quote(str(db.get("USER") or ""), safe="")
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    database = quote(str(name if name is not None else db["NAME"]))
    return f"postgres://{credentials}{db.get('HOST') or 'localhost'}{port}/{database}"


def forget_redis_keys(url: str | None, prefix: str) -> None:
    """A run's channel-layer and cache keys (they would expire by themselves, in a day)."""
    if not url:
        return
    import redis

    client = redis.Redis.from_url(url, socket_timeout=10)
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            client.delete(key)
    finally:
        client.close()
