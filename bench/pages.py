"""Page latency: the participant's home and first module page at 10, 100, 300 and 1000
participants, and the therapist's caseload with all 300 participants on it.

Builds a throw-away SQLite installation in a temporary directory (migrate, seed_programme),
fills it with participants in bulk from this process, then serves it with daphne on 127.0.0.1
and times sequential GETs with second-factor-verified sessions. Prints one row per size and
page: median and 95th-percentile milliseconds over REQUESTS requests.

Run from the repository root: `.venv/bin/python bench/pages.py` (or `make bench`).
Bounded: a fixed number of requests, a timeout on every step, and TIME_LIMIT for the whole run.
Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import math
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PLATFORM = REPO / "platform"
HOST = "127.0.0.1"

SIZES = (10, 100, 300, 1000)  # participants in the database
REQUESTS = 200  # timed requests per size and page
WARMUP = 10  # untimed requests per size and page
SAMPLED = 10  # participants with a logged-in session, cycled through by the requests

TIME_LIMIT = 420.0  # seconds for the whole run; past it the run stops with an error
COMMAND_TIMEOUT = 150.0  # one manage.py command
STARTUP_TIMEOUT = 30.0  # daphne answering /healthz
REQUEST_TIMEOUT = 10.0  # one HTTP request
STOP_TIMEOUT = 10.0  # daphne exiting after SIGTERM

TEXT_ANSWER = "Benchmark answer text"
EMAIL = "bench-participant-{:05d}@bench.invalid"
THERAPIST_EMAIL = "bench-therapist@bench.invalid"
PASSWORD = "bench-password-not-secret-0123"

STARTED = time.monotonic()


def remaining() -> float:
    left = TIME_LIMIT - (time.monotonic() - STARTED)
    if left <= 0:
        raise TimeoutError(f"the benchmark ran past its {TIME_LIMIT:.0f} s limit")
    return left


# --- What is measured --------------------------------------------------------------------


@dataclass
class Fixture:
    """What the pages' paths and sessions are built from, refreshed for each size."""

    module_key: str = ""  # translation_key of the programme's first module
    # Session keys by audience ("participant"; later e.g. "therapist").
    sessions: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[Fixture], str]
    audience: str = "participant"  # whose sessions request it (a key of Fixture.sessions)
    expect: str | None = None  # text the body must contain (proves the real page was served)
    sizes: tuple[int, ...] | None = None  # measured only at these N (None: at every N)


PAGES: list[Page] = [
    Page("participant home", lambda f: "/participant/"),
    Page(
        "first module",
        lambda f: f"/participant/modules/{f.module_key}/",
        expect=TEXT_ANSWER,
    ),
    # Every participant is on the one bench therapist's caseload: at N=300 that is the
    # therapist-with-a-big-caseload case the workbench issue names.
    Page("therapist caseload", lambda f: "/therapist/", "therapist", "P299", sizes=(300,)),
]


# --- Child processes -------------------------------------------------------------------


def child_env(var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Never reach a real database or Redis from a benchmark: SQLite and local memory only.
    for name in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "TASKS_BACKEND"):
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
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=min(COMMAND_TIMEOUT, remaining()),
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode})")


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
    """daphne serving the app on 127.0.0.1; a context manager that always stops it."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.env = {**env, "PYTHONPATH": "platform"}
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [daphne_bin(), "-b", HOST, "-p", str(self.port), "config.asgi:application"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + min(STARTUP_TIMEOUT, remaining())
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                status, _body = get(self.port, "/healthz", None, timeout=1.0)
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200:
                return
            time.sleep(0.2)
        raise TimeoutError(f"daphne did not answer /healthz in time:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def get(port: int, path: str, session_key: str | None, *, timeout: float) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Cookie": f"omtag_session={session_key}"} if session_key else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- Data, through Django in this process ---------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    for name in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "TASKS_BACKEND"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(PLATFORM))
    import django

    django.setup()


def answer_value(shape: Any, block_value: Any) -> Any:
    """A valid answer of each shape (see content.blocks.AnswerShape); None to skip."""
    from content.blocks import TIMEOUT_PLAN_PARTS, AnswerShape

    if shape == AnswerShape.TEXT:
        return TEXT_ANSWER
    if shape == AnswerShape.FIELDS:
        return [f"{TEXT_ANSWER} {i}" for i in range(len(block_value["fields"]))]
    if shape == AnswerShape.CHOICES:
        return [str(o) for o in list(block_value["options"])[:2]]
    if shape == AnswerShape.CHOICE:
        options = list(block_value["options"])
        return str(options[0]) if options else None
    if shape == AnswerShape.SCALE:
        return 5
    if shape == AnswerShape.TIMEOUT_PLAN:
        return {key: TEXT_ANSWER for key, _label in TIMEOUT_PLAN_PARTS}
    return None


def therapist_user() -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Role, User
    from accounts.services import _grant_roles

    user = User.objects.filter(email=THERAPIST_EMAIL).first()
    if user is None:
        user = User.objects.create_user(THERAPIST_EMAIL, PASSWORD, display_name="Bench T")
        _grant_roles(user, [Role.THERAPIST])
        TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def ensure_participants(count: int) -> tuple[int, int, float]:
    """At least `count` participants, each enrolled, started, with a confirmed TOTP device and
    answers to every answer block of the first module. Returns (created, answers each,
    seconds)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Role, RoleGrant, User
    from modules.services import (
        answer_save,
        default_programme,
        enrollment_create,
        enrollment_start,
        programme_modules,
    )

    started = time.monotonic()
    existing = RoleGrant.objects.filter(role=Role.PARTICIPANT).count()
    if existing >= count:
        return 0, 0, 0.0
    programme = default_programme()
    if programme is None:
        raise RuntimeError("seed_programme made no programme")
    module = programme_modules(programme)[0]
    answers = [
        (child.id, value)
        for child in module.body
        if (shape := getattr(child.block, "answer_shape", None)) is not None
        and (value := answer_value(shape, child.value)) is not None
    ]
    password = make_password(PASSWORD)  # hashed once, shared: logins are not measured
    with transaction.atomic():
        therapist = therapist_user()
        users = User.objects.bulk_create(
            User(email=EMAIL.format(i), display_name=f"P{i}", password=password)
            for i in range(existing, count)
        )
        RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.PARTICIPANT) for u in users)
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=u, name="app", confirmed=True) for u in users
        )
        for user in users:
            remaining()
            enrollment = enrollment_create(
                actor=None, participant=user, programme=programme, therapist=therapist
            )
            enrollment_start(enrollment=enrollment)
            for block_id, value in answers:
                answer_save(
                    participant=user,
                    enrollment=enrollment,
                    module=module,
                    block_id=block_id,
                    value=value,
                    version=None,
                )
    return len(users), len(answers), time.monotonic() - started


def participant_sessions(count: int, rng: random.Random) -> list[str]:
    """Logged-in, second-factor-verified sessions for `count` sampled participants."""
    from accounts.models import Role, User

    ids = list(User.objects.filter(role_grants__role=Role.PARTICIPANT).values_list("pk", flat=True))
    return sessions_for(rng.sample(ids, min(count, len(ids))))


def sessions_for(user_ids: list[int]) -> list[str]:
    """A logged-in, second-factor-verified session for each user, written straight into the
    session store (what login plus the second-factor step would leave)."""
    from importlib import import_module

    from django.conf import settings
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.middleware import LOGIN_AT, SEEN_AT
    from accounts.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        now = timezone.now().isoformat()
        session = store()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[LOGIN_AT] = now
        session[SEEN_AT] = now
        session.create()
        keys.append(session.session_key)
    return keys


def first_module_key() -> str:
    from modules.services import default_programme, programme_modules

    programme = default_programme()
    assert programme is not None
    return str(programme_modules(programme)[0].translation_key)


# --- Measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    size: int
    page: str
    median_ms: float
    p95_ms: float
    requests: int


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(port: int, page: Page, fixture: Fixture, size: int) -> Row:
    path = page.path(fixture)
    sessions = fixture.sessions[page.audience]
    if not sessions:
        raise RuntimeError(f"no {page.audience} sessions for {page.name}")
    times: list[float] = []
    for i in range(WARMUP + REQUESTS):
        remaining()
        session_key = sessions[i % len(sessions)]
        started = time.perf_counter()
        status, body = get(port, path, session_key, timeout=REQUEST_TIMEOUT)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise AssertionError(f"GET {path} answered {status}, not 200 (N={size})")
        if page.expect and page.expect.encode() not in body:
            raise AssertionError(f"GET {path} lacks {page.expect!r} (N={size})")
        if i >= WARMUP:
            times.append(elapsed * 1000)
    return Row(size, page.name, statistics.median(times), p95(times), len(times))


def print_table(rows: list[Row]) -> None:
    width = max([len("page")] + [len(r.page) for r in rows])
    print(f"{'N':>6}  {'page':<{width}}  {'median ms':>10}  {'p95 ms':>8}  {'requests':>8}")
    for r in rows:
        print(
            f"{r.size:>6}  {r.page:<{width}}  {r.median_ms:>10.1f}  {r.p95_ms:>8.1f}"
            f"  {r.requests:>8}"
        )


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop daphne
    rng = random.Random(2026)  # sampling, not security
    with tempfile.TemporaryDirectory(prefix="omtag-bench-") as tmp:
        var_dir = Path(tmp)
        env = child_env(var_dir)
        t0 = time.monotonic()
        manage(env, "migrate", "--noinput")
        manage(env, "seed_programme")
        print(f"migrate + seed_programme: {time.monotonic() - t0:.1f} s", flush=True)

        django_setup(env)
        from django.db import connections

        fixture = Fixture(module_key=first_module_key())
        rows: list[Row] = []
        for size in SIZES:
            created, answered, seconds = ensure_participants(size)
            fixture.sessions = {
                "participant": participant_sessions(SAMPLED, rng),
                "therapist": sessions_for([therapist_user().pk]),
            }
            connections.close_all()  # daphne gets the SQLite file to itself
            print(
                f"N={size}: created {created} participants ({answered} answers each)"
                f" in {seconds:.1f} s",
                flush=True,
            )
            with Server(env, var_dir / "daphne.log") as server:
                for page in PAGES:
                    if page.sizes is not None and size not in page.sizes:
                        continue
                    rows.append(measure(server.port, page, fixture, size))
                    r = rows[-1]
                    print(
                        f"  {page.name}: median {r.median_ms:.1f} ms, p95 {r.p95_ms:.1f} ms",
                        flush=True,
                    )
        print()
        print_table(rows)
        print(f"\ntotal {time.monotonic() - STARTED:.1f} s on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
