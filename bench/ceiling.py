"""One process's ceiling: closed-loop throughput of ONE daphne serving the participant's module
page (or home), C clients requesting it back to back, each request with one of 64 participants'
second-factor-verified sessions.

For each configuration, each C in --clients and each of --runs runs of --seconds seconds it
prints requests per second, p50/p95/p99 latency, errors and the server process's CPU time per
request, then the range over the runs. It also prints how many queries one page makes.

Configurations (--configs): "bounded", the default one process runs with (Django's psycopg
connection pool on PostgreSQL, and at most the pool's size of pages running their view at once,
config/web.py); "unbounded" (WEB_CONCURRENCY_LIMIT=0: every request runs at once, a thread each);
and on PostgreSQL "no pool" (DATABASE_POOL=0: a new connection for every request, unbounded).
With DATABASE_URL (PostgreSQL) and REDIS_URL set, on a throw-away database beside the one
DATABASE_URL names, dropped afterwards; without them, SQLite and the in-memory layer.

The client is wrk (Debian's package `wrk`: `apt-get install wrk`), written in C, so the client
takes little of the two cores from the server; a Lua script gives each request the next session.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/omtag REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/ceiling.py --clients 1,4,16,64 --runs 3 --seconds 15

Bounded: --seconds per run, at most 64 clients, a timeout on every step and TIME_LIMIT for the
whole run; 127.0.0.1 only. Run it on an otherwise idle machine: the figures are for comparing
configurations and revisions on the same machine, not absolute capacity.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import harness
from harness import HOST, Server

TIME_LIMIT = 1800.0  # seconds for the whole run
COMMAND_TIMEOUT = 300.0
MAX_CLIENTS = 64
SESSIONS = 64
DEADLINE = harness.Deadline(TIME_LIMIT)

LUA = """
local keys = {%s}
local counter = 0
request = function()
  counter = counter + 1
  local cookie = "omtag_session=" .. keys[(counter %% #keys) + 1]
  return wrk.format("GET", wrk.path, {["Cookie"] = cookie})
end
done = function(summary, latency, requests)
  io.write(string.format("P95 %%d\\n", latency:percentile(95)))
end
"""


@dataclass(frozen=True)
class Run:
    clients: int
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    cpu_ms: float  # the server's CPU time per request


def _ms(text: str) -> float:
    value = float(re.sub(r"[a-z]+$", "", text))
    if text.endswith("us"):
        return value / 1000
    if text.endswith("ms"):
        return value
    if text.endswith("m"):
        return value * 60_000
    return value * 1000  # seconds


def wrk(port: int, path: str, script: Path, clients: int, seconds: int) -> dict[str, float]:
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=min(seconds + 60, DEADLINE.remaining()),
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr}")
    out = result.stdout
    figures: dict[str, float] = {}
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        figures[f"p{pct}"] = _ms(found.group(1)) if found else float("nan")
    found = re.search(r"(\d+) requests in", out)
    figures["requests"] = float(found.group(1)) if found else 0.0
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures["rps"] = float(found.group(1)) if found else 0.0
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: .*?timeout (\d+)"):
        found = re.search(pattern, out)
        errors += int(found.group(1)) if found else 0
    found = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", out)
    if found:
        errors += sum(int(g) for g in found.groups())
    figures["errors"] = float(errors)
    found = re.search(r"^P95 (\d+)", out, re.M)  # from the script's done(): microseconds
    figures["p95"] = int(found.group(1)) / 1000 if found else float("nan")
    return figures


def queries_per_page(path: str, session: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    client.cookies["omtag_session"] = session
    assert client.get(path).status_code == 200  # warm the caches, as a running server has them
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def page_path(which: str) -> str:
    from modules.services import default_programme, programme_modules

    if which == "home":
        return "/participant/"
    programme = default_programme()
    assert programme is not None
    return f"/participant/modules/{programme_modules(programme)[0].translation_key}/"


def measure(
    env: dict[str, str], var_dir: Path, name: str, path: str, script: Path, args: argparse.Namespace
) -> list[Run]:
    runs: list[Run] = []
    with Server(env, var_dir / f"daphne-{name}.log", deadline=DEADLINE) as server:
        wrk(server.port, path, script, 4, 3)  # warm up: templates, the pool, the caches
        for clients in args.clients:
            for _ in range(args.runs):
                before = server.cpu_seconds()
                f = wrk(server.port, path, script, clients, args.seconds)
                cpu = server.cpu_seconds() - before
                runs.append(
                    Run(
                        clients,
                        int(f["requests"]),
                        f["rps"],
                        f["p50"],
                        f["p95"],
                        f["p99"],
                        int(f["errors"]),
                        cpu * 1000 / max(1, f["requests"]),
                    )
                )
                r = runs[-1]
                print(
                    f"  {name:8} C={clients:<3} {r.rps:6.1f} req/s  p50 {r.p50_ms:7.1f}"
                    f"  p95 {r.p95_ms:7.1f}  p99 {r.p99_ms:7.1f} ms  errors {r.errors}"
                    f"  cpu {r.cpu_ms:5.1f} ms/req  (load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    return runs


def summary(results: dict[str, list[Run]]) -> None:
    print()
    print("configuration  C    req/s (min-max, median)     p50 ms        p95 ms        cpu ms/req")
    for name, runs in results.items():
        for clients in sorted({r.clients for r in runs}):
            these = [r for r in runs if r.clients == clients]
            rps = [r.rps for r in these]
            print(
                f"{name:13} {clients:>3}  {min(rps):6.1f}-{max(rps):<6.1f}"
                f" ({statistics.median(rps):6.1f})"
                f"   {min(r.p50_ms for r in these):5.1f}-{max(r.p50_ms for r in these):<6.1f}"
                f"  {min(r.p95_ms for r in these):6.1f}-{max(r.p95_ms for r in these):<7.1f}"
                f"  {statistics.median(r.cpu_ms for r in these):5.1f}"
                f"   errors {sum(r.errors for r in these)}"
            )


# What each configuration sets in the server's environment. "bounded" is the default one
# process runs with (config/web.py bounds the pages running at once to the pool's size);
# "unbounded" lets every request run its view at once (WEB_CONCURRENCY_LIMIT=0); "no pool"
# opens a new database connection for every page (DATABASE_POOL=0).
POSTGRES_CONFIGURATIONS = {
    "bounded": {},
    "unbounded": {"WEB_CONCURRENCY_LIMIT": "0"},
    "no pool": {"DATABASE_POOL": "0", "WEB_CONCURRENCY_LIMIT": "0"},
}
SQLITE_CONFIGURATIONS = {"bounded": {}, "unbounded": {"WEB_CONCURRENCY_LIMIT": "0"}}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,4,16,64")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--page", choices=("module", "home"), default="module")
    parser.add_argument(
        "--configs",
        default="bounded,unbounded,no pool",
        help="comma-separated, of: bounded, unbounded, no pool (PostgreSQL only)",
    )
    args = parser.parse_args()
    args.configs = [name.strip() for name in args.configs.split(",")]
    unknown = set(args.configs) - set(POSTGRES_CONFIGURATIONS)
    if unknown:
        parser.error(f"unknown configurations: {', '.join(sorted(unknown))}")
    args.clients = [int(c) for c in args.clients.split(",")]
    if max(args.clients) > MAX_CLIENTS or min(args.clients) < 1:
        parser.error(f"clients between 1 and {MAX_CLIENTS}")
    if not 1 <= args.seconds <= 60 or not 1 <= args.runs <= 5:
        parser.error("--seconds 1-60, --runs 1-5")
    return args


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk")
        return 2
    source = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    prefix = f"omtag-ceiling-{secrets.token_hex(4)}"
    print(
        f"{'PostgreSQL + Redis' if source else 'SQLite + in-memory layer'};"
        f" {os.cpu_count()} cores; {args.participants} participants",
        flush=True,
    )
    try:
        with (
            tempfile.TemporaryDirectory(prefix="omtag-ceiling-") as tmp,
            harness.throwaway_database(source, "ceiling") as database_url,
        ):
            var_dir = Path(tmp)
            extra = {"DATABASE_URL": database_url} if database_url else {}
            keep = ()
            if redis_url and database_url:
                extra.update(REDIS_URL=redis_url, CHANNEL_PREFIX=prefix, CACHE_KEY_PREFIX=prefix)
                keep = ("REDIS_URL",)
            env = harness.child_env(var_dir, keep=keep, **extra)
            harness.manage(env, "migrate", "--noinput", timeout=COMMAND_TIMEOUT)
            harness.manage(env, "seed_programme", timeout=COMMAND_TIMEOUT)
            harness.django_setup(env)
            from django.db import connections

            from accounts.models import Role, User
            from reports.load import seed_participants

            seed_participants(args.participants, tick=DEADLINE.remaining)
            ids = list(
                User.objects.filter(role_grants__role=Role.PARTICIPANT)
                .order_by("pk")
                .values_list("pk", flat=True)[:SESSIONS]
            )
            sessions = list(harness.sessions_for(ids).values())
            path = page_path(args.page)
            print(f"page {path}: {queries_per_page(path, sessions[0])} queries", flush=True)
            connections.close_all()
            script = var_dir / "sessions.lua"
            script.write_text(LUA % ",".join(f'"{s}"' for s in sessions))
            available = POSTGRES_CONFIGURATIONS if database_url else SQLITE_CONFIGURATIONS
            configurations = {name: available[name] for name in args.configs if name in available}
            results = {
                name: measure({**env, **more}, var_dir, name, path, script, args)
                for name, more in configurations.items()
            }
            summary(results)
    finally:
        harness.forget_redis_keys(redis_url, prefix)
    print(f"\ntotal {DEADLINE.elapsed():.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
