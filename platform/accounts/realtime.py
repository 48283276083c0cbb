"""The Channels side of accounts: the second-factor gate for sockets, re-checking a socket's
session, and force-disconnect."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from .middleware import SEEN_AT, session_clock
from .models import User


def user_group(user_id: int) -> str:
    """Every socket of a user joins this group, so one event can reach them all."""
    return f"user.{user_id}"


def disconnect_user(user_id: int, *, session_key: str | None = None) -> None:
    """Ask every socket of the user to re-check itself and close if it may no longer stay.

    With `session_key` (a logout) the sockets of that one session close at once, without a
    re-check: the logout view sends this before the session row is deleted. Without it (lock,
    log out everywhere, reassignment) each socket re-checks its session and its access, which
    the caller has already committed."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            user_group(user_id), {"type": "force.disconnect", "session_key": session_key or ""}
        )


def session_still_valid(user_id: int, session_key: str | None, *, touch: bool = False) -> bool:
    """True while the socket's session is still the live, two-factor-verified login of an
    active user: not logged out, not idle or too old, not ended everywhere, not locked.
    With `touch`, socket activity counts as activity for the idle limit."""
    if not session_key:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore(session_key)
    data = store.load()
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(DEVICE_ID_SESSION_KEY):
        return False
    user = User.objects.filter(pk=user_id, is_active=True, locked_at__isnull=True).first()
    if user is None or data.get(BACKEND_SESSION_KEY) is None:
        return False
    if not constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), user.get_session_auth_hash()):
        return False
    now = timezone.now()
    ended, stale = session_clock(data, now)
    if ended:
        return False
    if touch and stale:
        store[SEEN_AT] = now.isoformat()
        store.save()
    return True


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
    verified second factor is closed before any consumer code runs, with close code 4401.
    It is accepted first, because a refused handshake reaches the browser only as a generic
    failure, and the page must know to send the person to the login instead of retrying."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not await _session_is_verified(
            scope.get("user"), scope.get("session")
        ):
            await receive()  # the websocket.connect event
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": 4401})
            return None
        return await self.inner(scope, receive, send)
