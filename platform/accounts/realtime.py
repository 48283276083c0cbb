"""The Channels side of accounts: the second-factor gate for sockets and force-disconnect."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device


def user_group(user_id: int) -> str:
    """Every socket of a user joins this group, so one event can close them all."""
    return f"user.{user_id}"


def disconnect_user(user_id: int) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "force.disconnect"})


@database_sync_to_async
def _session_is_verified(user: Any, session: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


class SecondFactorMiddleware:
    """Wraps socket routes after Channels' AuthMiddlewareStack: a socket whose session has no
    verified second factor is closed before any consumer code runs (close code 4401)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not await _session_is_verified(
            scope.get("user"), scope.get("session")
        ):
            await receive()  # the websocket.connect event
            await send({"type": "websocket.close", "code": 4401})
            return None
        return await self.inner(scope, receive, send)
