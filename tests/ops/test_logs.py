"""Logs: one line per request and per socket event, and nothing a participant typed (a
message, an answer, a search, the email they tried to log in with) in any log record of any
logger, in either format."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from accounts.models import Role
from config.asgi import application  # noqa: F401 - sets Django up (and its logging) now
from config.logs import PlainEventFormatter, RedactRequestFilter, SafeJsonFormatter
from modules.models import Answer
from tests.helpers import make_user, modules_of, next_frame, open_socket, verified_client

MARKER = "zqxmarker7731"


class Everything(logging.Handler):
    """Every record of every logger, as the console handler would write it in each format."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.redact = RedactRequestFilter()
        self.formats = [SafeJsonFormatter(), PlainEventFormatter()]

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.redact.filter(record)
        self.lines.extend(f.format(record) for f in self.formats)


@pytest.fixture
def everything() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    # First, so it sees each record before any other handler could change it.
    root.handlers.insert(0, handler)
    try:
        yield handler
    finally:
        root.handlers.remove(handler)
        root.setLevel(old_level)


@pytest.mark.django_db(transaction=True)
async def test_nothing_a_participant_types_reaches_any_log(
    in_memory_channel_layer,
    close_thread_connections,
    everything,
    thread,
    enrollment,
    participant,
    therapist,
    settings,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def pages() -> None:
        client = verified_client(participant)
        module = modules_of(enrollment.programme)[0]
        block_id = next(b.id for b in module.body if b.block_type != "text")
        saved = client.post(
            f"/participant/modules/{module.translation_key}/autosave/",
            {
                "block_id": block_id,
                f"answer-{block_id}": f"my answer {MARKER}",
                f"version-{block_id}": "0",
            },
        )
        assert saved.status_code == 200
        page = client.get(f"/messages/{thread.public_id}/")
        client.post(
            f"/messages/{thread.public_id}/",
            {"body": f"a message {MARKER}", "client_id": page.context["client_id"]},
        )
        client.get(f"/messages/{thread.public_id}/?q={MARKER}&after={MARKER}")
        client.get(f"/messages/{MARKER}/?q={MARKER}")  # a 404 with it in the path
        client.post(f"/messages/{thread.public_id}/", {"body": "", "client_id": MARKER})
        no_csrf = Client(enforce_csrf_checks=True)
        no_csrf.post(f"/account/login/?next=/{MARKER}/", {"login": f"{MARKER}@example.org"})
        Client().post("/account/login/", {"login": f"{MARKER}@example.org", "password": MARKER})
        staff = verified_client(therapist)
        staff.get(f"/messages/{thread.public_id}/")
        answers = staff.get(f"/therapist/participants/{enrollment.public_id}/answers/")
        assert MARKER in answers.content.decode()
        admin = make_user("ops-admin@example.org", [Role.ADMIN])
        verified_client(admin).get(f"/records/erasure/?q={MARKER}")

    await sync_to_async(pages)()
    assert await sync_to_async(Answer.objects.filter(value__icontains=MARKER).count)() == 1

    p_socket, ok_p, _ = await open_socket(participant, thread)
    t_socket, ok_t, _ = await open_socket(therapist, thread)
    assert ok_p and ok_t
    await p_socket.send_json_to(
        {"type": "send", "client_id": str(uuid.uuid4()), "body": f"live {MARKER}"}
    )
    await next_frame(p_socket, "ack")
    assert MARKER in (await next_frame(t_socket, "message"))["message"]["body"]
    await p_socket.send_to(text_data=f"{{not json {MARKER}")
    await p_socket.disconnect()
    await t_socket.disconnect()
    _, connected, _ = await open_socket(participant, thread, origin="http://elsewhere.example")
    assert not connected

    messages = [record.getMessage() for record in everything.records]
    assert not [m for m in messages if MARKER in m]
    assert not [line for line in everything.lines if MARKER in line]

    events = [json.loads(line) for line in everything.lines if line.startswith("{")]
    requests = [e for e in events if e.get("event") == "request"]
    assert {"messaging:thread", "modules:autosave", "records:erasure_list", "unresolved"} <= {
        e["view"] for e in requests
    }
    for e in requests:
        assert set(e) >= {"method", "view", "status", "duration_ms", "request_id"}
        assert "/" not in e["view"] and "@" not in e["message"]
    sockets = {e["event"] for e in events if str(e.get("event", "")).startswith("socket.")}
    assert {"socket.connect", "socket.close", "socket.refused"} <= sockets
    closes = [e for e in events if e.get("event") == "socket.close"]
    assert all(
        isinstance(e["code"], int) and e["route"] == "ws/messages/<str:thread>/" for e in closes
    )
    for e in events:
        assert str(thread.public_id) not in json.dumps(e)
        assert participant.email not in json.dumps(e)


def test_a_request_line_in_each_format(settings, capsys):
    record = logging.LogRecord(
        "omtag.request", logging.INFO, __file__, 1, "%s %s %s", ("GET", "home", 200), None
    )
    record.__dict__.update(
        {
            "event": "request",
            "method": "GET",
            "view": "home",
            "status": 200,
            "duration_ms": 3.2,
            "request_id": "abc",
        }
    )
    line = json.loads(SafeJsonFormatter().format(record))
    assert line["message"] == "GET home 200" and line["view"] == "home" and line["status"] == 200
    assert "request_id=abc" in PlainEventFormatter().format(record)
