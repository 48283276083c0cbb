"""What the benchmarks share: the environment of a throw-away installation, manage.py
commands, a daphne server on 127.0.0.1 that is always stopped, logged-in second-factor-verified
sessions, and throw-away PostgreSQL databases and Redis keys. Every wait is bounded by a
Deadline. The data they seed comes from the platform (reports.load, `manage.py seed_load`).

Not a benchmark itself (`make bench` runs every bench/*.py, so run directly it only says so).
The scripts beside it import it as `harness`. The tests do not import the bench: the two-server
test has its own small daphne server in tests/helpers.py."""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

if __name__ == "__main__":
    print("harness.py is what the benchmarks beside it share; nothing to run.")
    sys.exit(0)

REPO = Path(__file__).resolve().parent.parent
PLATFORM = REPO / "platform"
BENCH = REPO / "bench"
HOST = "127.0.0.1"

# Environment variables that would reach a real service; a child drops those not set again.
OUTSIDE = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "TASKS_BACKEND")


class Deadline:
    """A time limit for a whole run: every step asks how much is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    def remaining(self) -> float:
        left = self.seconds - (time.monotonic() - self.started)
        if left <= 0:
            raise TimeoutError(f"the benchmark ran past its {self.seconds:.0f} s limit")
        return left

    def elapsed(self) -> float:
        return time.monotonic() - self.started


# --- Environment -------------------------------------------------------------------------------


def child_env(var_dir: Path, *, keep: Iterable[str] = (), **extra: str) -> dict[str, str]:
    """This process's environment for a throw-away installation in `var_dir`: production-like
    settings (DEBUG off) on 127.0.0.1 with a fresh secret key, without the variables in
    OUTSIDE except those in `keep`, plus `extra`."""
    env = dict(os.environ)
    for name in OUTSIDE:
        if name not in keep:
            env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "OMTAG_VAR_DIR": str(var_dir),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_MANIFEST": "0",
            "TEST_FAST_PASSWORD_HASHER": "1",
            "LOG_LEVEL": "WARNING",
            **extra,
        }
    )
    return env


def django_setup(env: Mapping[str, str]) -> None:
    """Django in this process, configured as the servers are (the same environment)."""
    os.environ.update(env)
    for name in OUTSIDE:
        if name not in env:
            os.environ.pop(name, None)
    sys.path.insert(0, str(PLATFORM))
    import django

    django.setup()


def manage(env: Mapping[str, str], *args: str, timeout: float) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode})")


# --- The server --------------------------------------------------------------------------------


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
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=self.stop_timeout)

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


# --- Data, through Django in this process -----------------------------------------------------


def sessions_for(user_ids: Iterable[int]) -> dict[int, str]:
    """A logged-in, second-factor-verified session for each user (by id), written straight
    into the session store: what login plus the second-factor step would leave."""
    from importlib import import_module

    from django.conf import settings
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import LOGIN_AT, SEEN_AT
    from accounts.models import User

    ids = list(user_ids)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    devices = {
        d.user_id: d.persistent_id
        for d in TOTPDevice.objects.filter(user_id__in=ids, confirmed=True)
    }
    keys = {}
    for user in User.objects.filter(pk__in=ids).order_by("pk"):
        now = timezone.now().isoformat()
        session = store()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = devices[user.pk]
        session[LOGIN_AT] = now
        session[SEEN_AT] = now
        session.create()
        keys[user.pk] = session.session_key
    return keys


# --- PostgreSQL and Redis ------------------------------------------------------------------------


def postgres_url(db: Mapping[str, Any], name: str | None = None) -> str:
    """A DATABASE_URL for the database `name` (default: db["NAME"]) on the server that `db`
    (Django's or django-environ's database settings) names."""
    password = f":{quote(str(db['PASSWORD']), safe='')}" if db.get("PASSWORD") else ""
    user = quote(str(db.get("USER") or ""), safe="")
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    database = quote(str(name if name is not None else db["NAME"]))
    return f"postgres://{credentials}{db.get('HOST') or 'localhost'}{port}/{database}"


@contextlib.contextmanager
def throwaway_database(source_url: str | None, tag: str = "bench") -> Iterator[str | None]:
    """None for the default SQLite file; with a PostgreSQL DATABASE_URL a new, empty database
    on the same server, dropped afterwards."""
    if not source_url:
        yield None
        return
    import environ
    import psycopg

    config = environ.Env.db_url_config(source_url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("DATABASE_URL: this benchmark knows SQLite (unset) and PostgreSQL only")
    name = f"{config['NAME']}_{tag}_{secrets.token_hex(4)}"
    admin = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
        "connect_timeout": 10,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(config, name)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
