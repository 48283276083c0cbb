"""Journey: a participant and their therapist write to each other in two browsers. A message
appears on the other side by itself; after the participant's network drops and comes back,
what was sent in between is there, in order and once, and what the participant wrote while
offline is sent too. Without JavaScript the ordinary form still sends.

pytest-django's live server speaks WSGI only, so these tests run the real ASGI application
(HTTP and the thread socket) in daphne, in a thread of the test process, against the same
in-memory test database.

How the network drop is made: Chromium's offline emulation (`context.set_offline(True)`)
makes new connections fail and fires `offline`/`online`, but it does not fail a WebSocket that
is already open: it holds that socket's frames (and its close) until the context is back
online, and then delivers them, so the page would never notice a drop. A real network loss
kills the connection at both ends, so the test does that as well: it aborts the participant's
TCP connection inside daphne (the server side) and closes the page's socket object (kept by
a small init script that records the sockets the page opens; the page's own code holds its
socket in a closure)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import Role, User
from messaging.models import Message, Thread
from modules.services import enrollment_create, enrollment_start
from tests.helpers import DEFAULT_TIMEOUT_MS, log_in, make_programme, screenshot, user_with_key

pytestmark = pytest.mark.browser

T = TypeVar("T")

# Each person gets an authenticator key of their own (20 bytes, used by no other test), so no
# login waits for a new 30-second step.
PARTICIPANT_KEY = b"messaging-particip-1".hex()
THERAPIST_KEY = b"messaging-therapist1".hex()
NO_JS_KEY = b"messaging-no-script1".hex()

GAP_PARTICIPANT_KEY = b"messaging-gap-part-1".hex()
GAP_THERAPIST_KEY = b"messaging-gap-ther-1".hex()

SENT = "Skickat"
READ = "Läst"
SESSION_COOKIE = "omtag_session"

FIRST = "Jag hade en jobbig kväll igår"
ANSWER = "Tack för att du skriver. Vad hände?"
WHILE_AWAY = ["Jag ser att du har skrivit.", "Vi kan prata om det på torsdag."]
WRITTEN_OFFLINE = "Jag blev arg när hon kom hem sent."

# Records every WebSocket the page opens, so the test can cut the page's end of the
# connection; the class keeps the constants (WebSocket.OPEN) that the page's script reads.
RECORD_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();
"""

# The states one of my messages shows, in the order they appear (Sending, Sent, Read).
WATCH_STATES = """
(body) => {
  window.__states = [];
  const list = document.getElementById("message-list");
  const look = () => {
    for (const li of list.querySelectorAll("li.msg-mine")) {
      const text = li.querySelector(".msg-body").textContent;
      const state = li.querySelector(".msg-state");
      if (text === body && state) {
        const seen = window.__states;
        if (seen[seen.length - 1] !== state.textContent) seen.push(state.textContent);
      }
    }
  };
  new MutationObserver(look).observe(list, {subtree: true, childList: true, characterData: true});
}
"""


# --- daphne in a thread, serving config.asgi.application ------------------------------------


def _reactor() -> Any:
    """Twisted's global reactor (daphne.server, imported first, makes it the asyncio one)."""
    from twisted.internet import reactor

    return reactor


class Daphne:
    def __init__(self) -> None:
        self.server: Any = None
        self.url = ""
        self.thread: threading.Thread | None = None

    def on_reactor(self, function: Callable[[], T]) -> T:
        """Run `function` in the reactor's thread (daphne's state lives there)."""
        result: list[T] = []
        failure: list[BaseException] = []
        done = threading.Event()

        def run() -> None:
            try:
                result.append(function())
            except BaseException as error:  # noqa: BLE001 - handed back to the caller
                failure.append(error)
            finally:
                done.set()

        _reactor().callFromThread(run)
        assert done.wait(10), "the reactor did not answer"
        if failure:
            raise failure[0]
        return result[0]

    def _sockets_of(self, session_key: str) -> list[Any]:
        return [
            protocol
            for protocol, details in self.server.connections.items()
            if "disconnected" not in details
            and getattr(protocol, "request", None) is not None  # only WebSockets have it
            and f"{SESSION_COOKIE}={session_key}" in protocol.request.headers.get("cookie", "")
        ]

    def live_sockets(self, session_key: str) -> int:
        return self.on_reactor(lambda: len(self._sockets_of(session_key)))

    def cut_sockets(self, session_key: str) -> int:
        """Abort the TCP connections of this session's sockets, as a lost network would."""

        def cut() -> int:
            sockets = self._sockets_of(session_key)
            for protocol in sockets:
                protocol.transport.abortConnection()
            return len(sockets)

        return self.on_reactor(cut)

    def wait_idle(self, timeout: float = 10) -> None:
        """Wait until no request or socket is being handled (all browsers closed)."""

        def busy() -> int:
            return sum(
                1
                for details in self.server.connections.values()
                if details.get("application_instance") is not None
                and not details["application_instance"].done()
            )

        deadline = time.monotonic() + timeout
        while self.on_reactor(busy):
            assert time.monotonic() < deadline, "daphne still busy after the browsers closed"
            time.sleep(0.05)


@pytest.fixture(scope="session")
def daphne() -> Iterator[Daphne]:
    # Twisted's reactor runs once per process, so one server serves every test here.
    instance = Daphne()
    ready = threading.Event()
    problem: list[BaseException] = []

    def serve() -> None:
        try:
            from daphne.server import Server  # installs the asyncio reactor

            from config.asgi import application

            reactor = _reactor()

            server = Server(
                application=application,
                endpoints=["tcp:port=0:interface=127.0.0.1"],
                signal_handlers=False,
                verbosity=0,
            )
            instance.server = server

            def port_known() -> None:
                if server.listening_addresses:
                    instance.url = f"http://127.0.0.1:{server.listening_addresses[0][1]}"
                    ready.set()
                else:
                    reactor.callLater(0.02, port_known)

            reactor.callLater(0, port_known)
            server.run()
        except BaseException as error:  # noqa: BLE001 - reported to the test thread
            problem.append(error)
            ready.set()

    instance.thread = threading.Thread(target=serve, name="daphne", daemon=True)
    instance.thread.start()
    assert ready.wait(15), "daphne did not start listening"
    if problem:
        raise problem[0]
    yield instance
    _reactor().callFromThread(_reactor().stop)
    instance.thread.join(10)


# With the in-memory SQLite test database every thread's connection shares one cache, and two
# threads touching the same table at once fail with "database table is locked". Daphne runs
# Django's sync code (views, the consumer's database calls) in executor threads, so all of it
# takes DB_LOCK, and so does the test thread around its own ORM calls.
DB_LOCK = threading.RLock()


@pytest.fixture
def server_url(
    daphne: Daphne, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    from asgiref.sync import SyncToAsync

    from accounts.realtime import SocketDatabaseSyncToAsync, close_socket_connections

    original = SyncToAsync.thread_handler

    def one_at_a_time(self: SyncToAsync[Any, Any], *args: Any, **kwargs: Any) -> Any:
        # The sockets' database calls run on pools of their own (not thread-sensitive); every
        # other call that is not thread-sensitive is no database work (log lines, file writes).
        if not self._thread_sensitive and not isinstance(self, SocketDatabaseSyncToAsync):
            return original(self, *args, **kwargs)
        with DB_LOCK:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "thread_handler", one_at_a_time)
    yield daphne.url
    # The browsers are closed by now (`contexts` tears down first); let their sockets' last
    # database calls finish before the test database is flushed.
    daphne.wait_idle()
    close_socket_connections()  # the sockets' threads keep theirs (PostgreSQL drops the db)


@pytest.fixture
def contexts(
    browser: Browser, server_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    opened: list[BrowserContext] = []

    def open_context(**options: Any) -> BrowserContext:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(locale="sv-SE", **options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        opened.append(context)
        return context

    yield open_context
    report = getattr(request.node, "rep_call", None)
    for number, context in enumerate(opened):
        if report is not None and report.failed:
            for page in context.pages:
                screenshot(page, f"FAILED-{request.node.nodeid}-{number}")
        context.close()


# --- helpers ---------------------------------------------------------------------------------


def _thread_for(participant: User, therapist: User) -> Thread:
    programme = make_programme(modules=1, answers_per_module=1)
    enrollment = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=enrollment)
    return Thread.objects.get(enrollment=enrollment)


def _session_key(context: BrowserContext) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == SESSION_COOKIE)


def _strings(page: Page) -> dict[str, str]:
    """The page script's texts in the page's language (the status line, the states)."""
    return json.loads(page.locator("#message-strings").text_content() or "{}")


def _send(page: Page, text: str) -> None:
    page.get_by_label("Ditt meddelande").fill(text)
    page.get_by_role("button", name="Skicka", exact=True).click()


def _message(page: Page, text: str) -> Any:
    return page.locator("#message-list li.msg").filter(has=page.locator(".msg-body", has_text=text))


def _mark_document(page: Page) -> None:
    """A flag in the window: still there later means the page was never reloaded."""
    page.evaluate("window.__sameDocument = true")


def _same_document(page: Page) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))


# --- the journeys ----------------------------------------------------------------------------


def test_messages_arrive_live_and_survive_a_network_drop(
    contexts: Callable[..., BrowserContext], server_url: str, daphne: Daphne
) -> None:
    with DB_LOCK:
        therapist = user_with_key("tove@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
        participant = user_with_key(
            "alex@example.org", [Role.PARTICIPANT], PARTICIPANT_KEY, name="Alex"
        )
        thread = _thread_for(participant, therapist)

    participant_context = contexts()
    participant_context.add_init_script(RECORD_SOCKETS)
    # Fake timers that still run in real time, so the reconnect timers can be fast-forwarded.
    participant_context.clock.install()
    therapist_context = contexts()
    me = participant_context.new_page()
    tove = therapist_context.new_page()
    log_in(me, server_url, participant.email, PARTICIPANT_KEY)
    log_in(tove, server_url, therapist.email, THERAPIST_KEY)

    # /messages/ takes a participant straight to their conversation.
    me.goto(server_url + "/messages/")
    expect(me).to_have_url(re.compile(rf"/messages/{thread.public_id}/$"))
    tove.goto(server_url + f"/messages/{thread.public_id}/")
    strings = _strings(me)
    assert strings["sent"] == SENT and strings["read"] == READ
    for page in (me, tove):
        expect(page.locator("#connection-status")).to_have_text(strings["online"])
        _mark_document(page)
    # The read marker only moves for a page that is visible; headless pages are.
    assert me.evaluate("document.visibilityState") == "visible"
    assert tove.evaluate("document.visibilityState") == "visible"

    # 1. The participant writes; the therapist's page shows it by itself.
    me.evaluate(WATCH_STATES, FIRST)
    _send(me, FIRST)
    mine = _message(me, FIRST)
    expect(mine).to_have_count(1)
    expect(me.get_by_label("Ditt meddelande")).to_have_value("")
    theirs = _message(tove, FIRST)
    expect(theirs).to_have_count(1, timeout=5_000)
    expect(theirs.locator(".msg-sender")).to_have_text("Alex")
    # Sending…, then Sent (the server has it), then Read (the therapist's page showed it).
    expect(mine.locator(".msg-state")).to_have_text(READ, timeout=5_000)
    assert me.evaluate("window.__states") == [strings["sending"], SENT, READ]

    # 2. The therapist answers; it appears on the participant's page, and the therapist
    # sees it read once the participant's page has shown it.
    _send(tove, ANSWER)
    answer = _message(me, ANSWER)
    expect(answer).to_have_count(1, timeout=5_000)
    expect(answer.locator(".msg-sender")).to_have_text("Tove")
    expect(me.locator("#connection-status")).to_have_text(f"{strings['new_message']}: Tove")
    expect(_message(tove, ANSWER).locator(".msg-state")).to_have_text(READ, timeout=5_000)
    screenshot(me, "messaging-participant-desktop.png")
    screenshot(tove, "messaging-therapist-desktop.png")

    # 3. The participant's network goes away.
    session = _session_key(participant_context)
    assert daphne.live_sockets(session) == 1
    participant_context.set_offline(True)
    # The page drops its socket itself on the browser's "offline" event; the server may not
    # have heard the close yet (Chromium holds the frame), so cut it there as a lost network
    # would, and make sure nothing of the page's is left open.
    assert daphne.cut_sockets(session) in (0, 1)
    me.evaluate("window.__sockets.forEach((socket) => socket.close())")
    expect(me.locator("#connection-status")).to_have_text(strings["offline"])
    assert me.evaluate("navigator.onLine") is False

    # The therapist writes twice meanwhile; nobody can have read it.
    for text in WHILE_AWAY:
        _send(tove, text)
        expect(_message(tove, text).locator(".msg-state")).to_have_text(SENT)

    # The participant writes too, with the socket down and no network. A post would only
    # reach Chromium's offline error page and lose the text; the message must wait on the
    # page instead and be sent when the connection is back.
    _send(me, WRITTEN_OFFLINE)
    waiting = _message(me, WRITTEN_OFFLINE)
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".msg-state")).to_have_text(strings["queued"])
    expect(me.get_by_label("Ditt meddelande")).to_have_value("")
    assert _same_document(me), "the participant's page was replaced while offline"
    expect(me.locator("#message-list li.msg")).to_have_count(3)  # nothing arrived meanwhile
    assert daphne.live_sockets(session) == 0
    screenshot(me, "messaging-participant-offline.png")

    # 4. The network is back: the page reconnects by itself, fetches what it missed, then
    # sends what was waiting.
    participant_context.set_offline(False)
    expected = [FIRST, ANSWER, *WHILE_AWAY, WRITTEN_OFFLINE]
    # Acknowledged: the waiting message now has its id, after the two it had missed.
    expect(_message(me, WRITTEN_OFFLINE)).to_have_attribute("data-id", "5", timeout=10_000)
    expect(me.locator("#message-list .msg-body")).to_have_text(expected)
    ids = "(items) => items.map((li) => li.dataset.id)"
    assert me.locator("#message-list li.msg").evaluate_all(ids) == ["1", "2", "3", "4", "5"]
    expect(me.locator("#connection-status")).to_have_text(strings["online"])
    expect(tove.locator("#message-list .msg-body")).to_have_text(expected, timeout=5_000)
    assert tove.locator("#message-list li.msg").evaluate_all(ids) == ["1", "2", "3", "4", "5"]
    # Each side shows the other's messages as read, as a reload would.
    for text in WHILE_AWAY:
        expect(_message(tove, text).locator(".msg-state")).to_have_text(READ, timeout=5_000)
    expect(_message(me, WRITTEN_OFFLINE).locator(".msg-state")).to_have_text(READ)

    # One socket, also once the reconnect timers started while offline have run out.
    participant_context.clock.run_for(60_000)
    live = "window.__sockets.filter((s) => s.readyState <= WebSocket.OPEN).length"
    assert me.evaluate(live) == 1, "the page opened a second socket"
    assert daphne.live_sockets(session) == 1
    assert _same_document(me) and _same_document(tove), "a page was reloaded"

    with DB_LOCK:
        stored = list(thread.messages.order_by("seq").values_list("seq", "body"))
    assert stored == list(enumerate(expected, start=1))

    # A message's time reads the same whether the script put it there or the server did
    # ("23 nov 2026, 14:05" in Swedish, the site's time zone).
    times = "#message-list li.msg time"
    shown_live = tove.locator(times).all_inner_texts()
    assert all(re.fullmatch(r"\d{1,2} [a-zåäö]{3} \d{4}, \d\d:\d\d", t) for t in shown_live)
    tove.reload()
    expect(tove.locator(times)).to_have_text(shown_live)

    # Phone-sized screenshots of both sides.
    for page, name in ((me, "participant"), (tove, "therapist")):
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot(page, f"messaging-{name}-phone.png")


def test_without_javascript_the_form_sends_and_the_page_reloads(
    contexts: Callable[..., BrowserContext], server_url: str, daphne: Daphne
) -> None:
    with DB_LOCK:
        therapist = user_with_key("tove@example.org", [Role.THERAPIST], THERAPIST_KEY, name="Tove")
        participant = user_with_key("kim@example.org", [Role.PARTICIPANT], NO_JS_KEY, name="Kim")
        thread = _thread_for(participant, therapist)

    context = contexts(java_script_enabled=False)
    page = context.new_page()
    log_in(page, server_url, participant.email, NO_JS_KEY)
    page.goto(server_url + "/messages/")
    expect(page).to_have_url(re.compile(rf"/messages/{thread.public_id}/$"))
    expect(page.locator("#no-messages")).to_be_visible()
    expect(page.locator("#connection-status")).to_be_empty()  # no script, no socket

    _send(page, FIRST)
    expect(page).to_have_url(re.compile(rf"/messages/{thread.public_id}/#m-1$"))
    sent = page.locator("#m-1")
    expect(sent.locator(".msg-body")).to_have_text(FIRST)
    expect(sent.locator(".msg-sender")).to_have_text("Du")
    expect(sent.locator(".msg-state")).to_have_text(SENT)
    expect(page.get_by_label("Ditt meddelande")).to_have_value("")
    expect(page.locator("#no-messages")).to_have_count(0)
    assert daphne.live_sockets(_session_key(context)) == 0

    # An empty message: the form comes back with an error, nothing is stored.
    _send(page, "   ")
    expect(page.locator("#message-error")).to_be_visible()
    expect(page.locator("#message-list li.msg")).to_have_count(1)
    screenshot(page, "messaging-participant-no-js.png")
    with DB_LOCK:
        assert list(Message.objects.values_list("thread_id", "body")) == [(thread.pk, FIRST)]


SAFETY_PARTICIPANT_KEY = b"messaging-safety-pa1".hex()
SAFETY_THERAPIST_KEY = b"messaging-safety-th1".hex()


def test_risk_words_sent_live_show_what_to_do_now_without_a_reload(
    contexts: Callable[..., BrowserContext], server_url: str
) -> None:
    """Issue 14, item 2: the socket's ack says the message had risk words, and the page shows
    the safety section at once, as a reload would."""
    from modules.models import RiskLevel, RiskTerm

    with DB_LOCK:
        # The test database was flushed: the migration's starting list of risk words is gone.
        RiskTerm.objects.get_or_create(
            phrase="självmord*", language="sv", defaults={"level": RiskLevel.ACUTE}
        )
        therapist = user_with_key(
            "tove-s@example.org", [Role.THERAPIST], SAFETY_THERAPIST_KEY, name="Tove"
        )
        participant = user_with_key(
            "sam@example.org", [Role.PARTICIPANT], SAFETY_PARTICIPANT_KEY, name="Sam"
        )
        thread = _thread_for(participant, therapist)

    page = contexts(viewport={"width": 375, "height": 800}).new_page()
    log_in(page, server_url, participant.email, SAFETY_PARTICIPANT_KEY)
    page.goto(server_url + f"/messages/{thread.public_id}/")
    strings = _strings(page)
    expect(page.locator("#connection-status")).to_have_text(strings["online"])
    _mark_document(page)
    section = page.locator("#safety-now")
    expect(section).to_be_hidden()

    _send(page, "Hej, en vanlig fråga om veckan")
    expect(_message(page, "en vanlig fråga").locator(".msg-state")).to_have_text(SENT)
    expect(section).to_be_hidden()

    _send(page, "Jag tänker mycket på självmord just nu")
    expect(section).to_be_visible()
    expect(section.locator("a[href='tel:90101']")).to_be_in_viewport()
    expect(section.locator("a[href='tel:112']")).to_be_visible()
    expect(page.locator("#connection-status")).to_have_text(strings["safety"])
    assert _same_document(page), "the section came from the ack, not from a reload"
    screenshot(page, "messaging-safety-live-phone.png")

    page.reload()
    expect(page.locator("#safety-now")).to_be_visible()


def test_a_message_whose_push_was_dropped_still_appears_on_the_open_page(
    contexts: Callable[..., BrowserContext], server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19: under overload the channel layer drops a group send, and a stored,
    acknowledged message must not stay invisible until a reload. The page notices a gap: an
    id that skips (at once), or a pong naming a newer id than it has (at the next ping, every
    30 s)."""
    from messaging import services

    with DB_LOCK:
        therapist = user_with_key(
            "tove-g@example.org", [Role.THERAPIST], GAP_THERAPIST_KEY, name="Tove"
        )
        participant = user_with_key(
            "kim@example.org", [Role.PARTICIPANT], GAP_PARTICIPANT_KEY, name="Kim"
        )
        thread = _thread_for(participant, therapist)

    me = contexts().new_page()
    therapist_context = contexts()
    therapist_context.clock.install()  # real time, but the ping timer can be run forward
    tove = therapist_context.new_page()
    log_in(me, server_url, participant.email, GAP_PARTICIPANT_KEY)
    log_in(tove, server_url, therapist.email, GAP_THERAPIST_KEY)
    for page in (me, tove):
        page.goto(server_url + f"/messages/{thread.public_id}/")
        expect(page.locator("#connection-status")).to_have_text(_strings(page)["online"])
        _mark_document(page)

    # The channel layer drops the push of these (what it does for a socket over capacity).
    dropped = {"Det här kom aldrig fram live", "Och inte det här heller"}
    deliver = services.group_send

    def overloaded(group: str, event: dict[str, Any]) -> None:
        if event.get("message", {}).get("body") not in dropped:
            deliver(group, event)

    monkeypatch.setattr(services, "group_send", overloaded)

    # 1. A push that skips an id: the page syncs at once and shows both, in order.
    _send(me, "Det här kom aldrig fram live")
    expect(_message(me, "aldrig fram").locator(".msg-state")).to_have_text(SENT)
    _send(me, "Men det här kom fram")
    expect(tove.locator("#message-list .msg-body")).to_have_text(
        ["Det här kom aldrig fram live", "Men det här kom fram"], timeout=3_000
    )

    # 2. The last message's push is dropped: nothing later skips. The next pong names it.
    _send(me, "Och inte det här heller")
    expect(_message(me, "inte det här").locator(".msg-state")).to_have_text(SENT)
    tove.wait_for_timeout(1_000)
    expect(_message(tove, "inte det här")).to_have_count(0)  # no push came
    tove.clock.run_for(31_000)  # the page's next ping
    expect(_message(tove, "inte det här")).to_have_count(1, timeout=3_000)
    ids = "(items) => items.map((li) => li.dataset.id)"
    assert tove.locator("#message-list li.msg").evaluate_all(ids) == ["1", "2", "3"]
    assert _same_document(tove), "the therapist's page was reloaded"
