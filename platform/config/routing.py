"""WebSocket routes, each app's own list."""

from typing import Any

from meetings.routing import websocket_urlpatterns as meetings_routes
from messaging.routing import websocket_urlpatterns as messaging_routes

websocket_urlpatterns: list[Any] = [*messaging_routes, *meetings_routes]
