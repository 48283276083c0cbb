"""The load test: virtual participants and therapists (Locust, bench/load/locustfile.py) using
the real pages, forms and message socket, stepped up until errors appear or page p95 climbs,
against one daphne and against two daphne behind a local nginx; prints a table per
configuration, the knee, the two-process / one-process ratio at the knee and the page p95 at
70% of the knee.

Builds a throw-away installation: a temporary directory; with DATABASE_URL set (PostgreSQL) a
throw-away database beside the one it names, dropped at the end, otherwise SQLite; with
REDIS_URL set, that Redis under a prefix of this run's own (removed at the end), otherwise the
in-memory channel layer (then only one process: two could not hear each other). Seeds it with
reports.load.seed_teams (therapists with a caseload each) and writes a second-factor-verified
session for every virtual person into the session store before each configuration.

Each configuration: N daphne processes, the task worker (the new-message email is part of the
message path) and nginx in front (Debian's /usr/sbin/nginx, its own configuration in the
temporary directory, foreground, 127.0.0.1 only, sockets proxied); one process is measured
behind the same proxy, so the ratio compares processes, not the proxy. Then
`locust --headless` with the step shape of the locustfile.

Run from the repository root, one line (about 10 minutes with the defaults):
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/load.py
`--help` lists the knobs; `--smoke` is the few-users, few-seconds run `make test` does
(tests/bench/test_load_smoke.py). Bounded: users (--max-users), time per step, TIME_LIMIT for
the whole run and a timeout on every child; every child is always stopped. 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness
from harness import BENCH, HOST, REPO, Server
from tests.servers import stop_process

TIME_LIMIT = 1800.0  # seconds for the whole run; past it the run stops with an error
COMMAND_TIMEOUT = 240.0  # one manage.py command
STARTUP_TIMEOUT = 60.0  # daphne answering /healthz
STOP_TIMEOUT = 10.0
NGINX = "/usr/sbin/nginx"
LOCUSTFILE = BENCH / "load" / "locustfile.py"
PER_TEAM = 9  # online participants per online therapist (the locustfile's weights, 9 to 1)

# Steps of about x1.5: fine enough that the ratio at the knee means something.
STEPS = (10, 15, 23, 34, 51, 76, 114, 171, 256, 384, 576)

DEADLINE = harness.Deadline(TIME_LIMIT)
remaining = DEADLINE.remaining


# --- Children: daphne, the worker, nginx, Locust ------------------------------------------------


NGINX_CONF = """\
worker_processes 1;
daemon off;
master_process on;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream omtag_web {{
        least_conn;
{servers}
        keepalive 32;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      "";
    }}
    server {{
        listen {host}:{port};
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_read_timeout 75s;
        location /ws/ {{
            proxy_pass http://omtag_web;
            proxy_buffering off;
            proxy_read_timeout 3600s;
        }}
        location / {{
            proxy_pass http://omtag_web;
        }}
    }}
}}
"""


@contextlib.contextmanager
def child(args: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[Any]:
    """A child process that is always stopped (SIGTERM, then SIGKILL)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        stop_process(proc, STOP_TIMEOUT)


@contextlib.contextmanager
def nginx(tmp: Path, ports: list[int]) -> Iterator[int]:
    """nginx on 127.0.0.1 in front of `ports`, in the foreground; yields its port."""
    if not Path(NGINX).exists():
        raise SystemExit(f"{NGINX} is missing: install Debian's nginx (apt-get install nginx)")
    port = harness.free_port()
    tmp.mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    servers = "\n".join(f"        server {HOST}:{p} max_fails=0;" for p in ports)
    conf.write_text(NGINX_CONF.format(tmp=tmp, host=HOST, port=port, servers=servers))
    args = [NGINX, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)]
    check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError(f"nginx refused its configuration:\n{check.stderr}")
    with child(args, tmp / "nginx.log") as proc:
        deadline = time.monotonic() + 10
        while not answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start:\n{(tmp / 'nginx.log').read_text()}")
            time.sleep(0.2)
        yield port


def answers(port: int) -> bool:
    """The proxy answers /healthz (from a daphne behind it)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=1)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@contextlib.contextmanager
def servers(env: dict[str, str], tmp: Path, count: int) -> Iterator[list[Server]]:
    """`count` daphne processes, started together, always stopped."""
    started = [
        Server(
            env,
            tmp / f"daphne-{count}-{i}.log",
            name=f"daphne {i}",
            startup_timeout=STARTUP_TIMEOUT,
            stop_timeout=STOP_TIMEOUT,
            deadline=DEADLINE,
        )
        for i in range(count)
    ]
    try:
        for server in started:
            server.start()
        for server in started:
            server.wait_healthy()
        yield started
    finally:
        for server in started:
            server.stop()


# --- Data, through Django in this process -------------------------------------------------------


def seed(teams: int, caseload: int) -> dict[str, Any]:
    """Therapists with a caseload each (reports.load.seed_teams); the paths the users open."""
    from content.parts import split_into_parts
    from modules.services import default_programme, programme_modules
    from reports.load import seed_teams

    made = seed_teams(teams, caseload, secrets.token_hex(3), tick=remaining)
    programme = default_programme()
    assert programme is not None
    module = programme_modules(programme)[0]
    part = next(
        p.number
        for p in split_into_parts(list(module.body))
        if any(getattr(item.block, "answer_shape", None) is not None for item in p.items)
    )
    return {
        "module_path": f"/participant/modules/{module.translation_key}/?part={part}",
        "autosave_path": f"/participant/modules/{module.translation_key}/autosave/",
        "teams": [
            {"therapist": team.therapist.pk, "participants": [p.pk for p in team.participants]}
            for team in made
        ],
    }


def people_file(data: dict[str, Any], path: Path, per_team: int) -> None:
    """The locustfile's people: a fresh verified session for each therapist and for the first
    `per_team` participants of their caseload, with their thread and enrollment ids."""
    from django.db import connections

    from messaging.models import Thread

    online = [(team["therapist"], team["participants"][:per_team]) for team in data["teams"]]
    ids = [pk for therapist, people in online for pk in (therapist, *people)]
    sessions = harness.sessions_for(ids)
    threads = {
        participant: (str(thread), str(enrollment))
        for participant, thread, enrollment in Thread.objects.filter(
            enrollment__participant__in=ids
        ).values_list("enrollment__participant_id", "public_id", "enrollment__public_id")
    }
    people = {
        "module_path": data["module_path"],
        "autosave_path": data["autosave_path"],
        "teams": [
            {
                "therapist": {"session": sessions[therapist]},
                "participants": [
                    {
                        "session": sessions[pk],
                        "thread": threads[pk][0],
                        "enrollment": threads[pk][1],
                    }
                    for pk in people
                ],
            }
            for therapist, people in online
        ],
    }
    path.write_text(json.dumps(people))
    connections.close_all()


# --- One configuration ------------------------------------------------------------------------


def run_configuration(
    processes: int, env: dict[str, str], tmp: Path, data: dict[str, Any], args: argparse.Namespace
) -> list[dict[str, Any]]:
    people = tmp / f"people-{processes}.json"
    results = tmp / f"results-{processes}.jsonl"
    people_file(data, people, PER_TEAM)
    manage = [sys.executable, "manage.py", "db_worker", "--no-startup-delay"]
    with contextlib.ExitStack() as stack:
        started = stack.enter_context(servers(env, tmp, processes))
        stack.enter_context(child(manage, tmp / f"worker-{processes}.log", env))
        port = stack.enter_context(nginx(tmp / f"nginx-{processes}", [s.port for s in started]))
        cpu_before = [s.cpu_seconds() for s in started]
        locust_env = {
            **os.environ,
            "LOAD_DATA": str(people),
            "LOAD_RESULTS": str(results),
            "LOAD_STEPS": ",".join(str(n) for n in args.steps),
            "LOAD_STEP_SECONDS": str(args.step_seconds),
            "LOAD_SETTLE_SECONDS": str(args.settle_seconds),
            "LOAD_SPAWN_RATE": str(args.spawn_rate),
            "LOAD_KNEE_P95_MS": str(args.knee_p95_ms),
        }
        if args.smoke:  # short think times, and every action once on start
            locust_env.update(LOAD_THINK="0.1,0.5", LOAD_EVERY_TASK_FIRST="1")
        bound = len(args.steps) * (args.step_seconds + args.settle_seconds + 40) + 60
        with child(
            [
                sys.executable,
                "-m",
                "locust",
                "--headless",
                "-f",
                str(LOCUSTFILE),
                "--host",
                f"http://{HOST}:{port}",
                "--loglevel",
                "WARNING",
                "--only-summary",
                "--exit-code-on-error",
                "0",
            ],
            tmp / f"locust-{processes}.log",
            locust_env,
        ) as locust:
            try:
                locust.wait(timeout=min(bound, remaining()))
            except subprocess.TimeoutExpired as late:
                raise TimeoutError(f"Locust ran past {bound:.0f} s") from late
        if locust.returncode != 0:
            log = (tmp / f"locust-{processes}.log").read_text(errors="replace")
            raise RuntimeError(f"Locust failed ({locust.returncode}):\n{log[-3000:]}")
        cpu = [s.cpu_seconds() - b for s, b in zip(started, cpu_before, strict=True)]
        for server in started:
            errors = server.log_errors(20)
            if errors:
                print(f"  {server.name} logged a traceback:\n{errors}", flush=True)
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    # CPU per request depends far less on how busy the machine is than latency does.
    served = sum(n for kind, n in rows[-1]["seen"].items() if not kind.startswith("WS "))
    sends = rows[-1]["seen"].get("WS send → ack", 0)
    print(
        f"  daphne CPU seconds: {', '.join(f'{c:.1f}' for c in cpu)}; over the whole run"
        f" {served} HTTP requests and {sends} socket messages:"
        f" {1000 * sum(cpu) / max(1, served + sends):.1f} ms of daphne CPU per request or message",
        flush=True,
    )
    return rows


# --- Tables -----------------------------------------------------------------------------------


def fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.0f}"


def print_configuration(processes: int, rows: list[dict[str, Any]]) -> None:
    print(f"\n{processes} daphne process(es) behind nginx")
    print(
        f"{'users':>6} {'step':<12} {'req/s':>7} {'page p50':>9} {'p95':>6} {'p99':>6}"
        f" {'errors':>6} {'client cpu s':>12} {'load':>5}"
    )
    for r in rows:
        print(
            f"{r['users']:>6} {r['kind']:<12} {r['rps']:>7.1f} {fmt(r['page_p50']):>9}"
            f" {fmt(r['page_p95']):>6} {fmt(r['page_p99']):>6} {r['errors']:>6}"
            f" {r['client_cpu']:>12.1f} {r['load']:>5.1f}"
        )
    for r in rows:
        print(f"  at {r['users']} users ({r['kind']}), {r['seconds']:.0f} s measured:")
        print(f"    {'kind':<30} {'count':>6} {'p50 ms':>7} {'p95':>6} {'p99':>6} {'failed':>6}")
        for k in r["kinds"]:
            label = f"{k['type']} {k['name']}"
            print(
                f"    {label:<30} {k['count']:>6} {fmt(k['p50']):>7} {fmt(k['p95']):>6}"
                f" {fmt(k['p99']):>6} {k['failures']:>6}"
            )
        for problem, n in r["problems"].items():
            print(f"    error x{n}: {problem}")


def knee(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last step that passed (no errors, page p95 under the threshold)."""
    steps = [r for r in rows if r["kind"] == "step"]
    passed = None
    for r in steps:
        if r["errors"] or (r["page_p95"] or 0) > ARGS.knee_p95_ms:
            break
        passed = r
    return passed


def summary(results: dict[int, list[dict[str, Any]]]) -> None:
    print(f"\nknee: the last step without errors and with page p95 <= {ARGS.knee_p95_ms:.0f} ms")
    knees: dict[int, dict[str, Any] | None] = {}
    for processes, rows in results.items():
        k = knees[processes] = knee(rows)
        seventy = next((r for r in rows if r["kind"] == "70% of knee"), None)
        if k is None:
            print(f"  {processes} process(es): no step passed")
            continue
        steps = [r for r in rows if r["kind"] == "step"]
        reached = "the knee" if k is not steps[-1] else "the last step: no knee up to it"
        print(
            f"  {processes} process(es): {k['users']} users, {k['rps']:.1f} req/s, page p95"
            f" {fmt(k['page_p95'])} ms ({reached})"
        )
        if seventy is not None:
            print(
                f"    at 70% of it ({seventy['users']} users): page p95"
                f" {fmt(seventy['page_p95'])} ms, {seventy['errors']} errors"
            )
    one, two = knees.get(1), knees.get(2)
    if one and two:
        print(f"  two processes / one at the knee: {two['rps'] / one['rps']:.2f}x req/s")


# --- Main ---------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="1,2", help="configurations: daphne processes")
    parser.add_argument("--max-users", type=int, default=400, help="no step above this")
    parser.add_argument("--steps", default=",".join(map(str, STEPS)), help="users per step")
    parser.add_argument("--step-seconds", type=float, default=20.0, help="measured per step")
    parser.add_argument("--settle-seconds", type=float, default=5.0, help="after spawning")
    parser.add_argument("--spawn-rate", type=float, default=20.0, help="users started a second")
    parser.add_argument("--knee-p95-ms", type=float, default=500.0, help="page p95 at the knee")
    parser.add_argument("--caseload", type=int, default=15, help="participants per therapist")
    parser.add_argument("--smoke", action="store_true", help="a few users for a few seconds")
    args = parser.parse_args()
    args.steps = [int(n) for n in args.steps.split(",")]
    if args.smoke:
        args.steps, args.step_seconds, args.settle_seconds, args.caseload = [10], 5.0, 1.0, 9
        # It proves the test works, not how fast: a busy machine must not skip the 70% step.
        args.knee_p95_ms = 60_000.0
    args.steps = [n for n in args.steps if n <= args.max_users] or [args.max_users]
    args.processes = [int(n) for n in args.processes.split(",")]
    return args


ARGS: argparse.Namespace


def main() -> int:
    global ARGS
    ARGS = args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the children
    source, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not redis_url and args.processes != [1]:
        print("REDIS_URL is unset: the in-memory channel layer serves one process only.")
        args.processes = [1]
    prefix = f"omtag-load-{secrets.token_hex(6)}"
    print(
        f"{'PostgreSQL' if source else 'SQLite'} + {'Redis' if redis_url else 'in-memory layer'};"
        f" steps {args.steps} users; {args.step_seconds:.0f} s each; {os.cpu_count()} cores",
        flush=True,
    )
    try:
        with (
            tempfile.TemporaryDirectory(prefix="omtag-load-") as tmp_name,
            harness.throwaway_database(source, "load") as database_url,
        ):
            tmp = Path(tmp_name)
            extra = {"DATABASE_URL": database_url} if database_url else {}
            env = harness.child_env(
                tmp,
                keep=("REDIS_URL",),
                CHANNEL_PREFIX=prefix,
                CACHE_KEY_PREFIX=prefix,
                TRUSTED_PROXIES=HOST,  # nginx's X-Forwarded-For is believed
                **extra,
            )
            t0 = time.monotonic()
            harness.manage(env, "migrate", "--noinput", timeout=min(COMMAND_TIMEOUT, remaining()))
            harness.manage(env, "seed_programme", timeout=min(COMMAND_TIMEOUT, remaining()))
            print(f"migrate + seed_programme: {time.monotonic() - t0:.1f} s", flush=True)
            t0 = time.monotonic()
            harness.django_setup(env)
            teams = math.ceil(max(args.steps) / (PER_TEAM + 1)) + 1
            data = seed(teams, max(args.caseload, PER_TEAM))
            print(
                f"seeded {teams} therapists x {max(args.caseload, PER_TEAM)} participants"
                f" in {time.monotonic() - t0:.1f} s",
                flush=True,
            )
            results = {}
            for processes in args.processes:
                print(f"\n== {processes} daphne process(es)", flush=True)
                results[processes] = run_configuration(processes, env, tmp, data, args)
                print_configuration(processes, results[processes])
            summary(results)
            if args.smoke:
                Path(os.environ.get("LOAD_SMOKE_JSON", os.devnull)).write_text(
                    json.dumps({str(k): v for k, v in results.items()})
                )
    finally:
        harness.forget_redis_keys(redis_url, prefix)
    print(f"\ntotal {DEADLINE.elapsed():.1f} s on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
