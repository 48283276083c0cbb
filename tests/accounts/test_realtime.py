"""The WebSocket gate: session auth, second factor, origin, and force-disconnect."""

from __future__ import annotations

import pytest
from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.urls import path

from accounts.realtime import SecondFactorMiddleware, disconnect_user, user_group
from tests.helpers import SOCKET_CONNECT_TIMEOUT, unverified_client, verified_client


class EchoConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(user_group(self.scope["user"].pk), self.channel_name)
        await self.accept()

    async def force_disconnect(self, event):
        await self.close(code=4403)


# The same stack as config.asgi, around a test consumer.
application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(
        SecondFactorMiddleware(URLRouter([path("ws/echo/", EchoConsumer.as_asgi())]))
    )
)


@pytest.fixture(autouse=True)
def _layer(in_memory_channel_layer):
    """See tests/conftest.py: these consumers run on the in-memory layer."""


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    """The ORM calls above run in asgiref's worker thread; close its connection so that
    PostgreSQL can drop the test database at the end."""
    from tests.helpers import close_worker_connections

    yield
    await close_worker_connections()


def _headers(client, origin="http://testserver"):
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [(b"cookie", cookie.encode()), (b"origin", origin.encode())]


@pytest.mark.django_db(transaction=True)
async def test_socket_needs_a_verified_second_factor(participant):
    from asgiref.sync import sync_to_async

    client = await sync_to_async(unverified_client)(participant)
    communicator = WebsocketCommunicator(application, "/ws/echo/", headers=_headers(client))
    await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
async def test_anonymous_socket_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/echo/", headers=[(b"origin", b"http://testserver")]
    )
    await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}


@pytest.mark.django_db(transaction=True)
async def test_verified_socket_connects_and_is_closed_by_force_disconnect(participant):
    from asgiref.sync import sync_to_async

    client = await sync_to_async(verified_client)(participant)
    communicator = WebsocketCommunicator(application, "/ws/echo/", headers=_headers(client))
    connected, _ = await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    assert connected
    await sync_to_async(disconnect_user)(participant.pk)
    output = await communicator.receive_output(timeout=2)
    assert output == {"type": "websocket.close", "code": 4403}


@pytest.mark.django_db(transaction=True)
async def test_forged_origin_is_refused(participant):
    from asgiref.sync import sync_to_async

    client = await sync_to_async(verified_client)(participant)
    communicator = WebsocketCommunicator(
        application, "/ws/echo/", headers=_headers(client, origin="https://evil.example")
    )
    connected, _ = await communicator.connect(timeout=SOCKET_CONNECT_TIMEOUT)
    assert not connected
    await communicator.wait(timeout=2)  # the refused instance has ended
