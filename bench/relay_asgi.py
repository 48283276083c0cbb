"""The application bench/messaging.py serves: the real one (config.asgi, every socket behind
the origin check, session auth and the second-factor gate) plus one bench-only socket,
/ws/bench-relay/<room>/, a bare Channels relay that forwards each text frame it receives to
everyone in the room, the sender included, through the same channel layer. No database, no
re-checks: the floor our thread socket is compared with.

Served as `relay_asgi:application` with bench/ and platform/ on PYTHONPATH. Not a benchmark
itself (`make bench` runs every bench/*.py, so run directly it only says so)."""

from __future__ import annotations

import os
import sys
from typing import Any

if __name__ == "__main__":
    print("relay_asgi.py is the ASGI application bench/messaging.py serves; nothing to run.")
    sys.exit(0)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()  # before anything below touches a model

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from accounts.realtime import SecondFactorMiddleware  # noqa: E402
from config.asgi import django_asgi_app  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402


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
                self.room, {"type": "relay.frame", "text": text_data}
            )

    async def relay_frame(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                SecondFactorMiddleware(
                    URLRouter(
                        [
                            path("ws/bench-relay/<str:room>/", RelayConsumer.as_asgi()),
                            *websocket_urlpatterns,
                        ]
                    )
                )
            )
        ),
    }
)
