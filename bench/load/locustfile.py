"""Omtag under load (Locust): virtual participants and therapists using the real pages, forms
and message socket, stepped up by bench/load.py until errors appear or page p95 climbs.

Run by bench/load.py (`locust --headless -f bench/load/locustfile.py`), which seeds the data,
writes every virtual person's second-factor-verified session into the session store, serves
the platform and reads the figures this file writes (LOAD_RESULTS, one JSON line a step).
Not meant to be run alone: it needs the file of people that bench/load.py writes (LOAD_DATA).

Who, and how often (documented in bench/README.md too):
- Teams: one therapist and PER_TEAM (9) participants on their caseload (the caseload holds
  more, who are not online). Locust spawns participants and therapists 9 to 1 (weights), and
  hands out people team by team, so the online participants' own therapist is online too.
- A participant, every 2-6 s (think time), does one of: open home (3), open the first module at
  the part with exercises (3), autosave one answer (4: a POST like static/js/autosave.js, with
  the CSRF token and the answer's version from the page), fill in the weekly check-in (1: the
  form page, then its POST), or write to the therapist (2: the thread page, then a `send` over
  the socket, waiting for the `ack`; then waiting up to ANSWER_WAIT s for the answer).
- A therapist, every 2-6 s: open the caseload (3), a participant's overview (3) or answers (1),
  or answer (4): the oldest thread with a participant's message not yet answered (heard on the
  therapist's socket), its page, then a `send` over the socket; the inbox page when nothing
  waits.
- Every participant holds one socket on their thread, every therapist one on each thread of
  their online participants (the receipt is measured there), and each pings every 30 s as the
  page does.

Think times are compressed (a person reads a module part for minutes, not seconds): one
virtual user stands for several real ones. Requests per second is the figure that carries.

Socket figures (request type WS): `connect` (handshake until the server accepted), `send → ack`
(the sender's round trip: stored and acknowledged), `send → receipt` (from the send until the
other side's socket has the message). A missing ack or receipt after SOCKET_TIMEOUT s, an
error frame or a socket closed by the server is a failure.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import os
import random
import re
import time
import uuid
from http.cookiejar import Cookie
from typing import Any
from urllib.parse import urlsplit

import gevent
import websocket
from gevent.event import AsyncResult, Event
from locust import FastHttpUser, LoadTestShape, between, events, task

DATA: dict[str, Any] = {}
if os.environ.get("LOAD_DATA"):
    with open(os.environ["LOAD_DATA"], encoding="utf-8") as fh:
        DATA = json.load(fh)

SOCKET_TIMEOUT = 10.0  # seconds for an ack, a receipt or a handshake
ANSWER_WAIT = 20.0  # a participant waits this long at most for the therapist's answer
# Think time between a user's actions, seconds (the smoke run shortens it: LOAD_THINK=0.1,0.5).
THINK = tuple(float(s) for s in os.environ.get("LOAD_THINK", "2,6").split(","))
# The smoke run: every user does each of its actions once on start, so each kind is seen.
EVERY_TASK_FIRST = os.environ.get("LOAD_EVERY_TASK_FIRST") == "1"
PING_INTERVAL = 30.0  # as the page (static/js/messages.js)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A text field of an exercise: answer-<block id> (reflection) or answer-<block id>-<part>
# (worksheet, time-out plan); static/js/autosave.js posts every field of the block.
TEXTAREA = re.compile(r'<textarea id="[^"]*" name="(answer-([0-9a-f-]{36})(?:-[\w-]+)?)"')
VERSION = re.compile(r'name="version-([0-9a-f-]{36})" value="(\d+)"')


# --- People: handed out team by team, given back when a virtual user stops -----------------------

free_therapists: collections.deque[int] = collections.deque(range(len(DATA.get("teams", []))))
free_participants: collections.deque[tuple[int, int]] = collections.deque(
    (t, i) for t, team in enumerate(DATA.get("teams", [])) for i in range(len(team["participants"]))
)

# What the sockets share in this one Locust process.
sent_at: dict[str, tuple[float, str]] = {}  # client_id: (perf_counter at send, thread)
expect_receipt: dict[str, float] = {}  # client_id: send time, when the other side listens
listeners: dict[str, dict[str, int]] = collections.defaultdict(
    lambda: {"participant": 0, "team": 0}
)  # thread: open sockets of each side
waiting: dict[int, collections.OrderedDict[str, None]] = collections.defaultdict(
    collections.OrderedDict
)  # team: threads with a participant's message not yet answered
answered: dict[str, Event] = {}  # thread: set when the team's answer arrives
counters: collections.Counter[str] = collections.Counter()
# Every request kind seen since the start, never reset (the smoke run checks them all).
seen: collections.Counter[str] = collections.Counter()
failed: collections.Counter[str] = collections.Counter()


@events.request.add_listener
def _seen(request_type: str, name: str, exception: Any = None, **_kwargs: Any) -> None:
    seen[f"{request_type} {name}"] += 1
    if exception is not None:
        failed[f"{request_type} {name}"] += 1


# The step's socket handshakes (ms, failure): they happen while its users spawn, before the
# statistics are reset for the measured window, so they are kept here for the step's row.
connects: list[tuple[float, str | None]] = []


def fire(environment: Any, name: str, started: float, failure: str | None = None) -> None:
    if name == "connect":
        connects.append(((time.perf_counter() - started) * 1000, failure))
    environment.events.request.fire(
        request_type="WS",
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=Exception(failure) if failure else None,
        context={},
    )


class ThreadSocket:
    """One thread's socket, as the page holds it (messaging/PROTOCOL.md): sync first, ping
    every 30 s; acks and pushes become Locust request events."""

    def __init__(self, user: OmtagUser, thread: str, side: str, team: int) -> None:
        self.user = user
        self.thread = thread
        self.side = side  # "participant" or "team": whose socket this is
        self.team = team
        self.acks: dict[str, AsyncResult] = {}
        self.latest = 0
        self.ws: Any = None
        self.closing = False
        self.greenlets: list[gevent.Greenlet] = []

    def open(self) -> bool:
        origin = self.user.origin
        url = f"ws://{urlsplit(origin).netloc}/ws/messages/{self.thread}/"
        started = time.perf_counter()
        try:
            self.ws = websocket.create_connection(
                url,
                timeout=SOCKET_TIMEOUT,
                origin=origin,
                cookie=f"omtag_session={self.user.session}",
            )
            self.ws.send(json.dumps({"type": "sync", "after": self.latest}))
            # A push may come before the sync's answer (PROTOCOL.md): taken as it comes.
            while (frame := json.loads(self.ws.recv())).get("type") != "sync":
                if frame.get("type") == "message":
                    self._take_message(frame["message"], time.perf_counter())
                if time.perf_counter() - started > SOCKET_TIMEOUT:
                    raise TimeoutError("no sync answer")
        except Exception as error:  # any failure is the figure
            fire(self.user.environment, "connect", started, f"{type(error).__name__}: {error}")
            return False
        fire(self.user.environment, "connect", started)
        self._take_sync(frame)
        self.ws.settimeout(None)
        listeners[self.thread][self.side] += 1
        self.greenlets = [gevent.spawn(self._read), gevent.spawn(self._ping)]
        return True

    def close(self) -> None:
        self.closing = True
        if self.ws is not None and self.greenlets:
            listeners[self.thread][self.side] -= 1
        for greenlet in self.greenlets:
            greenlet.kill(block=False)
        if self.ws is not None:
            with contextlib.suppress(Exception):  # closing anyway
                self.ws.close(timeout=1)

    def send(self, body: str) -> bool:
        """Send a message and wait for its ack (failure after SOCKET_TIMEOUT)."""
        client_id = str(uuid.uuid4())
        result: AsyncResult = AsyncResult()
        self.acks[client_id] = result
        other = "team" if self.side == "participant" else "participant"
        started = time.perf_counter()
        sent_at[client_id] = (started, self.thread)
        if listeners[self.thread][other]:
            expect_receipt[client_id] = started
        try:
            self.ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
            frame = result.get(timeout=SOCKET_TIMEOUT)
        except gevent.Timeout:
            fire(self.user.environment, "send → ack", started, "no ack in time")
            return False
        except Exception as error:
            fire(self.user.environment, "send → ack", started, f"{type(error).__name__}: {error}")
            return False
        finally:
            self.acks.pop(client_id, None)
        if frame.get("type") == "error":
            fire(self.user.environment, "send → ack", started, f"error {frame.get('code')}")
            return False
        fire(self.user.environment, "send → ack", started)
        return True

    def _take_sync(self, frame: dict[str, Any]) -> None:
        self.latest = max(self.latest, int(frame.get("complete_to") or 0))

    def _read(self) -> None:
        while True:
            try:
                raw = self.ws.recv()
            except Exception as error:
                if not self.closing:
                    fire(self.user.environment, "socket closed", time.perf_counter(), str(error))
                return
            if not raw:
                if not self.closing:
                    code = getattr(self.ws, "status", None)
                    fire(self.user.environment, "socket closed", time.perf_counter(), f"{code}")
                return
            arrived = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind in ("ack", "error") and frame.get("client_id") in self.acks:
                self.acks[frame["client_id"]].set(frame)
                if kind == "ack":
                    self.latest = max(self.latest, int(frame["id"]))
            elif kind == "error":
                fire(self.user.environment, "error frame", arrived, str(frame.get("code")))
            elif kind == "message":
                self._take_message(frame["message"], arrived)
            elif kind == "sync":
                self._take_sync(frame)

    def _take_message(self, message: dict[str, Any], arrived: float) -> None:
        self.latest = max(self.latest, int(message["id"]))
        if message.get("mine"):
            return
        client_id = message["client_id"]
        started = expect_receipt.pop(client_id, None)
        if started is not None:
            self.user.environment.events.request.fire(
                request_type="WS",
                name="send → receipt",
                response_time=(arrived - started) * 1000,
                response_length=0,
                exception=None,
                context={},
            )
        sent_at.pop(client_id, None)
        if self.side == "team" and message.get("side") == "participant":
            waiting[self.team][self.thread] = None
        elif self.side == "participant" and message.get("side") == "team":
            event = answered.get(self.thread)
            if event is not None:
                event.set()

    def _ping(self) -> None:
        while True:
            gevent.sleep(PING_INTERVAL * random.uniform(0.9, 1.1))  # noqa: S311
            try:
                self.ws.send(json.dumps({"type": "ping"}))
            except Exception:
                return


def watch_receipts(environment: Any) -> None:
    """A message whose other side was listening and has not had it after SOCKET_TIMEOUT is a
    failure (lost, or far too slow)."""
    while True:
        gevent.sleep(1)
        now = time.perf_counter()
        for client_id, started in list(expect_receipt.items()):
            if now - started > SOCKET_TIMEOUT:
                expect_receipt.pop(client_id, None)
                fire(environment, "send → receipt", started, "not delivered in time")


@events.test_start.add_listener
def _start(environment: Any, **_kwargs: Any) -> None:
    gevent.spawn(watch_receipts, environment)


@events.user_error.add_listener
def _user_error(user_instance: Any, exception: Exception, tb: Any, **_kwargs: Any) -> None:
    problem(f"{type(exception).__name__}: {exception}"[:120])


counters_all: collections.Counter[str] = collections.Counter()  # never reset


def problem(text: str) -> None:
    """An error that is not a request's (an exception in a task, a page without its form)."""
    counters[text] += 1
    counters_all[text] += 1


# --- Virtual users ----------------------------------------------------------------------------


class OmtagUser(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)
    session = ""

    @property
    def origin(self) -> str:
        return str(self.host).rstrip("/")

    def use_session(self, key: str) -> None:
        """The person's verified session, in the client's cookie jar beside the CSRF cookie."""
        self.session = key
        host = urlsplit(self.origin).hostname or "127.0.0.1"
        self.client.cookiejar.set_cookie(
            Cookie(
                0, "omtag_session", key, None, False, host, False, False, "/", True, False,
                None, False, None, None, {},
            )
        )  # fmt: skip

    def page(self, path: str, name: str, expect: int = 200, **kwargs: Any) -> str | None:
        """GET (or POST with data=...) a page; anything but `expect` is a failure."""
        method = "POST" if "data" in kwargs else "GET"
        with self.client.request(
            method, path, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            if response.status_code != expect:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"{response.status_code} {where}".strip())
                return None
            return response.text or ""


class Participant(OmtagUser):
    weight = 9

    def on_start(self) -> None:
        self.sockets: list[ThreadSocket] = []
        self.person = free_participants.popleft()
        team, index = self.person
        me = DATA["teams"][team]["participants"][index]
        self.team = team
        self.thread = me["thread"]
        self.use_session(me["session"])
        self.csrf = ""
        self.blocks: dict[str, int] = {}  # text exercises on the module part: version
        self.fields: dict[str, list[str]] = {}  # their text fields' names
        self.socket = ThreadSocket(self, self.thread, "participant", team)
        if self.socket.open():
            self.sockets.append(self.socket)
        self.home()
        if EVERY_TASK_FIRST:
            for action in (self.module, self.autosave, self.checkin, self.write):
                action()

    def on_stop(self) -> None:
        for s in self.sockets:
            s.close()
        free_participants.appendleft(self.person)

    @task(3)
    def home(self) -> None:
        self.page("/participant/", "participant home")

    @task(3)
    def module(self) -> None:
        html = self.page(DATA["module_path"], "module page")
        if html is None:
            return
        token = CSRF.search(html)
        self.csrf = token.group(1) if token else ""
        versions = dict(VERSION.findall(html))
        self.fields = collections.defaultdict(list)
        for name, block in TEXTAREA.findall(html):
            self.fields[block].append(name)
        self.blocks = {b: int(versions.get(b, 0)) for b in self.fields}

    @task(4)
    def autosave(self) -> None:
        if not self.blocks or not self.csrf:
            self.module()
        if not self.blocks or not self.csrf:
            problem("autosave: no text exercise or CSRF token on the module page")
            return
        block = random.choice(list(self.blocks))  # noqa: S311
        text = f"Load test answer {random.random():.6f}"  # noqa: S311
        with self.client.post(
            DATA["autosave_path"],
            data={
                "csrfmiddlewaretoken": self.csrf,
                "block_id": block,
                f"version-{block}": str(self.blocks[block]),
                **{name: text for name in self.fields[block]},
            },
            headers={"X-Requested-With": "fetch"},
            name="autosave",
            catch_response=True,
        ) as response:
            try:
                payload = response.json()
            except ValueError:
                payload = {}
            if response.status_code != 200 or not payload.get("ok"):
                response.failure(f"{response.status_code} {payload.get('message', '')}")
                return
            self.blocks[block] = int(payload["version"])

    @task(1)
    def checkin(self) -> None:
        html = self.page("/participant/checkin/", "check-in form")
        token = CSRF.search(html or "")
        if token is None:
            return
        self.page(
            "/participant/checkin/",
            "check-in submit",
            expect=302,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "violence": "no",
                "closeness": "2",
                "children": "no",
                "home": "calm",
                "harm_thoughts": "no",
                "free_text": "",
            },
        )

    @task(2)
    def write(self) -> None:
        if self.page(f"/messages/{self.thread}/", "thread page") is None:
            return
        if not self.socket.greenlets:
            return
        event = answered[self.thread] = Event()
        if self.socket.send(f"A week with ups and downs ({next(_serial)})."):
            event.wait(ANSWER_WAIT)  # reading the answer is part of the think time
        answered.pop(self.thread, None)


_serial = itertools.count()


class Therapist(OmtagUser):
    weight = 1

    def on_start(self) -> None:
        self.team = free_therapists.popleft()
        team = DATA["teams"][self.team]
        self.use_session(team["therapist"]["session"])
        self.people = team["participants"]
        self.sockets: dict[str, ThreadSocket] = {}
        for person in self.people:
            s = ThreadSocket(self, person["thread"], "team", self.team)
            if s.open():
                self.sockets[person["thread"]] = s
        self.caseload()
        if EVERY_TASK_FIRST:
            for action in (self.overview, self.answers, self.answer):
                action()

    def on_stop(self) -> None:
        for s in self.sockets.values():
            s.close()
        waiting.pop(self.team, None)
        free_therapists.appendleft(self.team)

    @task(3)
    def caseload(self) -> None:
        self.page("/therapist/", "caseload")

    @task(3)
    def overview(self) -> None:
        person = random.choice(self.people)  # noqa: S311
        self.page(f"/therapist/participants/{person['enrollment']}/", "participant overview")

    @task(1)
    def answers(self) -> None:
        person = random.choice(self.people)  # noqa: S311
        self.page(f"/therapist/participants/{person['enrollment']}/answers/", "answers page")

    @task(4)
    def answer(self) -> None:
        queue = waiting[self.team]
        if not queue:
            self.page("/messages/", "inbox")
            return
        thread, _ = queue.popitem(last=False)
        if self.page(f"/messages/{thread}/", "thread page") is None:
            return
        s = self.sockets.get(thread)
        if s is not None and s.greenlets:
            s.send(f"Thank you for writing. Let us talk about it ({next(_serial)}).")


# --- The steps ------------------------------------------------------------------------------------


def _percentile(times: dict[int, int], q: float) -> float | None:
    total = sum(times.values())
    if not total:
        return None
    rank = q * total
    seen = 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= rank:
            return float(ms)
    return float(max(times))


class Steps(LoadTestShape):
    """Users step up (LOAD_STEPS) until a step has errors or its page p95 passes
    LOAD_KNEE_P95_MS (the knee is the step before); then one step at 70% of the knee. Each
    step: spawn, settle LOAD_SETTLE_SECONDS, measure LOAD_STEP_SECONDS (stats reset at its
    start), write one JSON line to LOAD_RESULTS."""

    def __init__(self) -> None:
        super().__init__()
        self.steps = [int(n) for n in os.environ.get("LOAD_STEPS", "5").split(",")]
        self.measure = float(os.environ.get("LOAD_STEP_SECONDS", "20"))
        self.settle = float(os.environ.get("LOAD_SETTLE_SECONDS", "5"))
        self.spawn_rate = float(os.environ.get("LOAD_SPAWN_RATE", "20"))
        self.threshold = float(os.environ.get("LOAD_KNEE_P95_MS", "500"))
        self.results = os.environ.get("LOAD_RESULTS", "")
        self.queue: list[tuple[int, str]] = [(n, "step") for n in self.steps]
        self.passed: int | None = None
        self.phase = "spawn"
        self.phase_at = 0.0
        self.spawn_limit = 0.0

    def tick(self) -> tuple[int, float] | None:
        if not self.queue:
            return None
        users, kind = self.queue[0]
        now = self.get_run_time()
        if self.phase == "spawn":
            if not self.phase_at:
                self.phase_at = now
                connects.clear()
                self.spawn_limit = now + 10 + users / self.spawn_rate
            if self.runner.user_count == users or now > self.spawn_limit:
                self.phase, self.phase_at = "settle", now
        elif self.phase == "settle" and now - self.phase_at >= self.settle:
            self.phase, self.phase_at = "measure", now
            self.runner.stats.reset_all()
            counters.clear()
            self.cpu_at = sum(os.times()[:2])
        elif self.phase == "measure" and now - self.phase_at >= self.measure:
            row = self.snapshot(users, kind, now - self.phase_at)
            self.queue.pop(0)
            self.phase, self.phase_at = "spawn", 0.0
            bad = row["errors"] > 0 or (row["page_p95"] or 0) > self.threshold
            if kind == "step" and not bad:
                self.passed = users
            if kind == "step" and (bad or not self.queue):
                self.queue = []
                if self.passed:
                    self.queue = [(max(1, round(0.7 * self.passed)), "70% of knee")]
        return users, self.spawn_rate

    def snapshot(self, users: int, kind: str, seconds: float) -> dict[str, Any]:
        stats = self.runner.stats
        kinds = []
        pages: collections.Counter[int] = collections.Counter()
        requests = errors = 0
        for entry in stats.entries.values():
            if (entry.method, entry.name) == ("WS", "connect"):
                continue  # from `connects` below: the step's handshakes
            kinds.append(
                {
                    "type": entry.method,
                    "name": entry.name,
                    "count": entry.num_requests,
                    "failures": entry.num_failures,
                    "p50": _percentile(entry.response_times, 0.50),
                    "p95": _percentile(entry.response_times, 0.95),
                    "p99": _percentile(entry.response_times, 0.99),
                }
            )
            errors += entry.num_failures
            if entry.method != "WS":
                requests += entry.num_requests
                pages.update(entry.response_times)
        handshakes = collections.Counter(round(ms) for ms, _failure in connects)
        refused = [failure for _ms, failure in connects if failure]
        kinds.append(
            {
                "type": "WS",
                "name": "connect (while spawning)",
                "count": len(connects),
                "failures": len(refused),
                "p50": _percentile(handshakes, 0.50),
                "p95": _percentile(handshakes, 0.95),
                "p99": _percentile(handshakes, 0.99),
            }
        )
        errors += len(refused)
        problems = {
            f"{e.method} {e.name}: {e.error}"[:160]: e.occurrences for e in stats.errors.values()
        }
        problems.update(counters)
        for failure in refused:
            key = f"WS connect: {failure}"[:160]
            problems[key] = problems.get(key, 0) + 1
        errors += sum(counters.values())
        row = {
            "users": users,
            "kind": kind,
            "running": self.runner.user_count,
            "seconds": round(seconds, 1),
            "requests": requests,
            "rps": round(requests / seconds, 1) if seconds else 0,
            "page_p50": _percentile(pages, 0.50),
            "page_p95": _percentile(pages, 0.95),
            "page_p99": _percentile(pages, 0.99),
            "errors": errors,
            "problems": problems,
            "kinds": sorted(kinds, key=lambda k: (k["type"] == "WS", k["name"])),
            "client_cpu": round(sum(os.times()[:2]) - self.cpu_at, 1),
            "seen": dict(seen),
            "failed": dict(failed) | dict(counters_all),
            "load": round(os.getloadavg()[0], 1),
        }
        if self.results:
            with open(self.results, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")
        return row
