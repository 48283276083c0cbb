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
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
from harness import HOST, Server

SIZES = (10, 100, 300, 1000)  # participants in the database
REQUESTS = 200  # timed requests per size and page
WARMUP = 10  # untimed requests per size and page
SAMPLED = 10  # participants with a logged-in session, cycled through by the requests

TIME_LIMIT = 420.0  # seconds for the whole run; past it the run stops with an error
COMMAND_TIMEOUT = 150.0  # one manage.py command
STARTUP_TIMEOUT = 30.0  # daphne answering /healthz
REQUEST_TIMEOUT = 10.0  # one HTTP request
STOP_TIMEOUT = 10.0  # daphne exiting after SIGTERM

# What reports.load (manage.py seed_load) writes into every text answer; the first module's
# page must show it.
TEXT_ANSWER = "Benchmark answer text"

DEADLINE = harness.Deadline(TIME_LIMIT)
remaining = DEADLINE.remaining


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
    # therapist-with-a-big-caseload case the workbench issue names. The page shows the 50
    # most urgent rows and a link to the next page.
    Page("therapist caseload", lambda f: "/therapist/", "therapist", "page=2", sizes=(300,)),
]


# --- Child processes -------------------------------------------------------------------


def child_env(var_dir: Path) -> dict[str, str]:
    # Never reach a real database or Redis from this benchmark: SQLite and local memory only.
    return harness.child_env(var_dir)


def manage(env: dict[str, str], *args: str) -> None:
    harness.manage(env, *args, timeout=min(COMMAND_TIMEOUT, remaining()))


def bench_server(env: dict[str, str], log_path: Path) -> Server:
    """daphne serving the app on 127.0.0.1; a context manager that always stops it."""
    return Server(
        env,
        log_path,
        startup_timeout=STARTUP_TIMEOUT,
        stop_timeout=STOP_TIMEOUT,
        deadline=DEADLINE,
    )


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


def therapist_user() -> Any:
    """The one therapist whose caseload every seeded participant is on."""
    from reports.load import load_therapist

    return load_therapist()


def ensure_participants(count: int) -> tuple[int, int, float]:
    """At least `count` participants (see reports.load.seed_participants, which
    `manage.py seed_load --participants` runs too). Returns (created, answers each, seconds)."""
    from reports.load import seed_participants

    started = time.monotonic()
    created, answers = seed_participants(count, tick=remaining)
    return created, answers, time.monotonic() - started


def participant_sessions(count: int, rng: random.Random) -> list[str]:
    """Logged-in, second-factor-verified sessions for `count` sampled participants."""
    from accounts.models import Role, User

    ids = list(User.objects.filter(role_grants__role=Role.PARTICIPANT).values_list("pk", flat=True))
    return sessions_for(rng.sample(ids, min(count, len(ids))))


def sessions_for(user_ids: list[int]) -> list[str]:
    """A logged-in, second-factor-verified session for each user, in the order of their ids."""
    keys = harness.sessions_for(user_ids)
    return [keys[pk] for pk in sorted(keys)]


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


# --- The organisation's report (issue 8) -------------------------------------------------------

REPORT_ENROLLMENTS = 5_000  # in all, the participants above included
REPORT_CHECKINS = 100_000
REPORT_MESSAGES = 50_000
REPORT_RESPONSES = 10_000
REPORT_REFERRALS_NOT_ENROLLED = 1_500
REPORT_REQUESTS = 10
REPORT_WARMUP = 2


def ensure_report_data(rng: random.Random) -> tuple[dict[str, int], float]:
    """An organisation of REPORT_ENROLLMENTS enrollments (see reports.load.seed_report_data,
    which `manage.py seed_load --report-enrollments` runs too). Returns the row counts and
    the seconds it took."""
    from reports.load import ReportSize, seed_report_data

    started = time.monotonic()
    size = ReportSize(
        enrollments=REPORT_ENROLLMENTS,
        checkins=REPORT_CHECKINS,
        messages=REPORT_MESSAGES,
        responses=REPORT_RESPONSES,
        referrals_not_enrolled=REPORT_REFERRALS_NOT_ENROLLED,
    )
    counts = seed_report_data(rng, size)
    return counts, time.monotonic() - started


def report_bench(env: dict[str, str], var_dir: Path) -> Row:
    """The organisation's report (/reports/, the last 12 months) for an organisation with
    REPORT_ENROLLMENTS enrollments and REPORT_CHECKINS check-ins, requested by an organisation
    lead REPORT_REQUESTS times. Target: a median under 2 s."""
    from django.db import connections

    from accounts.models import User
    from reports.load import ORG_LEAD_EMAIL

    rng = random.Random(8)  # the data's shape, not security
    counts, seconds = ensure_report_data(rng)
    print(
        "report data: " + ", ".join(f"{n} {what}" for what, n in counts.items()),
        f"in {seconds:.1f} s",
        flush=True,
    )
    session = sessions_for([User.objects.get(email=ORG_LEAD_EMAIL).pk])[0]
    connections.close_all()
    times: list[float] = []
    with bench_server(env, var_dir / "daphne.log") as server:
        for i in range(REPORT_WARMUP + REPORT_REQUESTS):
            remaining()
            begun = time.perf_counter()
            status, body = get(server.port, "/reports/", session, timeout=REQUEST_TIMEOUT * 3)
            elapsed = time.perf_counter() - begun
            if status != 200 or b'id="funnel-caption"' not in body:
                raise AssertionError(f"GET /reports/ answered {status} without the funnel")
            if i >= REPORT_WARMUP:
                times.append(elapsed * 1000)
    row = Row(
        counts["enrollments"],
        "organisation report",
        statistics.median(times),
        p95(times),
        len(times),
    )
    print(
        f"  organisation report: median {row.median_ms:.1f} ms, p95 {row.p95_ms:.1f} ms"
        f" ({'under' if row.median_ms < 2000 else 'OVER'} the 2 s target)",
        flush=True,
    )
    return row


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

        harness.django_setup(env)
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
            with bench_server(env, var_dir / "daphne.log") as server:
                for page in PAGES:
                    if page.sizes is not None and size not in page.sizes:
                        continue
                    rows.append(measure(server.port, page, fixture, size))
                    r = rows[-1]
                    print(
                        f"  {page.name}: median {r.median_ms:.1f} ms, p95 {r.p95_ms:.1f} ms",
                        flush=True,
                    )
        rows.append(report_bench(env, var_dir))
        print()
        print_table(rows)
        print(f"\ntotal {DEADLINE.elapsed():.1f} s on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
