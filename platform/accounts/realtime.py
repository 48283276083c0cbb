"""The one real-time module: the socket close codes, the one way to send a channel-layer event
(now, or after the transaction commits), the second-factor gate for sockets, re-checking a
socket's session, force-disconnect, and the sockets' database connections (socket_db). It sits
in accounts, the lowest layer with sockets, so every app above can use it."""

from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextvars import ContextVar
from importlib import import_module
from typing import Any, Literal, ParamSpec, Protocol, TypeVar

from asgiref.sync import SyncToAsync, async_to_sync
from channels.auth import AuthMiddleware, get_user
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import QuerySet, Subquery
from django.db.models.functions import Now
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


class SocketConsumer(AsyncWebsocketConsumer):
    """The base of Omtag's socket consumers (the message thread, the video room): Channels'
    own, with a dispatch that skips its close_old_connections before every event. That is a hop
    to a database thread for each frame and each push, and every database call of these
    sockets manages its connection itself (socket_db: refresh_socket_connections before and
    after it)."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


class Renewable(Protocol):
    async def join_groups(self) -> None: ...


class GroupRenewal:
    """The channel layer forgets a group member CHANNEL_GROUP_EXPIRY after it joined (so the
    sockets of a server that died stop being sent to); a live socket joins its groups again
    every CHANNEL_GROUP_RENEW_SECONDS, as Channels' documentation advises. One task per event
    loop does it for every live socket of the process, instead of a sleeping task each: with
    thousands of idle sockets, their tasks weighed on each socket's memory."""

    def __init__(self) -> None:
        self._members: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, weakref.WeakSet[Renewable]
        ] = weakref.WeakKeyDictionary()
        self._tasks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
            weakref.WeakKeyDictionary()
        )

    def add(self, socket: Renewable) -> None:
        loop = asyncio.get_running_loop()
        self._members.setdefault(loop, weakref.WeakSet()).add(socket)
        task = self._tasks.get(loop)
        if task is None or task.done():
            self._tasks[loop] = loop.create_task(self._renew(loop))

    def discard(self, socket: Renewable) -> None:
        try:
            members = self._members.get(asyncio.get_running_loop())
        except RuntimeError:  # no loop: nothing was added from here
            return
        if members is not None:
            members.discard(socket)

    async def _renew(self, loop: asyncio.AbstractEventLoop) -> None:
        while self._members.get(loop):
            await asyncio.sleep(settings.CHANNEL_GROUP_RENEW_SECONDS)
            for socket in list(self._members.get(loop, ())):
                try:
                    await socket.join_groups()
                except Exception as error:  # the layer is away: the next round tries again
                    logger.warning("socket could not renew its groups: %s", type(error).__name__)


group_renewal = GroupRenewal()


class _Column:
    """What a backend's converter is given of a column: its output field."""

    __slots__ = ("output_field",)

    def __init__(self, output_field: Any) -> None:
        self.output_field = output_field


# A prepared query's SQL and conversions, by database alias and SQL: the same for every socket
# that asks it. Bounded, so a query whose SQL
# varied with its values could not grow it without end (such a query just keeps its own).
_Shape = tuple[str, list[tuple[int, tuple[Any, "_Column"]]]]
_SHAPES: dict[tuple[str, str], _Shape] = {}
_MAX_SHAPES = 256


class Prepared:
    """A query a socket asks over and over with the same values, compiled once and run anew,
    against the database, every time: building and compiling it through the ORM costs many
    times what the database takes to answer it. `rows()` gives its rows as tuples in the
    order of the queryset's values_list (a queryset of model instances gives raw columns)."""

    def __init__(self, queryset: QuerySet[Any, Any], *, lazy: bool = False) -> None:
        self.using = queryset.db
        self.queryset: QuerySet[Any, Any] | None = queryset
        if not lazy:  # lazy: a locking query compiles only inside its transaction
            self._compile()

    def _compile(self) -> None:
        """Keep the SQL, its parameters and the conversions only: a socket holds its queries
        for hours, and the query trees weigh many times their SQL. Every socket asks the same
        few queries with values of its own, so the SQL and the conversions are kept once per
        process (_SHAPES) and shared; only the parameters are the socket's."""
        assert self.queryset is not None
        compiler = self.queryset.query.get_compiler(self.using)
        sql, self.params = compiler.as_sql()
        key = (self.using, sql)
        shape = _SHAPES.get(key)
        if shape is None:
            shape = self._shape(sql, compiler)
            if len(_SHAPES) < _MAX_SHAPES:
                _SHAPES[key] = shape
        self.sql, self.converters = shape
        self.queryset = None

    @staticmethod
    def _shape(sql: str, compiler: Any) -> _Shape:
        # The backend's conversions of raw values (SQLite's datetimes, for one), as the ORM
        # applies them.
        # Each converter is given its column's output field only, not the expression: an
        # annotation's expression holds its whole subquery's tree (the socket's Exists).
        selected = [s[0] for s in compiler.select[: compiler.col_count]]
        converters = [
            (position, (converters, _Column(expression.output_field)))
            for position, (converters, expression) in compiler.get_converters(selected).items()
        ]
        return sql, converters

    def rows(self) -> list[tuple[Any, ...]]:
        if self.queryset is not None:
            self._compile()
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for position, (converters, expression) in self.converters:
                value = row[position]
                for convert in converters:
                    value = convert(value, expression, connection)
                row[position] = value
        # Django 5.2 selects a values_list's columns in the order it names them.
        return [tuple(row) for row in rows]

    def exists(self) -> bool:
        return bool(self.rows())


def _db_session_store(engine: Any) -> type[Any] | None:
    """The session store's class when it keeps sessions in the database (Django's `db` and
    `cached_db`, which writes every change through to the database): its rows can then be read
    in the socket's own query. None for any other engine."""
    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

    store = engine.SessionStore
    return store if isinstance(store, type) and issubclass(store, DatabaseStore) else None


class SessionCheck:
    """Is this socket's session still the live, two-factor-verified login of an active user
    (not logged out, not idle or too old, not ended everywhere, not locked)? Calling it returns
    the user, fetched fresh, or None. `annotate` adds expressions evaluated on the user's row in
    the same query (the thread socket asks whether the user may still see its thread). With
    `touch`, socket activity counts as activity for the idle limit.

    One check per socket, asked again and again: the same question with the same values, so
    its query is compiled once (building and compiling it costs many times what the database
    takes to answer it) and run anew, against the database, every time. With sessions in the
    database, the session row comes in that same query (one round trip: the user, the session's
    data and the annotations); otherwise the session store is asked first (two). The session's
    data is decoded again only when it changed (decoding is a signature check)."""

    def __init__(
        self, user_id: int, session_key: str | None, *, annotate: Mapping[str, Any] | None = None
    ) -> None:
        self.user_id = user_id
        self.session_key = session_key
        self.engine = import_module(settings.SESSION_ENGINE)
        self.annotations = list(annotate or {})
        self.attnames = [f.attname for f in User._meta.concrete_fields]
        users = _live_user(user_id, annotate)
        self.in_database = _db_session_store(self.engine)
        if self.in_database is not None:
            sessions = self.in_database.get_model_class().objects.filter(
                session_key=session_key or "", expire_date__gt=Now()
            )
            users = users.annotate(_session_data=Subquery(sessions.values("session_data")[:1]))
        columns = [*self.attnames, *self.annotations]
        if self.in_database is not None:
            columns.append("_session_data")
        self.query = Prepared(users.values_list(*columns))
        self._decoded: tuple[str, dict[str, Any]] | None = None

    def __call__(self, *, touch: bool = False) -> User | None:
        if not self.session_key:
            return None
        if self.in_database is None:
            data = self.engine.SessionStore(self.session_key).load()
            if not data:
                return None
            row = self._user_row()
        else:
            row = self._user_row()
            if row is None or row[-1] is None:
                return None
            data = self._decode(row[-1])
        if row is None:
            return None
        user = User.from_db(self.query.using, self.attnames, row[: len(self.attnames)])
        for i, name in enumerate(self.annotations):
            setattr(user, name, row[len(self.attnames) + i])
        return _checked_session_user(self.user_id, self.session_key, touch, data, user)

    def _user_row(self) -> tuple[Any, ...] | None:
        rows = self.query.rows()
        return rows[0] if rows else None

    def _decode(self, session_data: str) -> dict[str, Any]:
        if self._decoded is None or self._decoded[0] != session_data:
            store = self.engine.SessionStore(self.session_key)
            self._decoded = (session_data, store.decode(session_data))
        return dict(self._decoded[1])


def _live_user(user_id: int, annotate: Mapping[str, Any] | None) -> QuerySet[User]:
    users = User.objects.filter(pk=user_id, is_active=True, locked_at__isnull=True)
    return users.annotate(**annotate) if annotate else users


def _checked_session_user(
    user_id: int, session_key: str | None, touch: bool, data: dict[str, Any], user: User
) -> User | None:
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(DEVICE_ID_SESSION_KEY):
        return None
    if data.get(BACKEND_SESSION_KEY) is None:
        return None
    if user.pk != user_id:
        return None
    if not constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), user.get_session_auth_hash()):
        return None
    now = timezone.now()
    ended, stale = session_clock(data, now)
    if ended:
        return None
    if touch and stale:
        engine = import_module(settings.SESSION_ENGINE)
        store = engine.SessionStore(session_key)
        store.load()  # the row as it is now, so the save writes nothing older
        store[SEEN_AT] = now.isoformat()
        store.save()
    return user


async def _session_is_verified(user: Any, session: Any) -> bool:
    """On the handshake threads (socket_connect_db)."""
    return await socket_connect_db(_verified_now)(user, session)


def _verified_now(user: Any, session: Any) -> bool:
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


# A kept connection that has answered within this many seconds is not health-checked again
# before the next call (see refresh_socket_connections).
SOCKET_HEALTH_CHECK_AFTER = 1.0


def refresh_socket_connections() -> None:
    """close_old_connections for the sockets' database calls, which keep their connection for
    SOCKET_CONN_MAX_AGE seconds instead of the site's CONN_MAX_AGE.

    The sockets' database calls run on a few threads per process (socket_db: SOCKET_DB_THREADS
    for frames and pushes, SOCKET_CONNECT_THREADS for handshakes), and Django keeps a connection
    per thread, so this keeps one connection per such thread, instead of opening and closing
    one for each call (with SQLite, closing the last connection also checkpoints the
    write-ahead log). Pages keep CONN_MAX_AGE (0, as Django advises under ASGI, where each
    request has a thread of its own). Django's own rules still close a connection that is
    broken, left in a transaction, or past its age; the health check (a round trip) runs before
    a call on a connection that has been quiet for SOCKET_HEALTH_CHECK_AFTER seconds, so a
    server restart costs a reconnect, not a frame; a connection that answered more recently
    than that has just shown it works, and checking it before every call cost a round trip per
    frame and per push. (If the server restarts within that second after all, the frame fails
    like any outage: the socket closes with "try again", the page reconnects and resends, and
    the unique client id stores nothing twice.)"""
    max_age = settings.SOCKET_CONN_MAX_AGE
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is not None and max_age > 0 and getattr(conn, "_socket_kept", None) is not raw:
            # First seen open (just after the call that opened it): its age counts from now.
            conn.close_at = now + max_age
            conn.health_check_enabled = True  # type: ignore[attr-defined]
            conn._socket_kept = raw  # type: ignore[attr-defined]
        conn.close_if_unusable_or_obsolete()
        if conn.connection is None:
            continue
        used_at = getattr(conn, "_socket_used_at", None)
        if used_at is not None and now - used_at < SOCKET_HEALTH_CHECK_AFTER:
            conn.health_check_done = True  # type: ignore[attr-defined]  # answered just now
        conn._socket_used_at = now  # type: ignore[attr-defined]


# Which of the two thread pools a socket's database call runs on (socket_executor).
Pool = Literal["frames", "connect"]


class OldestHandshakeFirst(Executor):
    """A pool of `max_workers` threads that takes the call of the oldest handshake first
    (by when its handshake began, HANDSHAKE_BEGAN; a call outside a handshake counts from
    when it was submitted).

    A handshake makes several calls in turn (the session's user, the second factor, the access
    check, the presence). With a first-come queue, a burst of N handshakes goes through each
    step together: every one waits for all N first steps before its second, so all N finish
    at about the same time, and past a size all of them pass daphne's 5 s and fail. Oldest
    first, each handshake's next step goes before the newer handshakes' first: they finish one
    after another, and under overload the earliest still get in while only the latest fail."""

    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        self._max_workers = max_workers
        self._name = thread_name_prefix
        self._queue: queue.PriorityQueue[tuple[float, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._started = False
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        began = HANDSHAKE_BEGAN.get(None)
        priority = time.monotonic() if began is None else began
        self._queue.put((priority, next(self._order), (future, fn, args, kwargs)))
        if not self._started:
            with self._lock:
                if not self._started:
                    for i in range(self._max_workers):
                        name = f"{self._name}_{i}"
                        threading.Thread(target=self._work, name=name, daemon=True).start()
                    self._started = True
        return future

    def _work(self) -> None:
        while True:
            future, fn, args, kwargs = self._queue.get()[2]
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:  # as ThreadPoolExecutor: the caller gets it
                future.set_exception(error)
            else:
                future.set_result(result)


# When the socket's handshake began (time.monotonic()): set by SocketAuthMiddleware, read by
# OldestHandshakeFirst. A context variable, so each connection's task carries its own.
HANDSHAKE_BEGAN: ContextVar[float] = ContextVar("socket_handshake_began")

_executors: dict[tuple[Pool, int], Executor] = {}
_executors_lock = threading.Lock()


def socket_executor(pool: Pool) -> Executor:
    """The process's bounded pool of threads for the sockets' database calls.

    "frames": every call of an open socket (its frames, pushes, presence): SOCKET_DB_THREADS
    threads. "connect": the handshakes (the session and second factor, the access check, the
    presence), SOCKET_CONNECT_THREADS threads of their own, so that a burst of handshakes never
    queues behind the frames and pushes of the sockets already open (daphne drops a handshake
    after 5 s, and the proxy answers 502), taken oldest handshake first (OldestHandshakeFirst).

    Until this, every call ran on asgiref's one thread-sensitive thread per process: one slow
    call held up every socket. Nothing relied on that one thread: a socket's calls are awaited
    one after another (Channels hands a consumer one message at a time and awaits its handler),
    so they never overlap and keep their order on any thread; each thread has its own
    connection (Django's are per thread), and every write is one transaction of its own."""
    size = settings.SOCKET_DB_THREADS if pool == "frames" else settings.SOCKET_CONNECT_THREADS
    key = (pool, size)  # a changed setting (a test) gets a pool of its own
    executor = _executors.get(key)
    if executor is None:
        with _executors_lock:
            executor = _executors.get(key)
            if executor is None:
                prefix = f"socket-{pool}"
                executor = (
                    ThreadPoolExecutor(max_workers=size, thread_name_prefix=prefix)
                    if pool == "frames"
                    else OldestHandshakeFirst(max_workers=size, thread_name_prefix=prefix)
                )
                _executors[key] = executor
    return executor


def close_socket_connections(timeout: float = 10.0) -> None:
    """Close the connections the sockets' threads keep (tests do, before their database is
    flushed or dropped). Each thread must close its own: a task that closes and then waits for
    the others is sent to every thread of each pool at once, so each thread takes one."""
    for executor in list(_executors.values()):
        size = executor._max_workers  # type: ignore[attr-defined]
        barrier = threading.Barrier(size)

        def close(barrier: threading.Barrier = barrier) -> None:
            connections.close_all()
            barrier.wait(timeout)

        for future in [executor.submit(close) for _ in range(size)]:
            future.result(timeout)


_P = ParamSpec("_P")
_R = TypeVar("_R")


class SocketDatabaseSyncToAsync(SyncToAsync[_P, _R]):
    """channels' database_sync_to_async for sockets: runs on the sockets' pool of threads
    (socket_executor) and calls refresh_socket_connections before and after each call instead
    of closing old connections by the pages' rules."""

    def __init__(self, func: Callable[_P, _R], *, pool: Pool = "frames") -> None:
        executor = socket_executor(pool)
        super().__init__(func, thread_sensitive=False, executor=executor)  # type: ignore[arg-type]

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        refresh_socket_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            refresh_socket_connections()


def socket_db(func: Callable[_P, _R]) -> SocketDatabaseSyncToAsync[_P, _R]:
    """Every call of an open socket goes through this: `await socket_db(fn)(...)`."""
    return SocketDatabaseSyncToAsync(func, pool="frames")


def socket_connect_db(func: Callable[_P, _R]) -> SocketDatabaseSyncToAsync[_P, _R]:
    """A handshake's database calls go through this, on threads of their own."""
    return SocketDatabaseSyncToAsync(func, pool="connect")


class SocketAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, with its database call (the session's user) on the handshake
    threads (socket_connect_db) instead of asgiref's one thread-sensitive thread."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        HANDSHAKE_BEGAN.set(time.monotonic())  # this connection's task, and the consumer's
        return await super().__call__(scope, receive, send)

    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        scope["user"]._wrapped = await socket_connect_db(get_user.func)(scope)


def SocketAuthMiddlewareStack(inner: Any) -> Any:  # noqa: N802 - named as channels' own
    """channels.auth.AuthMiddlewareStack with SocketAuthMiddleware."""
    return CookieMiddleware(SessionMiddleware(SocketAuthMiddleware(inner)))


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
