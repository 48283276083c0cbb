"""What the benchmarks share: the environment of a throw-away installation, manage.py
commands, a daphne server on 127.0.0.1 that is always stopped, logged-in second-factor-verified
sessions, and throw-away PostgreSQL databases and Redis keys. Every wait is bounded by a
Deadline. The data they seed comes from the platform (reports.load, `manage.py seed_load`).

Not a benchmark itself (`make bench` runs every bench/*.py, so run directly it only says so).
The scripts beside it import it as `harness`. The daphne server itself, the deadlines and the
database URLs live in tests/servers.py, which the two-server test uses too: the bench may use
the tests' plain modules, the tests never import the bench."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

if __name__ == "__main__":
    print("harness.py is what the benchmarks beside it share; nothing to run.")
    sys.exit(0)

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
# The daphne server, deadlines and database URLs are shared with the tests (tests/servers.py,
# free of Django imports); the repository root makes `tests` importable from bench/.
sys.path.insert(0, str(REPO))
from tests.servers import (  # noqa: E402
    HOST,
    PLATFORM,
    Deadline,
    Server,
    daphne_bin,
    forget_redis_keys,
    free_port,
    postgres_url,
)

__all__ = [
    "HOST",
    "PLATFORM",
    "Deadline",
    "Server",
    "daphne_bin",
    "forget_redis_keys",
    "free_port",
    "postgres_url",
]

# Environment variables that would reach a real service; a child drops those not set again.
OUTSIDE = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "TASKS_BACKEND")


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
