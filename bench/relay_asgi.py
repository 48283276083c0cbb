"""The application bench/messaging.py serves: the real one (config.asgi, every socket behind
the origin check, session auth and the second-factor gate) plus two bench-only sockets:

- /ws/bench-relay/<room>/, a bare Channels relay that forwards each text frame it receives to
  every other socket in the room (as ours forwards a message to every socket but the one that
  sent it), through the same channel layer. No database, no
  re-checks: the floor the issue compares our thread socket with.
- /ws/bench-persist/<thread uuid>/, the same relay, persist first: each frame is stored as a
  message of the thread (the writes any persist-first send needs: the thread's sequence moved
  on and the row inserted, in one transaction, on the sockets' database threads) and relayed
  only after the commit. No checks of session, access, rate or content; no email, no risk
  scan. The floor that "persist first, then notify" (docs/architecture.md) sets, whatever
  the checks.
- /ws/bench-persist-sql/<thread uuid>/, the same with the two writes in hand-written SQL
  instead of the ORM (an UPDATE … RETURNING and an INSERT): how much of that floor is the
  ORM's building and compiling of queries rather than the database.

Served as `relay_asgi:application` with bench/ and platform/ on PYTHONPATH. Not a benchmark
itself (`make bench` runs every bench/*.py, so run directly it only says so)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from typing import Any

if __name__ == "__main__":
    print("relay_asgi.py is the ASGI application bench/messaging.py serves; nothing to run.")
    sys.exit(0)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()  # before anything below touches a model

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.realtime import SecondFactorMiddleware, SocketAuthMiddlewareStack  # noqa: E402
from config.asgi import django_asgi_app  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from messaging.consumers import socket_db  # noqa: E402
from messaging.models import Message, Side, Thread  # noqa: E402


class RelayConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.room = f"bench-relay.{self.scope['url_route']['kwargs']['room']}"[:90]
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await self.channel_layer.group_send(
                self.room, {"type": "relay.frame", "text": text_data, "origin": self.channel_name}
            )

    async def relay_frame(self, event: dict[str, Any]) -> None:
        if event["origin"] != self.channel_name:
            await self.send(text_data=event["text"])


class PersistRelayConsumer(RelayConsumer):
    async def connect(self) -> None:
        public_id = self.scope["url_route"]["kwargs"]["thread"]
        self.thread_id, self.participant_id = await socket_db(
            lambda: Thread.objects.values_list("pk", "enrollment__participant_id").get(
                public_id=public_id
            )
        )()
        self.user_id = self.scope["user"].pk
        self.room = f"bench-persist.{self.thread_id}"
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await socket_db(self._store)(json.loads(text_data))
            await self.channel_layer.group_send(
                self.room, {"type": "relay.frame", "text": text_data, "origin": self.channel_name}
            )

    def _store(self, frame: dict[str, Any]) -> None:
        with transaction.atomic():
            Thread.objects.filter(pk=self.thread_id).update(last_seq=F("last_seq") + 1)
            seq = Thread.objects.values_list("last_seq", flat=True).get(pk=self.thread_id)
            Message.objects.create(
                thread_id=self.thread_id,
                seq=seq,
                sender_id=self.user_id,
                side=Side.PARTICIPANT if self.user_id == self.participant_id else Side.TEAM,
                body=frame["body"],
                client_id=frame["client_id"],
            )


class PersistSqlRelayConsumer(PersistRelayConsumer):
    def _store(self, frame: dict[str, Any]) -> None:
        def db(field: str, value: Any) -> Any:
            return Message._meta.get_field(field).get_db_prep_value(value, connection)

        side = Side.PARTICIPANT if self.user_id == self.participant_id else Side.TEAM
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE messaging_thread SET last_seq = last_seq + 1 WHERE id = %s"
                " RETURNING last_seq",
                [self.thread_id],
            )
            (seq,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO messaging_message"
                " (thread_id, seq, sender_id, side, body, client_id, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    self.thread_id,
                    seq,
                    self.user_id,
                    side,
                    frame["body"],
                    db("client_id", uuid.UUID(frame["client_id"])),
                    db("created_at", timezone.now()),
                ],
            )


class TracemallocConsumer(AsyncWebsocketConsumer):
    """bench/sockets.py with BENCH_TRACEMALLOC=1 (the server started with PYTHONTRACEMALLOC):
    "start" takes the snapshot to compare with, "top" answers the allocation sites that grew
    most since, by line, and the three biggest with their tracebacks."""

    baseline: Any = None

    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        import gc
        import tracemalloc

        gc.collect()
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        if text_data == "start" or TracemallocConsumer.baseline is None:
            TracemallocConsumer.baseline = snapshot
            await self.send(text_data="ok")
            return
        lines = [str(stat) for stat in snapshot.compare_to(self.baseline, "lineno")[:25]]
        for stat in snapshot.compare_to(self.baseline, "traceback")[:3]:
            lines += ["", f"{stat.size_diff / 1024:.0f} KiB in {stat.count_diff} blocks from:"]
            lines += stat.traceback.format(limit=12)
        await self.send(text_data="\n".join(lines))


def _Same(inner: Any) -> Any:  # noqa: N802 - used as the class beside it is
    return inner


class _TracemallocFirst:
    """The tracemalloc socket outside the login gates (it is the bench's, not a person's)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.trace = TracemallocConsumer.as_asgi()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if scope.get("path") == "/ws/bench-tracemalloc/":
            return await self.trace(scope, receive, send)
        return await self.inner(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": (_TracemallocFirst if os.environ.get("BENCH_TRACEMALLOC") == "1" else _Same)(
            AllowedHostsOriginValidator(
                SocketAuthMiddlewareStack(
                    SecondFactorMiddleware(
                        URLRouter(
                            [
                                path("ws/bench-relay/<str:room>/", RelayConsumer.as_asgi()),
                                path(
                                    "ws/bench-persist/<str:thread>/", PersistRelayConsumer.as_asgi()
                                ),
                                path(
                                    "ws/bench-persist-sql/<str:thread>/",
                                    PersistSqlRelayConsumer.as_asgi(),
                                ),
                                *websocket_urlpatterns,
                            ]
                        )
                    )
                )
            )
        ),
    }
)
