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
import uuid
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

TEXT_ANSWER = "Benchmark answer text"
EMAIL = "bench-participant-{:05d}@bench.invalid"
THERAPIST_EMAIL = "bench-therapist@bench.invalid"
PASSWORD = "bench-password-not-secret-0123"

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
    from accounts.services import grant_roles

    user = User.objects.filter(email=THERAPIST_EMAIL).first()
    if user is None:
        user = User.objects.create_user(THERAPIST_EMAIL, PASSWORD, display_name="Bench T")
        grant_roles(user, [Role.THERAPIST])
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
REPORT_EMAIL = "bench-report-{:05d}@bench.invalid"
ORG_LEAD_EMAIL = "bench-org-lead@bench.invalid"


def ensure_report_data(rng: random.Random) -> tuple[dict[str, int], float]:
    """An organisation of REPORT_ENROLLMENTS enrollments spread over the last year, with
    referrals, screenings, module progress, threads and messages, weekly check-ins and measure
    responses, in bulk. Returns the row counts and the seconds it took."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Role, RoleGrant, User
    from intake.models import Referral, ReferralSource, ReferralStatus, Screening
    from measures.models import Instrument, MeasureResponse, Occasion
    from messaging.models import Message, Side, Thread
    from modules.models import CheckIn, Enrollment, EnrollmentStatus, ModuleProgress, ModuleState
    from modules.services import default_programme, programme_modules

    started = time.monotonic()
    programme = default_programme()
    assert programme is not None
    modules = programme_modules(programme)
    now = timezone.now()
    password = make_password(PASSWORD)
    sources = [s for s, _label in ReferralSource.choices]
    with transaction.atomic():
        therapist = therapist_user()
        lead = User.objects.create_user(ORG_LEAD_EMAIL, PASSWORD, display_name="Bench Lead")
        RoleGrant.objects.create(user=lead, role=Role.ORG_LEAD)
        TOTPDevice.objects.create(user=lead, name="app", confirmed=True)

        count = REPORT_ENROLLMENTS - Enrollment.objects.count()
        users = User.objects.bulk_create(
            User(email=REPORT_EMAIL.format(i), display_name=f"R{i}", password=password)
            for i in range(count)
        )
        RoleGrant.objects.bulk_create(RoleGrant(user=u, role=Role.PARTICIPANT) for u in users)
        # How far each got: weighted towards the early modules, as in real services.
        plans = []
        for _user in users:
            received = now - timedelta(days=rng.uniform(0, 360))
            begun = received + timedelta(days=rng.uniform(2, 20))
            reached = min(rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]), len(modules))
            status = EnrollmentStatus.ACTIVE
            if reached == len(modules) and rng.random() < 0.8:
                status = EnrollmentStatus.COMPLETED
            elif rng.random() < 0.25:
                status = EnrollmentStatus.DISCONTINUED
            plans.append((received, begun, reached, status))
        enrollments = Enrollment.objects.bulk_create(
            Enrollment(
                participant=u,
                programme=programme,
                therapist=therapist,
                status=status,
                started_at=begun,
                status_changed_at=begun + timedelta(days=7 * reached),
            )
            for u, (_r, begun, reached, status) in zip(users, plans, strict=True)
        )
        for e, (_received, begun, _reached, _status) in zip(enrollments, plans, strict=True):
            e.created_at = begun - timedelta(days=1)  # auto_now_add: set afterwards
        Enrollment.objects.bulk_update(enrollments, ["created_at"], batch_size=1000)

        referrals = Referral.objects.bulk_create(
            [
                Referral(
                    source=rng.choice(sources),
                    received_at=received,
                    name="Bench",
                    phone="000",
                    status=ReferralStatus.ENROLLED,
                    first_contact_at=received + timedelta(hours=rng.uniform(1, 120)),
                    enrollment=e,
                )
                for e, (received, *_rest) in zip(enrollments, plans, strict=True)
            ]
            + [
                Referral(
                    source=rng.choice(sources),
                    received_at=now - timedelta(days=rng.uniform(0, 360)),
                    name="Bench",
                    phone="000",
                    status=ReferralStatus.CLOSED,
                )
                for _ in range(REPORT_REFERRALS_NOT_ENROLLED)
            ],
            batch_size=1000,
        )
        Screening.objects.bulk_create(
            (
                Screening(referral=r, screened_by=therapist, screened_at=r.received_at)
                for r in referrals
                if r.enrollment_id is not None or rng.random() < 0.5
            ),
            batch_size=1000,
        )

        progress = []
        for e, (_received, begun, reached, _status) in zip(enrollments, plans, strict=True):
            for i, module in enumerate(modules):
                opened = begun + timedelta(days=7 * i + rng.choice([0, 0, 1, 3, 9]))
                if i < reached - 1:
                    state, done = ModuleState.COMPLETED, opened + timedelta(days=6)
                elif i == reached - 1:
                    state, done = ModuleState.STARTED, None
                elif i == reached:
                    state, done = ModuleState.UNLOCKED, None
                else:
                    state, done, opened = ModuleState.LOCKED, None, None
                progress.append(
                    ModuleProgress(
                        enrollment=e,
                        module=module,
                        state=state,
                        unlocked_at=opened,
                        started_at=opened if state in ("started", "completed") else None,
                        completed_at=done,
                    )
                )
        ModuleProgress.objects.bulk_create(progress, batch_size=2000)

        per_thread = REPORT_MESSAGES // len(enrollments)
        threads = Thread.objects.bulk_create(
            Thread(enrollment=e, last_seq=per_thread, created_at=e.created_at) for e in enrollments
        )
        messages = []
        for thread, e, (_r, begun, *_rest) in zip(threads, enrollments, plans, strict=True):
            at = begun
            for seq in range(1, per_thread + 1):
                participant_side = seq % 2 == 1 or rng.random() < 0.2
                at += timedelta(hours=rng.uniform(0.5, 60))
                messages.append(
                    Message(
                        thread=thread,
                        seq=seq,
                        sender_id=e.participant_id if participant_side else therapist.pk,
                        side=Side.PARTICIPANT if participant_side else Side.TEAM,
                        body="Bench message",
                        client_id=uuid.uuid4(),
                        created_at=at,
                    )
                )
        Message.objects.bulk_create(messages, batch_size=2000)

        all_enrollments = list(Enrollment.objects.values_list("pk", "started_at"))
        per_enrollment = REPORT_CHECKINS // len(all_enrollments)
        checkins = [
            CheckIn(
                enrollment_id=pk,
                submitted_at=(begun or now) + timedelta(days=7 * week),
                answers={"violence": "no", "closeness": rng.randint(0, 10)},
            )
            for pk, begun in all_enrollments
            for week in range(per_enrollment)
        ]
        CheckIn.objects.bulk_create(checkins, batch_size=2000)

        instruments = list(Instrument.objects.filter(active=True).order_by("key")[:2])
        while len(instruments) < 2:
            key = f"bench-{len(instruments)}"
            instruments.append(Instrument.objects.create(key=key, name_sv=key, name_en=key))
        responses = []
        with_measures = [(e, plan) for e, plan in zip(enrollments, plans, strict=True) if plan[2]]
        for e, (_received, begun, reached, status) in with_measures:
            if len(responses) >= REPORT_RESPONSES:
                break
            occasions = [(Occasion.INTAKE, begun)]
            if status == EnrollmentStatus.COMPLETED:
                end = begun + timedelta(days=7 * reached)
                occasions.append((Occasion.COMPLETION, end))
                if end + timedelta(days=90) < now:
                    occasions.append((Occasion.FOLLOWUP_3, end + timedelta(days=90)))
            for instrument in instruments:
                for occasion, at in occasions:
                    responses.append(
                        MeasureResponse(
                            enrollment=e,
                            instrument=instrument,
                            occasion=occasion,
                            answers={},
                            score=rng.randint(0, 20),
                            submitted_at=at,
                        )
                    )
        MeasureResponse.objects.bulk_create(responses[:REPORT_RESPONSES], batch_size=2000)
    counts = {
        "enrollments": Enrollment.objects.count(),
        "referrals": len(referrals),
        "module progress": ModuleProgress.objects.count(),
        "messages": Message.objects.count(),
        "check-ins": CheckIn.objects.count(),
        "measure responses": MeasureResponse.objects.count(),
    }
    return counts, time.monotonic() - started


def report_bench(env: dict[str, str], var_dir: Path) -> Row:
    """The organisation's report (/reports/, the last 12 months) for an organisation with
    REPORT_ENROLLMENTS enrollments and REPORT_CHECKINS check-ins, requested by an organisation
    lead REPORT_REQUESTS times. Target: a median under 2 s."""
    from django.db import connections

    from accounts.models import User

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
