"""Page latency: the participant's home and first module page at 10, 100, 300 and 1000
participants, and the therapist's caseload with all 300 participants on it.

Builds a throw-away SQLite installation in a temporary directory (migrate, seed_programme),
fills it with participants in bulk from this process, then serves it with daphne on 127.0.0.1
and times sequential GETs with second-factor-verified sessions. Prints one row per size and
page: median and 95th-percentile milliseconds over REQUESTS requests.

Run from the repository root: `.venv/bin/python bench/pages.py` (or `make bench`).
Bounded: a fixed number of requests, a timeout on every step, and TIME_LIMIT for the whole run.
Talks to 127.0.0.1 only.

With `--organisations N` (issue 17, several organisations) it measures instead the same pages
for the people of one organisation, first with that organisation alone (`--participants P`,
1,000 by default, on its therapist's caseload) and again after N-1 more organisations of P
participants each (their own unit, therapist, administrator and lead) are added, and prints the
two side by side: the participant's home and first module, the therapist's caseload, the
administrator's participants page and the organisation's report. With DATABASE_URL set
(PostgreSQL) that run uses a throw-away database beside the one it names, dropped afterwards;
without, SQLite. E.g. `.venv/bin/python bench/pages.py --organisations 10 --participants 1000`.
"""

from __future__ import annotations

import argparse
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
    answer_part: int = 1  # the first of its parts (?part=N) with an answer block
    # Session keys by audience ("participant"; later e.g. "therapist").
    sessions: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    name: str
    path: Callable[[Fixture], str]
    audience: str = "participant"  # whose sessions request it (a key of Fixture.sessions)
    expect: str | None = None  # text the body must contain (proves the real page was served)
    sizes: tuple[int, ...] | None = None  # measured only at these N (None: at every N)
    requests: int | None = None  # timed requests (None: REQUESTS)
    absent: str | None = None  # text the body must not contain (another organisation's)


PAGES: list[Page] = [
    Page("participant home", lambda f: "/participant/"),
    Page(
        "first module",
        lambda f: f"/participant/modules/{f.module_key}/?part={f.answer_part}",
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


def first_module() -> tuple[str, int]:
    """The first module's translation key, and the first of its parts that holds an answer
    block (the page shows one part at a time; the seeded answers are on that one)."""
    from content.parts import split_into_parts
    from modules.services import default_programme, programme_modules

    programme = default_programme()
    assert programme is not None
    module = programme_modules(programme)[0]
    part = next(
        p.number
        for p in split_into_parts(list(module.body))
        if any(getattr(item.block, "answer_shape", None) is not None for item in p.items)
    )
    return str(module.translation_key), part


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
    requests = page.requests or REQUESTS
    warmup = min(WARMUP, max(2, requests // 5))
    times: list[float] = []
    for i in range(warmup + requests):
        remaining()
        session_key = sessions[i % len(sessions)]
        started = time.perf_counter()
        status, body = get(port, path, session_key, timeout=REQUEST_TIMEOUT)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise AssertionError(f"GET {path} answered {status}, not 200 (N={size})")
        if page.expect and page.expect.encode() not in body:
            raise AssertionError(f"GET {path} lacks {page.expect!r} (N={size})")
        if page.absent and page.absent.encode() in body:
            raise AssertionError(f"GET {path} shows {page.absent!r} (N={size})")
        if i >= warmup:
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


# --- Several organisations (issue 17) -----------------------------------------------------------

ORG_TIME_LIMIT = 2400.0  # seconds for the whole --organisations run (seeding 10,000 takes a while)
ORG_REQUESTS = 100  # timed requests per light page
# The administrator's participants page lists every treatment of the organisation and the
# report counts them all: fewer, slower requests.
ORG_HEAVY_REQUESTS = 10
# Every other organisation's participants are named "<its slug> P<i>" (reports.load); none may
# appear on the first organisation's pages.
OTHER_ORGANISATION = "bench-org-01 P"

ORG_PAGES: list[Page] = [
    Page("participant home", lambda f: "/participant/", requests=ORG_REQUESTS),
    Page(
        "first module",
        lambda f: f"/participant/modules/{f.module_key}/?part={f.answer_part}",
        expect=TEXT_ANSWER,
        requests=ORG_REQUESTS,
    ),
    Page(
        "therapist caseload",
        lambda f: "/therapist/",
        "therapist",
        "page=2",
        requests=ORG_REQUESTS,
        absent=OTHER_ORGANISATION,
    ),
    Page(
        "admin participants",
        lambda f: "/administration/participants/",
        "admin",
        requests=ORG_HEAVY_REQUESTS,
        absent=OTHER_ORGANISATION,
    ),
    Page(
        "organisation report",
        lambda f: "/reports/",
        "org_lead",
        'id="funnel-caption"',
        requests=ORG_HEAVY_REQUESTS,
    ),
]


def organisation_sessions(rng: random.Random) -> dict[str, list[str]]:
    """Sessions of the first organisation's people: SAMPLED of its participants, its load
    therapist, administrator and organisation lead."""
    from accounts.models import Role, User
    from organisations.selectors import first_unit
    from reports.load import load_staff

    unit = first_unit()
    ids = list(
        User.objects.filter(role_grants__role=Role.PARTICIPANT, role_grants__unit=unit)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # Audience (a key of Fixture.sessions) -> the one member of staff of that role.
    staff: dict[str, int] = {
        audience: load_staff(role, unit).pk
        for audience, role in (
            ("therapist", Role.THERAPIST),
            ("admin", Role.ADMIN),
            ("org_lead", Role.ORG_LEAD),
        )
    }
    keys = harness.sessions_for([*rng.sample(ids, min(SAMPLED, len(ids))), *staff.values()])
    staff_ids = set(staff.values())
    sessions = {"participant": [keys[pk] for pk in sorted(keys) if pk not in staff_ids]}
    sessions.update({audience: [keys[pk]] for audience, pk in staff.items()})
    return sessions


def seed_organisations(count: int, participants: int) -> tuple[int, int, float]:
    """`count` organisations of `participants` each (reports.load.seed_organisations).
    Returns (participants in all, created now, seconds)."""
    from accounts.models import Role, RoleGrant
    from reports.load import seed_organisations as seed

    started = time.monotonic()
    _units, created = seed(count, participants, tick=remaining)
    total = RoleGrant.objects.filter(role=Role.PARTICIPANT).count()
    return total, created, time.monotonic() - started


def print_side_by_side(
    one: list[Row], many: list[Row], organisations: int, per_organisation: int
) -> None:
    width = max([len("page")] + [len(r.page) for r in one])
    first = f"1 org, {per_organisation} participants"
    second = f"{organisations} orgs, {organisations * per_organisation} participants"
    span = 20
    print(f"{'':<{width}}  {first:>{span}}  {second:>{span}}")
    print(
        f"{'page':<{width}}  {'median ms':>10}{'p95 ms':>10}  {'median ms':>10}{'p95 ms':>10}"
        f"  {'median x':>8}  {'requests':>8}"
    )
    for a, b in zip(one, many, strict=True):
        print(
            f"{a.page:<{width}}  {a.median_ms:>10.1f}{a.p95_ms:>10.1f}"
            f"  {b.median_ms:>10.1f}{b.p95_ms:>10.1f}"
            f"  {b.median_ms / a.median_ms:>8.2f}  {a.requests:>8}"
        )


def organisations_main(organisations: int, per_organisation: int) -> int:
    """The pages of one organisation alone, then beside `organisations` - 1 others."""
    DEADLINE.seconds = ORG_TIME_LIMIT
    rng = random.Random(17)  # sampling, not security
    source = os.environ.get("DATABASE_URL")
    print(
        f"{organisations} organisations x {per_organisation} participants;"
        f" {'PostgreSQL' if source else 'SQLite'}; {os.cpu_count()} cores",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="omtag-bench-") as tmp,
        harness.throwaway_database(source, "pages") as database_url,
    ):
        var_dir = Path(tmp)
        extra = {"DATABASE_URL": database_url} if database_url else {}
        env = harness.child_env(var_dir, **extra)
        t0 = time.monotonic()
        manage(env, "migrate", "--noinput")
        manage(env, "seed_programme")
        print(f"migrate + seed_programme: {time.monotonic() - t0:.1f} s", flush=True)
        harness.django_setup(env)
        from django.db import connections

        key, part = first_module()
        fixture = Fixture(module_key=key, answer_part=part)
        results: list[list[Row]] = []
        for count in (1, organisations):
            total, created, seconds = seed_organisations(count, per_organisation)
            print(
                f"{count} organisation(s): {total} participants in all, {created} created"
                f" in {seconds:.1f} s",
                flush=True,
            )
            if not fixture.sessions:
                fixture.sessions = organisation_sessions(rng)
            connections.close_all()  # daphne gets an SQLite file to itself
            rows = []
            with bench_server(env, var_dir / "daphne.log") as server:
                for page in ORG_PAGES:
                    rows.append(measure(server.port, page, fixture, total))
                    r = rows[-1]
                    print(
                        f"  {page.name}: median {r.median_ms:.1f} ms, p95 {r.p95_ms:.1f} ms"
                        f" ({r.requests} requests)",
                        flush=True,
                    )
            results.append(rows)
            # The machine may be shared: how busy it was says how far to trust a difference.
            print(f"  load average {os.getloadavg()[0]:.1f}", flush=True)
        print()
        print_side_by_side(results[0], results[1], organisations, per_organisation)
        print(f"\ntotal {DEADLINE.elapsed():.1f} s on {os.cpu_count()} cores")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--organisations",
        type=int,
        default=0,
        metavar="N",
        help="measure one organisation's pages alone and beside N-1 others (issue 17)",
    )
    parser.add_argument(
        "--participants",
        type=int,
        default=1000,
        metavar="P",
        help="participants in each organisation (with --organisations)",
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop daphne
    if args.organisations:
        return organisations_main(args.organisations, args.participants)
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

        key, part = first_module()
        fixture = Fixture(module_key=key, answer_part=part)
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
