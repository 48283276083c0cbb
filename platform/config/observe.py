"""One log line and one latency sample per request, one log line per socket event.

A request's line holds its method, its URL name (never the path: paths carry ids), its
status, its duration and a request id (also sent back as X-Request-ID, so a person's
report of an error can be matched to its line). A socket's lines say that it was accepted,
refused or closed, with the close code and who closed it. Neither holds a user, an email, an
address, a path or anything typed."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from audit.network import peer_is_trusted_proxy

from .metrics import OPEN_SOCKETS, REQUEST_LATENCY

request_log = logging.getLogger("omtag.request")
socket_log = logging.getLogger("omtag.socket")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# What a proxy may hand on as the request id: short, and nothing but id characters.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
REQUEST_ID_META = "omtag.request_id"


def _request_id(request: HttpRequest) -> str:
    offered = request.headers.get("X-Request-ID", "")
    if offered and REQUEST_ID.fullmatch(offered) and peer_is_trusted_proxy(request):
        return offered
    return uuid.uuid4().hex


def request_id(request: HttpRequest) -> str:
    return str(request.META.get(REQUEST_ID_META, ""))


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unresolved"


class RequestObservationMiddleware:
    """First in MIDDLEWARE, so that its time covers every other middleware too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        rid = _request_id(request)
        request.META[REQUEST_ID_META] = rid
        response = self.get_response(request)
        duration = time.perf_counter() - started
        method = request.method if request.method in METHODS else "OTHER"
        view = view_label(request)
        REQUEST_LATENCY.labels(view=view, method=method, status=str(response.status_code)).observe(
            duration
        )
        response["X-Request-ID"] = rid
        request_log.info(
            "%s %s %s",
            method,
            view,
            response.status_code,
            extra={
                "event": "request",
                "method": method,
                "view": view,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
                "request_id": rid,
            },
        )
        return response


Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def socket_route(path: str) -> str:
    """The route a socket's path matched (its template, e.g. ws/messages/<str:thread>/)."""
    from config.routing import websocket_urlpatterns

    relative = path.lstrip("/")
    for pattern in websocket_urlpatterns:
        if pattern.pattern.match(relative):
            return str(pattern.pattern)
    return "unrouted"


class SocketObservationMiddleware:
    """Outermost ASGI layer of the WebSocket side: counts open sockets and logs accept,
    refusal (a close before accept, e.g. no verified session) and close."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "websocket":
            await self.app(scope, receive, send)
            return
        state = {"accepted": False, "ended": False}
        socket_id = uuid.uuid4().hex[:16]
        route = socket_route(str(scope.get("path", "")))
        started = time.perf_counter()

        def log(event: str, **fields: Any) -> None:
            socket_log.info(
                "%s %s %s",
                event,
                route,
                fields.get("code", ""),
                extra={"event": event, "route": route, "socket_id": socket_id, **fields},
            )

        async def observed_send(message: Message) -> None:
            kind = message.get("type")
            if kind == "websocket.accept" and not state["accepted"]:
                state["accepted"] = True
                OPEN_SOCKETS.inc()
                log("socket.connect")
            elif kind == "websocket.close" and not state["ended"]:
                state["ended"] = True
                code = int(message.get("code") or 1000)
                if state["accepted"]:
                    log("socket.close", code=code, by="server", duration_ms=_ms(started))
                else:
                    log("socket.refused", code=code)
            await send(message)

        async def observed_receive() -> Message:
            message = await receive()
            if message.get("type") == "websocket.disconnect" and not state["ended"]:
                state["ended"] = True
                code = int(message.get("code") or 1005)
                if state["accepted"]:
                    log("socket.close", code=code, by="client", duration_ms=_ms(started))
                else:
                    log("socket.refused", code=code, by="client")
            return message

        try:
            await self.app(scope, observed_receive, observed_send)
        except Exception:
            if not state["ended"]:
                state["ended"] = True
                log("socket.error", code=1011, by="server")
            raise
        finally:
            if state["accepted"]:
                OPEN_SOCKETS.dec()


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
