"""Messaging latency and loss: N participant-therapist pairs (10, 50, 200) writing to each other
over real sockets with logged-in, second-factor-verified sessions, against one daphne on
127.0.0.1; and the same load through two bench-only sockets served by the same daphne and
channel layer (bench/relay_asgi.py): a bare Channels relay (no database, no re-checks), and
the persist-first floor (the same relay, storing each message before relaying it), once in
hand-written SQL and once through the ORM.

Each person sends MESSAGES messages, one every INTERVAL seconds from a random start (an open
loop: nobody waits for the server, as nobody does on the page). Latency is from the send on one
side to the 'message' frame arriving on the other. After the last send the run waits until
every message has arrived or the server has gone idle (no CPU used for IDLE_SECONDS) with some
still missing: those count as lost, since nothing is left that could deliver them. A run that
reaches DRAIN_TIMEOUT instead says so. For each N and server it prints p50/p95/p99 latency,
throughput (messages delivered per second), lost and duplicated; then the p95 ratios ours/bare,
persist-first floor/bare and ours/floor, and where one message's time goes in our path (queries
and milliseconds per step, measured in this process against the same database).

Database: a throw-away SQLite file in a temporary directory (migrated and seeded); with
DATABASE_URL set (PostgreSQL), a throw-away database beside the one it names, dropped at the
end. Channel layer and cache: in memory; with REDIS_URL set, that Redis under a prefix of this
run's own. Run from the repository root: `.venv/bin/python bench/messaging.py` (or
`make bench`); `--help` lists the knobs. Bounded: TIME_LIMIT for the whole run and a timeout on
every step. Talks to 127.0.0.1 (and the given PostgreSQL and Redis) only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import harness
from harness import BENCH, HOST, PLATFORM

SIZES = (10, 50, 200)  # participant-therapist pairs
MESSAGES = 4  # M: messages each person sends per run
INTERVAL = 8.0  # seconds between one person's messages
WARMUP = 3  # untimed messages each way on one pair before each timed run

TIME_LIMIT = 900.0  # seconds for the whole run; past it the run stops with an error
COMMAND_TIMEOUT = 240.0  # one manage.py command
STARTUP_TIMEOUT = 60.0  # daphne answering /healthz
CONNECT_TIMEOUT = 30.0  # one socket's handshake (accept included)
DRAIN_TIMEOUT = 150.0  # after the last send, the longest wait for the rest
IDLE_SECONDS = 3.0  # the server this long without using CPU: nothing more is coming
STOP_TIMEOUT = 10.0  # daphne exiting after SIGTERM
PROFILE_REPEATS = 50

# What is measured, in this order, each under its socket path (/ws/<route>/<thread>/).
SERVERS = {
    "bare relay": "bench-relay",
    "floor, SQL": "bench-persist-sql",
    "floor": "bench-persist",
    "omtag": "messages",
}

BODY = "Bench message {k} from the {role} of pair {pair}: " + "how the week went, " * 4

DEADLINE = harness.Deadline(TIME_LIMIT)
remaining = DEADLINE.remaining


# --- Environment: a throw-away database, a private channel prefix ------------------------------


def child_env(var_dir: Path, database_url: str | None, conn_max_age: int | None) -> dict[str, str]:
    prefix = f"omtag-bench-{secrets.token_hex(6)}"
    env = harness.child_env(
        var_dir,
        keep=("REDIS_URL",),
        # Each person sends far more than the 30 a minute the platform allows one user.
        MESSAGE_RATE_LIMIT_PER_MINUTE="1000000",
        # Only used with REDIS_URL: this run's keys and groups, apart from anyone else's.
        CHANNEL_PREFIX=prefix,
        CACHE_KEY_PREFIX=prefix,
    )
    if database_url is None and conn_max_age is not None:
        # The default SQLite file, spelled out so that the connection age can be set.
        database_url = f"sqlite:///{(var_dir / 'omtag.sqlite3').as_posix()}"
    if database_url is not None:
        if conn_max_age is not None:
            database_url += ("&" if "?" in database_url else "?") + urlencode(
                {"conn_max_age": conn_max_age}
            )
        env["DATABASE_URL"] = database_url
    return env


def manage(env: dict[str, str], *args: str) -> None:
    harness.manage(env, *args, timeout=min(COMMAND_TIMEOUT, remaining()))


# --- The server --------------------------------------------------------------------------------


def bench_server(env: dict[str, str], log_path: Path) -> harness.Server:
    """daphne serving bench/relay_asgi.py (our app plus the bench sockets) on 127.0.0.1; a context
    manager that always stops it."""
    return harness.Server(
        env,
        log_path,
        application="relay_asgi:application",
        paths=(PLATFORM, BENCH),
        startup_timeout=STARTUP_TIMEOUT,
        stop_timeout=STOP_TIMEOUT,
        deadline=DEADLINE,
    )


# --- Data, through Django in this process -----------------------------------------------------


@dataclass(frozen=True)
class Pair:
    index: int
    thread: str  # the thread's public id
    participant: str  # session keys
    therapist: str
    participant_id: int
    therapist_id: int


def make_pairs(count: int, tag: str) -> list[Pair]:
    """`count` participants, each in an active enrollment with a therapist of their own (see
    reports.load.seed_pairs, which `manage.py seed_load --pairs` runs too), and a verified
    session for each of them."""
    from messaging.models import Thread
    from reports.load import seed_pairs

    pairs = seed_pairs(count, tag, tick=remaining)
    threads = dict(
        Thread.objects.filter(
            enrollment__participant__in=[p.participant for p in pairs]
        ).values_list("enrollment__participant_id", "public_id")
    )
    people = [p.therapist.pk for p in pairs] + [p.participant.pk for p in pairs]
    sessions = harness.sessions_for(people)
    return [
        Pair(
            i,
            str(threads[p.participant.pk]),
            sessions[p.participant.pk],
            sessions[p.therapist.pk],
            p.participant.pk,
            p.therapist.pk,
        )
        for i, p in enumerate(pairs)
    ]


# --- Measuring over sockets ---------------------------------------------------------------------


@dataclass
class Tally:
    """What one timed run saw."""

    sent_at: dict[str, float] = field(default_factory=dict)  # client_id: perf_counter at send
    pair_of: dict[str, int] = field(default_factory=dict)
    received_at: dict[str, float] = field(default_factory=dict)  # first arrival, other side
    duplicates: int = 0
    misrouted: int = 0  # arrived on a socket of another pair (must never happen)
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class Person:
    pair: Pair
    role: str  # "participant" or "therapist"
    url: str
    cookie: str
    ws: Any = None
    mine: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Row:
    size: int
    server: str
    sent: int
    delivered: int
    lost: int
    duplicated: int
    stored: int | None  # of the sent messages, how many the database holds (ours only)
    p50_ms: float
    p95_ms: float
    p99_ms: float
    per_second: float
    errors: str
    server_cpu_s: float
    load: float


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def read_frames(person: Person, current: Callable[[], Tally]) -> None:
    async for raw in person.ws:
        arrived = time.perf_counter()
        frame = json.loads(raw)
        kind = frame.get("type")
        tally = current()
        if kind == "message":  # ours: {"type": "message", "message": {...}}
            client_id = frame["message"]["client_id"]
        elif kind == "send":  # the bench relays hand on the sender's own frame
            client_id = frame["client_id"]
        elif kind == "error":
            tally.errors[str(frame.get("code"))] += 1
            continue
        else:  # ack, read, pong
            continue
        if client_id in person.mine:
            continue  # one's own message coming back
        if tally.pair_of.get(client_id) != person.pair.index:
            tally.misrouted += 1
        elif client_id in tally.received_at:
            tally.duplicates += 1
        else:
            tally.received_at[client_id] = arrived


async def send_messages(
    person: Person, tally: Tally, count: int, start: float, interval: float
) -> None:
    for k in range(count):
        delay = start + k * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        client_id = str(uuid.uuid4())
        body = BODY.format(k=k, role=person.role, pair=person.pair.index)
        person.mine.add(client_id)
        tally.pair_of[client_id] = person.pair.index
        tally.sent_at[client_id] = time.perf_counter()
        await person.ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))


async def drain(tally: Tally, timeout: float, server_cpu: Callable[[], float]) -> bool:
    """Wait for the rest: until everything has arrived, or the server is idle with messages
    still missing, or the timeout. False on the timeout."""
    deadline = time.perf_counter() + timeout
    cpu, idle_since = server_cpu(), time.perf_counter()
    while len(tally.received_at) < len(tally.sent_at):
        await asyncio.sleep(0.1)
        now, used = time.perf_counter(), server_cpu()
        if used - cpu > 0.02:  # a clock tick or two: still working
            cpu, idle_since = used, now
        elif now - idle_since >= IDLE_SECONDS:
            break
        if now >= deadline:
            return False
    await asyncio.sleep(0.5)  # anything doubled would arrive about now
    return True


async def measure(
    server: harness.Server,
    pairs: list[Pair],
    route: str,
    messages: int,
    interval: float,
    seed: int,
) -> tuple[Tally, float]:
    """Open a socket per person, warm up on one pair, then the timed run. Returns the tally
    and the run's duration from the first send to the last arrival."""
    from websockets.asyncio.client import connect

    rng = random.Random(seed)
    port = server.port
    people = [
        Person(pair, role, f"ws://{HOST}:{port}/ws/{route}/{pair.thread}/", f"omtag_session={key}")
        for pair in pairs
        for role, key in (("participant", pair.participant), ("therapist", pair.therapist))
    ]
    opening = asyncio.Semaphore(16)

    async def open_socket(person: Person) -> None:
        async with opening:
            person.ws = await asyncio.wait_for(
                connect(
                    person.url,
                    origin=f"http://{HOST}:{port}",  # type: ignore[arg-type]
                    additional_headers={"Cookie": person.cookie},
                    open_timeout=CONNECT_TIMEOUT,
                    ping_interval=None,
                    close_timeout=2,
                ),
                CONNECT_TIMEOUT + 1,
            )

    tally = Tally()
    readers: list[asyncio.Task[None]] = []
    try:
        await asyncio.gather(*(open_socket(p) for p in people))
        warm = Tally()
        current = warm
        readers = [asyncio.create_task(read_frames(p, lambda: current)) for p in people]
        now = time.perf_counter()
        await asyncio.gather(
            *(send_messages(p, warm, WARMUP, now, 0.05) for p in people[:2]),
        )
        await drain(warm, 20, server.cpu_seconds)
        if len(warm.received_at) < len(warm.sent_at):
            ended = [p.ws.close_code for p in people if p.ws.close_code is not None]
            raise RuntimeError(
                f"warm-up: {len(warm.received_at)}/{len(warm.sent_at)} arrived; errors"
                f" {dict(warm.errors)}; sockets closed by then, with codes: {ended[:10]}"
            )
        current = tally
        start = time.perf_counter() + 0.2
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    send_messages(p, tally, messages, start + rng.uniform(0, interval), interval)
                    for p in people
                )
            ),
            timeout=min(remaining(), messages * interval + 2 * interval + 60),
        )
        if not await drain(tally, min(DRAIN_TIMEOUT, remaining()), server.cpu_seconds):
            tally.errors[f"still busy {DRAIN_TIMEOUT:.0f} s after the last send"] += 1
        broken = [r for r in readers if r.done() and r.exception() is not None]
        if broken:
            tally.errors[f"socket ended: {broken[0].exception()!r}"[:80]] += len(broken)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(
            *(asyncio.wait_for(p.ws.close(), 3) for p in people if p.ws is not None),
            return_exceptions=True,
        )
    first = min(tally.sent_at.values(), default=0.0)
    last = max(tally.received_at.values(), default=first)
    return tally, last - first


def stored_count(tally: Tally) -> int:
    from messaging.models import Message

    ids = list(tally.sent_at)
    return sum(
        Message.objects.filter(client_id__in=ids[i : i + 500]).count()
        for i in range(0, len(ids), 500)
    )


def summarise(
    size: int, server_name: str, tally: Tally, duration: float, cpu: float, stored: int | None
) -> Row:
    latencies = sorted((tally.received_at[c] - tally.sent_at[c]) * 1000 for c in tally.received_at)
    delivered = len(tally.received_at)
    errors = ", ".join(f"{code}×{n}" for code, n in tally.errors.most_common())
    if tally.misrouted:
        errors = f"MISROUTED×{tally.misrouted} " + errors
    return Row(
        size=size,
        server=server_name,
        sent=len(tally.sent_at),
        delivered=delivered,
        lost=len(tally.sent_at) - delivered,
        duplicated=tally.duplicates,
        stored=stored,
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        per_second=delivered / duration if duration > 0 else math.nan,
        errors=errors or "-",
        server_cpu_s=cpu,
        load=os.getloadavg()[0],
    )


# --- Where one message's time goes (this process, same database) ------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    per_message: float  # how many times the consumer does it for one message
    queries: int
    ms: float  # median


def profile_steps(pair: Pair, reconnects: bool) -> list[Step]:
    """The consumer's database work for one message, step by step, as the consumer does it
    (messaging/consumers.py): the frame that brings the send (re-check of session and access,
    then the store, in one database call), and the re-check of each socket the message is
    pushed to (here the other side's; the sending socket has it in the ack). With
    SOCKET_CONN_MAX_AGE=0, each such call opens a new database connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.realtime import Prepared, SessionCheck
    from messaging import selectors, services
    from messaging.models import Thread
    from messaging.rendering import render_text
    from modules.risk import scan

    thread = Thread.objects.get(public_id=pair.thread)
    uid = pair.participant_id
    checked: list[User] = []  # the sender as the frame's re-check fetched it

    # Compiled once per socket, at connect, as the consumer does.
    session_check = SessionCheck(
        uid, pair.participant, annotate={"may_see_thread": selectors.may_see_expression(thread.pk)}
    )
    may_see = Prepared(selectors.may_see_query(uid, thread.pk)).exists
    sender = services.MessageSender(sender_id=uid, thread=thread)

    def recheck() -> User:
        user = session_check(touch=True)
        assert user is not None and user.may_see_thread  # type: ignore[attr-defined]
        return user

    def store() -> None:
        sender.send(
            sender=checked[-1], body=BODY.format(k=0, role="x", pair=0), client_id=uuid.uuid4()
        )

    def reconnect() -> None:
        # What close_old_connections does around every database call of the socket when
        # SOCKET_CONN_MAX_AGE is 0: close (SQLite: the last connection to close checkpoints
        # the WAL) and open (SQLite: the WAL pragmas; PostgreSQL: a new backend process).
        connection.close()
        connection.ensure_connection()

    def measure_step(
        name: str,
        per_message: float,
        work: Callable[[], Any],
        before: Callable[[], Any] = lambda: None,
    ) -> Step:
        times, queries = [], 0
        for _ in range(PROFILE_REPEATS):
            before()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                work()
            times.append((time.perf_counter() - started) * 1000)
            queries = len(captured.captured_queries)
        return Step(name, per_message, queries, statistics.median(times))

    checked.append(recheck())
    store()  # warm
    return [
        measure_step("frame re-check: session and access (SessionCheck)", 1, recheck),
        measure_step(
            "store: MessageSender.send (the payload too)",
            1,
            store,
            before=lambda: checked.append(recheck()),
        ),
        measure_step(
            "  within it: the risk words (modules.risk.scan)",
            1,
            lambda: scan(BODY.format(k=0, role="x", pair=0)),
        ),
        measure_step(
            "  within it: render_text (payload html)",
            1,
            lambda: render_text(BODY.format(k=0, role="x", pair=0)),
        ),
        measure_step(
            "  render_text of a text with a link (through bleach)",
            0,
            lambda: render_text(BODY.format(k=0, role="x", pair=0) + " https://example.org"),
        ),
        measure_step("push re-check: may_see (per socket, Prepared)", 1, may_see),
        measure_step(
            "close + open the connection after the send's write",
            1 if reconnects else 0,
            reconnect,
            before=lambda: services.presence_seen(user_id=uid),
        ),
        measure_step(
            "close + open the connection after a read",
            1 if reconnects else 0,
            reconnect,
            before=may_see,
        ),
    ]


# --- Output ------------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    print(
        f"{'N':>4}  {'server':<10}  {'sent':>6}  {'stored':>6}  {'delivered':>9}  {'lost':>5}"
        f"  {'dup':>4}"
        f"  {'p50 ms':>8}  {'p95 ms':>8}  {'p99 ms':>8}  {'msg/s':>7}  {'cpu s':>6}  {'load':>5}"
        f"  errors"
    )
    for r in rows:
        print(
            f"{r.size:>4}  {r.server:<10}  {r.sent:>6}  {'-' if r.stored is None else r.stored:>6}"
            f"  {r.delivered:>9}  {r.lost:>5}"
            f"  {r.duplicated:>4}  {r.p50_ms:>8.1f}  {r.p95_ms:>8.1f}  {r.p99_ms:>8.1f}"
            f"  {r.per_second:>7.1f}  {r.server_cpu_s:>6.1f}  {r.load:>5.1f}  {r.errors}"
        )


def print_ratios(rows: list[Row]) -> None:
    by = {(r.size, r.server): r.p95_ms for r in rows}
    cpu = {(r.size, r.server): 1000 * r.server_cpu_s / r.sent if r.sent else math.nan for r in rows}
    print(
        "\np95 ratios (floor: the bare relay storing each message first through the ORM, nothing"
        " checked; floor, SQL: the same writes in hand-written SQL; see bench/relay_asgi.py):"
    )
    print(
        f"  {'N':<6} {'ours/bare':>10} {'SQL floor/bare':>15} {'floor/bare':>11} {'ours/floor':>11}"
        f" {'ours/SQL floor':>15}"
    )
    for size in sorted({r.size for r in rows}):
        bare, sql, floor, ours = (by.get((size, name), math.nan) for name in SERVERS)
        target = "  (issue 19's goal: ours/SQL floor at most 2.5)" if size == 50 else ""
        print(
            f"  {size:<6} {ours / bare:>9.1f}× {sql / bare:>14.1f}× {floor / bare:>10.1f}×"
            f" {ours / floor:>10.1f}× {ours / sql:>14.1f}×{target}"
        )
    print("\ndaphne's CPU per message sent (ms; the run's CPU seconds / messages sent):")
    print(f"  {'N':<6} {'bare':>7} {'SQL floor':>10} {'floor':>7} {'ours':>7} {'ours/bare':>10}")
    for size in sorted({r.size for r in rows}):
        bare, sql, floor, ours = (cpu.get((size, name), math.nan) for name in SERVERS)
        target = "  (issue 19's goal: at most 2)" if size == 50 else ""
        print(
            f"  {size:<6} {bare:>7.2f} {sql:>10.2f} {floor:>7.2f} {ours:>7.2f}"
            f" {ours / bare:>9.1f}×{target}"
        )


def print_steps(steps: list[Step]) -> None:
    print(
        "\nWhere one message's time goes in our path (this process, same database, median of"
        f" {PROFILE_REPEATS}):"
    )
    print(f"  {'step':<52} {'per msg':>7} {'queries':>7} {'ms':>8}")
    total_q, total_ms = 0.0, 0.0
    for s in steps:
        print(f"  {s.name:<52} {s.per_message:>7g} {s.queries:>7} {s.ms:>8.2f}")
        if not s.name.startswith("  "):
            total_q += s.per_message * s.queries
            total_ms += s.per_message * s.ms
    print(
        f"  {'total per message (top-level steps × per msg)':<52} {'':>7}"
        f" {total_q:>7g} {total_ms:>8.2f}"
    )


# --- Main --------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=lambda s: tuple(int(x) for x in s.split(",")), default=SIZES
    )
    parser.add_argument("--messages", type=int, default=MESSAGES, help="M, per person")
    parser.add_argument("--interval", type=float, default=INTERVAL, help="seconds between sends")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="an experiment: serve with this CONN_MAX_AGE (the platform's default is 0)",
    )
    parser.add_argument(
        "--socket-conn-max-age",
        type=int,
        default=None,
        help="an experiment: serve with this SOCKET_CONN_MAX_AGE (the platform's default is 60;"
        " 0 opens a connection for every database call of a socket)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the per-step profile")
    return parser.parse_args()


def run(args: argparse.Namespace, env: dict[str, str], var_dir: Path, seed: int) -> None:
    t0 = time.monotonic()
    manage(env, "migrate", "--noinput")
    manage(env, "seed_programme")
    print(f"migrate + seed_programme: {time.monotonic() - t0:.1f} s", flush=True)
    harness.django_setup(env)
    from django.db import connections

    rows: list[Row] = []
    for size in args.sizes:
        t0 = time.monotonic()
        pairs = make_pairs(size, f"n{size}")
        connections.close_all()  # daphne gets the database to itself
        print(
            f"N={size}: {size} pairs made in {time.monotonic() - t0:.1f} s; offered load"
            f" {2 * size / args.interval:.1f} messages/s",
            flush=True,
        )
        with bench_server(env, var_dir / "daphne.log") as server:
            # The bench sockets first: whatever backlog ours leaves dies with the server.
            for name, route in SERVERS.items():
                cpu_before = server.cpu_seconds()
                try:
                    tally, duration = asyncio.run(
                        measure(server, pairs, route, args.messages, args.interval, seed)
                    )
                except BaseException:
                    sys.stderr.write(
                        f"daphne's log ends:\n{server.log_tail()}\n"
                        f"its first traceback:\n{server.log_errors()}\n"
                    )
                    raise
                cpu = server.cpu_seconds() - cpu_before
                stored = None if route == "bench-relay" else stored_count(tally)
                connections.close_all()
                row = summarise(size, name, tally, duration, cpu, stored)
                rows.append(row)
                print(
                    f"  {name}: {row.delivered}/{row.sent} delivered,"
                    f" {row.duplicated} doubled, p50 {row.p50_ms:.0f} ms,"
                    f" p95 {row.p95_ms:.0f} ms, p99 {row.p99_ms:.0f} ms,"
                    f" {row.per_second:.1f} msg/s, errors {row.errors}",
                    flush=True,
                )
    steps: list[Step] = []
    if not args.no_profile:
        from django.conf import settings

        steps = profile_steps(make_pairs(1, "profile")[0], not settings.SOCKET_CONN_MAX_AGE)
    connections.close_all()
    print()
    print_table(rows)
    print_ratios(rows)
    if steps:
        print_steps(steps)
    print(
        f"\nM={args.messages}; stored = of those sent, how many the database held at the end;"
        f" lost = never arrived (the server went idle without delivering it);"
        f" cpu s = daphne's CPU seconds in the run; load = 1-minute load average after it."
        f"\ntotal {DEADLINE.elapsed():.1f} s"
    )


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop daphne
    seed = 2026  # the senders' start offsets, not security
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    layer = "Redis" if os.environ.get("REDIS_URL") else "in-memory"
    print(
        f"M={args.messages} messages per person, one every {args.interval:g} s (open loop);"
        f" pairs {', '.join(map(str, args.sizes))}; {database}, {layer} channel layer;"
        f" {os.cpu_count()} cores; CONN_MAX_AGE="
        f"{args.conn_max_age if args.conn_max_age is not None else '0 (default)'};"
        " SOCKET_CONN_MAX_AGE="
        f"{args.socket_conn_max_age if args.socket_conn_max_age is not None else '60 (default)'}",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="omtag-bench-") as tmp,
        harness.throwaway_database(os.environ.get("DATABASE_URL")) as database_url,
    ):
        var_dir = Path(tmp)
        env = child_env(var_dir, database_url, args.conn_max_age)
        if args.socket_conn_max_age is not None:
            env["SOCKET_CONN_MAX_AGE"] = str(args.socket_conn_max_age)
        try:
            run(args, env, var_dir, seed)
        finally:
            harness.forget_redis_keys(os.environ.get("REDIS_URL"), env["CHANNEL_PREFIX"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
