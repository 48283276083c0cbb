"""WebSocket routes. The messaging issue adds /ws/messages/<thread>/ here."""

from typing import Any

websocket_urlpatterns: list[Any] = []
