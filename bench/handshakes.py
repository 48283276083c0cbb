"""Socket handshakes behind busy sockets: one daphne process, BUSY open thread sockets sending
frames back to back (each `ping`, which the server answers after a session and access check
and a presence write), and then a burst of BURST handshakes at once. Prints how long the
handshakes took (p50, p95, max) and how many failed (daphne drops a handshake after 5 s; the
proxy then answers 502), and the busy sockets' frames per second and round trip meanwhile.

This is the first thing issue 19's load test saw break: every socket's database call in a
process ran on one thread, so the handshakes queued behind every frame. It measures the socket
database threads (SOCKET_DB_THREADS, SOCKET_CONNECT_THREADS, taken from the environment; see
docs/deployment.md) without the whole load test.

Database: a throw-away SQLite file; with DATABASE_URL set (PostgreSQL), a throw-away database
beside the one it names, dropped at the end. Channel layer and cache: in memory. Run from the
repository root: `.venv/bin/python bench/handshakes.py [--busy N] [--burst N]`. Bounded:
TIME_LIMIT for the whole run and a timeout on every step; 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness
from harness import HOST, PLATFORM

BUSY = 16
BURST = 100
MAX_SOCKETS = 1_000
OPENING_AT_ONCE = 8  # while the busy sockets open, before the measurement
BUSY_SECONDS = 1.0  # the busy sockets run alone this long before the burst
HANDSHAKE_TIMEOUT = 15.0  # the client's; daphne's own is 5 s
TIME_LIMIT = 600.0
COMMAND_TIMEOUT = 240.0

DEADLINE = harness.Deadline(TIME_LIMIT)


def remaining() -> float:
    return DEADLINE.remaining()


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def measure(server: harness.Server, people: list[tuple[str, str]], busy: int) -> dict:
    from websockets.asyncio.client import connect

    async def open_one(thread: str, session: str) -> Any:
        ws = await asyncio.wait_for(
            connect(
                f"ws://{HOST}:{server.port}/ws/messages/{thread}/",
                origin=server.origin,  # type: ignore[arg-type]
                additional_headers={"Cookie": f"omtag_session={session}"},
                open_timeout=HANDSHAKE_TIMEOUT,
                ping_interval=None,
                close_timeout=2,
            ),
            HANDSHAKE_TIMEOUT + 1,
        )
        # Accepted, then closed with a code, is a refusal (4503: the server was overwhelmed).
        try:
            frame = await asyncio.wait_for(ws.recv(), 0.05)
        except TimeoutError:
            return ws
        except Exception as error:
            raise RuntimeError(f"closed at once: {ws.close_code}") from error
        raise RuntimeError(f"unexpected first frame {frame[:80]!r}")

    opening = asyncio.Semaphore(OPENING_AT_ONCE)

    async def open_quietly(person: tuple[str, str]) -> Any:
        async with opening:
            return await open_one(*person)

    busy_sockets = await asyncio.gather(*(open_quietly(p) for p in people[:busy]))
    round_trips: list[float] = []
    during: list[float] = []
    burst_window: list[float] = [math.inf, math.inf]
    stop = asyncio.Event()

    async def keep_busy(ws: Any) -> None:
        while not stop.is_set():
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "ping"}))
            while json.loads(await ws.recv()).get("type") != "pong":
                pass
            done = time.perf_counter()
            round_trips.append(done - sent)
            if burst_window[0] <= done <= burst_window[1]:
                during.append(done - sent)

    loops = [asyncio.create_task(keep_busy(ws)) for ws in busy_sockets]
    await asyncio.sleep(BUSY_SECONDS)
    before = len(round_trips)

    async def timed(person: tuple[str, str]) -> tuple[float, Any]:
        started = time.perf_counter()
        try:
            ws = await open_one(*person)
        except Exception as error:  # noqa: BLE001 - a failed handshake is a result
            return time.perf_counter() - started, error
        return time.perf_counter() - started, ws

    burst_window[0] = time.perf_counter()
    results = await asyncio.gather(*(timed(p) for p in people[busy:]))
    burst_window[1] = time.perf_counter()
    frames_during = len(during)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*loops, return_exceptions=True), 10)
    opened = [r for _t, r in results if not isinstance(r, BaseException)]
    failed = [r for _t, r in results if isinstance(r, BaseException)]
    await asyncio.gather(
        *(asyncio.wait_for(ws.close(), 5) for ws in [*busy_sockets, *opened]),
        return_exceptions=True,
    )
    burst_seconds = burst_window[1] - burst_window[0]
    return {
        "handshakes": sorted(t * 1000 for t, r in results if not isinstance(r, BaseException)),
        "failed": len(failed),
        "first_failure": repr(failed[0])[:160] if failed else "",
        "burst_seconds": burst_seconds,
        "busy_rate_before": before / BUSY_SECONDS,
        "busy_rate_during": frames_during / burst_seconds if burst_seconds else math.nan,
        "busy_round_trips_during": sorted(t * 1000 for t in during),
    }


def run(args: argparse.Namespace) -> None:
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    threads = (
        f"SOCKET_DB_THREADS={os.environ.get('SOCKET_DB_THREADS', 'default')},"
        f" SOCKET_CONNECT_THREADS={os.environ.get('SOCKET_CONNECT_THREADS', 'default')}"
    )
    print(
        f"{args.busy} busy sockets, then {args.burst} handshakes at once, on one daphne;"
        f" {database}; {threads}; {os.cpu_count()} cores",
        flush=True,
    )
    with (
        tempfile.TemporaryDirectory(prefix="omtag-bench-") as tmp,
        harness.throwaway_database(os.environ.get("DATABASE_URL"), tag="handshakes") as url,
    ):
        var_dir = Path(tmp)
        env = harness.child_env(var_dir, MESSAGE_RATE_LIMIT_PER_MINUTE="1000000")
        if url is not None:
            env["DATABASE_URL"] = url
        harness.manage(env, "migrate", "--noinput", timeout=min(COMMAND_TIMEOUT, remaining()))
        harness.manage(env, "seed_programme", timeout=min(COMMAND_TIMEOUT, remaining()))
        harness.django_setup(env)
        from django.db import connections

        from messaging.models import Thread
        from reports.load import seed_pairs

        count = args.busy + args.burst
        pairs = seed_pairs(math.ceil(count / 2), "handshakes", tick=remaining)
        threads_of = dict(
            Thread.objects.filter(
                enrollment__participant__in=[p.participant for p in pairs]
            ).values_list("enrollment__participant_id", "public_id")
        )
        sessions = harness.sessions_for(
            [p.participant.pk for p in pairs] + [p.therapist.pk for p in pairs]
        )
        people: list[tuple[str, str]] = []
        for p in pairs:
            thread = str(threads_of[p.participant.pk])
            people += [(thread, sessions[p.participant.pk]), (thread, sessions[p.therapist.pk])]
        connections.close_all()
        server = harness.Server(env, var_dir / "daphne.log", paths=(PLATFORM,), deadline=DEADLINE)
        with server:
            r = asyncio.run(
                asyncio.wait_for(measure(server, people[:count], args.busy), remaining())
            )
    hs = r["handshakes"]
    rt = r["busy_round_trips_during"]
    failure = f" ({r['first_failure']})" if r["failed"] else ""
    print(
        f"handshakes: {len(hs)} opened, {r['failed']} failed{failure} in"
        f" {r['burst_seconds']:.1f} s; p50 {percentile(hs, 0.5):.0f} ms,"
        f" p95 {percentile(hs, 0.95):.0f} ms, max {max(hs, default=math.nan):.0f} ms"
        "  (daphne drops a handshake after 5,000 ms)"
    )
    print(
        f"busy sockets: {r['busy_rate_before']:.0f} frames/s alone,"
        f" {r['busy_rate_during']:.0f} frames/s during the burst;"
        f" round trip then p50 {percentile(rt, 0.5):.0f} ms, p95 {percentile(rt, 0.95):.0f} ms"
    )
    print(f"total {DEADLINE.elapsed():.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy", type=int, default=BUSY, help="sockets sending frames")
    parser.add_argument("--burst", type=int, default=BURST, help="handshakes at once")
    args = parser.parse_args()
    if args.busy < 0 or args.burst < 1 or args.busy + args.burst > MAX_SOCKETS:
        raise SystemExit(f"--busy 0 or more, --burst 1 or more, at most {MAX_SOCKETS} together")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop daphne
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
