"""The one real-time module: the socket close codes, the one way to send a channel-layer event
(now, or after the transaction commits), the second-factor gate for sockets, re-checking a
socket's session, force-disconnect, and the sockets' database connections (socket_db). It sits
in accounts, the lowest layer with sockets, so every app above can use it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from .middleware import SEEN_AT, session_clock
from .models import User

# Close codes the pages understand (messaging/PROTOCOL.md). An application may close with 1000
# or 3000-4999 only (RFC 6455 7.4.2; daphne's autobahn refuses anything else, so 1009 "message
# too big" never reached the browser).
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NO_ACCESS = 4403
CLOSE_TOO_BIG = 4413  # as HTTP's 413 "content too large"
# As HTTP's 503: the database or Redis is away; the page says so calmly and tries again later.
CLOSE_TRY_AGAIN = 4503


def group_send(group: str, event: dict[str, Any]) -> None:
    """Send `event` to every socket in `group` now. Services call send_on_commit instead,
    unless they already run after the commit (an on_commit callback)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def send_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send `event` to `group` once the current transaction commits, so no socket hears of a
    write that could still roll back (persist first, then notify)."""
    transaction.on_commit(lambda: group_send(group, event))


def user_group(user_id: int) -> str:
    """Every socket of a user joins this group, so one event can reach them all."""
    return f"user.{user_id}"


def disconnect_user(user_id: int, *, session_key: str | None = None) -> None:
    """Ask every socket of the user to re-check itself and close if it may no longer stay.

    With `session_key` (a logout) the sockets of that one session close at once, without a
    re-check: the logout view sends this before the session row is deleted. Without it (lock,
    log out everywhere, reassignment) each socket re-checks its session and its access, which
    the caller has already committed."""
    group_send(user_group(user_id), {"type": "force.disconnect", "session_key": session_key or ""})


class SessionCheck:
    """Is this socket's session still the live, two-factor-verified login of an active user
    (not logged out, not idle or too old, not ended everywhere, not locked)? Calling it returns
    the user, fetched fresh, or None. Two queries (the session, the user); `annotate` adds
    expressions evaluated on the user's row in the same query (the thread socket asks whether
    the user may still see its thread). With `touch`, socket activity counts as activity for
    the idle limit.

    One check per socket, asked again and again: the same question with the same values, so
    the user's query is compiled once (building and compiling it costs many times what the
    database takes to answer it) and run anew, against the database, every time."""

    def __init__(
        self, user_id: int, session_key: str | None, *, annotate: Mapping[str, Any] | None = None
    ) -> None:
        self.user_id = user_id
        self.session_key = session_key
        self._sql, self._params = _live_user(user_id, annotate).query.sql_with_params()

    def __call__(self, *, touch: bool = False) -> User | None:
        return _checked_session_user(
            self.user_id,
            self.session_key,
            touch,
            lambda: next(iter(User.objects.raw(self._sql, self._params)), None),
        )


def _live_user(user_id: int, annotate: Mapping[str, Any] | None) -> QuerySet[User]:
    users = User.objects.filter(pk=user_id, is_active=True, locked_at__isnull=True)
    return users.annotate(**annotate) if annotate else users


def _checked_session_user(
    user_id: int, session_key: str | None, touch: bool, fetch_user: Callable[[], User | None]
) -> User | None:
    if not session_key:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore(session_key)
    data = store.load()
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(DEVICE_ID_SESSION_KEY):
        return None
    if data.get(BACKEND_SESSION_KEY) is None:
        return None
    user = fetch_user()
    if user is None or user.pk != user_id:
        return None
    if not constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), user.get_session_auth_hash()):
        return None
    now = timezone.now()
    ended, stale = session_clock(data, now)
    if ended:
        return None
    if touch and stale:
        store[SEEN_AT] = now.isoformat()
        store.save()
    return user


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
    verified second factor is closed before any consumer code runs, with CLOSE_NOT_LOGGED_IN.
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
            await send({"type": "websocket.close", "code": CLOSE_NOT_LOGGED_IN})
            return None
        return await self.inner(scope, receive, send)


# --- The sockets' database connections ------------------------------------------------------


def refresh_socket_connections() -> None:
    """close_old_connections for the sockets' database calls, which keep their connection for
    SOCKET_CONN_MAX_AGE seconds instead of the site's CONN_MAX_AGE.

    Every socket's database call runs on one thread per process (asgiref's thread-sensitive
    executor: daphne runs consumers outside any request context), so this keeps one connection
    per daphne process, instead of opening and closing one for each call (with SQLite, closing
    the last connection also checkpoints the write-ahead log). Pages keep CONN_MAX_AGE (0, as
    Django advises under ASGI, where each request has a thread of its own). Django's own rules
    still close a connection that is broken, left in a transaction, or past its age; the
    health check runs before each call, so a server restart costs a reconnect, not a frame."""
    max_age = settings.SOCKET_CONN_MAX_AGE
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is not None and max_age > 0 and getattr(conn, "_socket_kept", None) is not raw:
            # First seen open (just after the call that opened it): its age counts from now.
            conn.close_at = time.monotonic() + max_age
            conn.health_check_enabled = True  # type: ignore[attr-defined]
            conn._socket_kept = raw  # type: ignore[attr-defined]
        conn.close_if_unusable_or_obsolete()


class SocketDatabaseSyncToAsync(SyncToAsync):
    """channels' database_sync_to_async for sockets: refresh_socket_connections before and
    after each call instead of closing old connections by the pages' rules."""

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        refresh_socket_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            refresh_socket_connections()


# Every socket consumer's database call goes through this: `await socket_db(fn)(...)`.
socket_db = SocketDatabaseSyncToAsync


# --- A service away -------------------------------------------------------------------------

logger = logging.getLogger("accounts.realtime")


def _outages() -> tuple[type[BaseException], ...]:
    """What a socket meets while the database or Redis is away: a connection to the database
    that fails or breaks, Redis's connection errors and time-outs (channels-redis, the cache),
    a refused connection."""
    kinds: list[type[BaseException]] = [OperationalError, InterfaceError, ConnectionError]
    try:
        import redis.exceptions

        kinds += [redis.exceptions.ConnectionError, redis.exceptions.TimeoutError]
    except ImportError:  # no Redis client: the in-memory layer
        pass
    return tuple(kinds)


OUTAGES = _outages()


class OutageMiddleware:
    """Outermost on the socket routes. While the database or Redis is away, the handshake
    would answer HTTP 500 and every open socket close with 1011 and a traceback in the log:
    instead the socket is accepted (if it was not) and closed with CLOSE_TRY_AGAIN, and the
    log gets one line. The page then says the connection is interrupted and reconnects with
    backoff; on the reconnect it syncs, so nothing stored is missed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        state = {"accepted": False, "closed": False}

        async def watched_send(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.accept":
                state["accepted"] = True
            elif message["type"] == "websocket.close":
                state["closed"] = True
            await send(message)

        try:
            return await self.inner(scope, receive, watched_send)
        except OUTAGES as error:
            logger.warning(
                "socket %s closed %d: %s.%s",
                scope.get("path", ""),
                CLOSE_TRY_AGAIN,
                type(error).__module__,
                type(error).__name__,
            )
            if state["closed"]:
                return None
            if not state["accepted"]:
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})
            return None
