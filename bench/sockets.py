"""Idle sockets: one daphne process holding N connected, logged-in, second-factor-verified and
idle thread sockets (5,000 by default), what each costs the server in memory, and whether a
message between two of them still arrives quickly.

N/2 participant-therapist pairs are seeded (reports.load.seed_pairs), each person gets a
verified session (harness.sessions_for) and opens their thread's socket from this one process
(asyncio websockets; both processes get their open-files limit raised to the hard limit). The
server's resident memory (VmRSS) is read once the first socket is open (everything imported and
warmed) and again with all N open and quiet: their difference over N is the memory per socket.
Then one pair writes MESSAGES messages to each other, one every INTERVAL seconds, while the
others stay connected; latency is from the send to the `message` frame on the other side.
Prints RSS before and after, KB per socket (issue 19's goal: at most 50), the p50/p95/max
delivery (goal: p95 under 100 ms) and how many sockets were still open at the end.

With BENCH_TRACEMALLOC=1 the server traces its allocations (PYTHONTRACEMALLOC) and the bench
asks it, through a bench-only socket, for the biggest allocation sites that grew while the
sockets opened (bench/relay_asgi.py serves it), to find what holds the memory.

Database: a throw-away SQLite file; with DATABASE_URL set (PostgreSQL), a throw-away database
beside the one it names, dropped at the end. Channel layer and cache: in memory; with REDIS_URL
set, that Redis under a prefix of this run's own. Run from the repository root:
`.venv/bin/python bench/sockets.py [--sockets N]`. Bounded: at most MAX_SOCKETS sockets,
TIME_LIMIT for the whole run and a timeout on every step; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import secrets
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import harness
from harness import BENCH, HOST, PLATFORM

SOCKETS = 5_000
MAX_SOCKETS = 20_000
MESSAGES = 100  # sent by one pair (half each way) while the rest stay idle
INTERVAL = 0.1  # seconds between those messages
# Handshakes in flight. Each opening socket asks the database several times on the server's
# few handshake threads (SOCKET_CONNECT_THREADS); with too many at once they queue past
# daphne's handshake timeout (5 s), the browser-side gives up and the server goes on working
# for sockets that are gone.
OPENING_AT_ONCE = 8
TIME_LIMIT = 1_200.0
COMMAND_TIMEOUT = 240.0
CONNECT_TIMEOUT = 60.0
SETTLE_SECONDS = 3.0  # after the last handshake, before the second RSS reading
PORTS = range(18_200, 18_300)  # this bench's own port range on 127.0.0.1

DEADLINE = harness.Deadline(TIME_LIMIT)
remaining = DEADLINE.remaining


def raise_open_files() -> int:
    """The open-files limit of this process (and of the daphne it starts) up to the hard
    limit: each socket is a file descriptor on both sides."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    import socket

    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def hold_and_measure(
    server: harness.Server, people: list[tuple[str, str]], messages: int, trace: bool
) -> dict[str, Any]:
    """Open a socket for each (thread, session key); read RSS; talk on the first pair."""
    from websockets.asyncio.client import connect

    origin = server.origin
    assert server.proc is not None
    pid = server.proc.pid
    opening = asyncio.Semaphore(OPENING_AT_ONCE)

    async def open_one(thread: str, session: str) -> Any:
        async with opening:
            return await asyncio.wait_for(
                connect(
                    f"ws://{HOST}:{server.port}/ws/messages/{thread}/",
                    origin=origin,  # type: ignore[arg-type]
                    additional_headers={"Cookie": f"omtag_session={session}"},
                    open_timeout=CONNECT_TIMEOUT,
                    ping_interval=None,  # idle: the server's keep-alive pings are answered
                    close_timeout=2,
                    max_queue=16,
                ),
                CONNECT_TIMEOUT + 1,
            )

    async def quiet(ws: Any) -> None:
        """Read (and drop) whatever an idle socket is sent; ends when it closes."""
        async for _frame in ws:
            pass

    sockets: list[Any] = [await open_one(*people[0])]
    await asyncio.sleep(1.0)
    if trace:
        await tracemalloc_call(server, "start")
    before = rss_kb(pid)
    started = time.perf_counter()
    rest = await asyncio.gather(*(open_one(*p) for p in people[1:]), return_exceptions=True)
    failed = [r for r in rest if isinstance(r, BaseException)]
    sockets += [r for r in rest if not isinstance(r, BaseException)]
    opened_in = time.perf_counter() - started
    readers = [asyncio.create_task(quiet(ws)) for ws in sockets[2:]]
    await asyncio.sleep(SETTLE_SECONDS)
    after = rss_kb(pid)
    top = await tracemalloc_call(server, "top") if trace else ""

    # One pair talks: the participant's socket is sockets[0], the therapist's sockets[1].
    sent: dict[str, float] = {}
    arrived: dict[str, float] = {}

    async def listen(ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "message":
                client_id = frame["message"]["client_id"]
                if client_id in sent and client_id not in arrived:
                    arrived[client_id] = time.perf_counter()

    listeners = [asyncio.create_task(listen(ws)) for ws in sockets[:2]]
    for k in range(messages):
        ws = sockets[k % 2]
        client_id = str(uuid.uuid4())
        sent[client_id] = time.perf_counter()
        await ws.send(
            json.dumps({"type": "send", "client_id": client_id, "body": f"Idle-socket test {k}"})
        )
        await asyncio.sleep(INTERVAL)
    deadline = time.perf_counter() + min(30.0, remaining())
    while len(arrived) < len(sent) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    open_at_end = sum(1 for ws in sockets if ws.close_code is None)
    for task in readers + listeners:
        task.cancel()
    closing = asyncio.Semaphore(500)

    async def close(ws: Any) -> None:
        async with closing:
            await asyncio.wait_for(ws.close(), 5)

    await asyncio.gather(*(close(ws) for ws in sockets), return_exceptions=True)
    latencies = sorted((arrived[c] - sent[c]) * 1000 for c in arrived)
    return {
        "opened": len(sockets),
        "failed": len(failed),
        "first_failure": repr(failed[0])[:200] if failed else "",
        "opened_in": opened_in,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "open_at_end": open_at_end,
        "sent": len(sent),
        "delivered": len(arrived),
        "latencies": latencies,
        "top": top,
    }


async def tracemalloc_call(server: harness.Server, what: str) -> str:
    """Ask the server's bench-only tracemalloc socket (bench/relay_asgi.py) to start a
    comparison or to name the allocation sites that grew since."""
    from websockets.asyncio.client import connect

    async with connect(
        f"ws://{HOST}:{server.port}/ws/bench-tracemalloc/", origin=server.origin, ping_interval=None
    ) as ws:
        await ws.send(what)
        return str(await asyncio.wait_for(ws.recv(), 120))


def run(args: argparse.Namespace) -> None:
    limit = raise_open_files()
    needed = args.sockets + 200
    if limit < needed:
        raise SystemExit(f"the open-files limit is {limit}; {needed} are needed")
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    layer = "Redis" if os.environ.get("REDIS_URL") else "in-memory"
    print(
        f"{args.sockets} idle sockets on one daphne; {database}, {layer} channel layer;"
        f" open files {limit}; {os.cpu_count()} cores",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="omtag-bench-") as tmp,
        harness.throwaway_database(os.environ.get("DATABASE_URL"), tag="sockets") as url,
    ):
        var_dir = Path(tmp)
        prefix = f"omtag-bench-{secrets.token_hex(6)}"
        env = harness.child_env(
            var_dir,
            keep=("REDIS_URL",),
            MESSAGE_RATE_LIMIT_PER_MINUTE="1000000",
            CHANNEL_PREFIX=prefix,
            CACHE_KEY_PREFIX=prefix,
        )
        if url is not None:
            env["DATABASE_URL"] = url
        if args.tracemalloc:
            env["PYTHONTRACEMALLOC"] = "1"
            env["BENCH_TRACEMALLOC"] = "1"
        try:
            t0 = time.monotonic()
            harness.manage(env, "migrate", "--noinput", timeout=min(COMMAND_TIMEOUT, remaining()))
            harness.manage(env, "seed_programme", timeout=min(COMMAND_TIMEOUT, remaining()))
            harness.django_setup(env)
            from django.db import connections

            from messaging.models import Thread
            from reports.load import seed_pairs

            pairs = seed_pairs(math.ceil(args.sockets / 2), "sockets", tick=remaining)
            threads = dict(
                Thread.objects.filter(
                    enrollment__participant__in=[p.participant for p in pairs]
                ).values_list("enrollment__participant_id", "public_id")
            )
            sessions = harness.sessions_for(
                [p.participant.pk for p in pairs] + [p.therapist.pk for p in pairs]
            )
            people: list[tuple[str, str]] = []
            for p in pairs:
                thread = str(threads[p.participant.pk])
                people += [(thread, sessions[p.participant.pk]), (thread, sessions[p.therapist.pk])]
            people = people[: args.sockets]
            connections.close_all()
            print(f"seeded in {time.monotonic() - t0:.0f} s", flush=True)
            server = harness.Server(
                env,
                var_dir / "daphne.log",
                application="relay_asgi:application",
                paths=(PLATFORM, BENCH),
                deadline=DEADLINE,
            )
            server.port = free_port()
            with server:
                result = asyncio.run(
                    asyncio.wait_for(
                        hold_and_measure(server, people, args.messages, args.tracemalloc),
                        remaining(),
                    )
                )
                cpu = server.cpu_seconds()
            report(result, cpu)
        finally:
            harness.forget_redis_keys(os.environ.get("REDIS_URL"), prefix)


def report(r: dict[str, Any], cpu: float) -> None:
    n = r["opened"]
    grown = r["rss_after_kb"] - r["rss_before_kb"]
    per_socket = grown / max(1, n - 1)
    lat = r["latencies"]
    failure = f": {r['first_failure']}" if r["failed"] else ""
    print(
        f"\nsockets opened {n} (failed {r['failed']}{failure})"
        f" in {r['opened_in']:.1f} s; still open at the end {r['open_at_end']}"
    )
    print(
        f"server RSS: {r['rss_before_kb'] / 1024:.1f} MB with one socket,"
        f" {r['rss_after_kb'] / 1024:.1f} MB with {n}: {per_socket:.1f} KB per socket"
        "  (issue 19's goal: at most 50 KB)"
    )
    print(
        f"messages between two of them: {r['delivered']}/{r['sent']} delivered;"
        f" p50 {percentile(lat, 0.5):.1f} ms, p95 {percentile(lat, 0.95):.1f} ms,"
        f" max {max(lat, default=math.nan):.1f} ms  (goal: p95 under 100 ms)"
    )
    print(f"server CPU for the whole run: {cpu:.1f} s; total {DEADLINE.elapsed():.0f} s")
    if r["top"]:
        print(f"\nwhere the memory went (tracemalloc, the biggest growth):\n{r['top']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=SOCKETS, help=f"N, at most {MAX_SOCKETS}")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        default=os.environ.get("BENCH_TRACEMALLOC") == "1",
        help="trace the server's allocations and print where the memory went",
    )
    args = parser.parse_args()
    if not 2 <= args.sockets <= MAX_SOCKETS:
        raise SystemExit(f"--sockets: 2 to {MAX_SOCKETS}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop daphne
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
