from django.urls import path

from .consumers import ThreadConsumer

THREAD_SOCKET = "ws/messages/<str:thread>/"

websocket_urlpatterns = [
    path(THREAD_SOCKET, ThreadConsumer.as_asgi()),
]


def thread_socket_path(public_id: object) -> str:
    """The thread socket's address, from the route itself (Channels' routes have no reverse)."""
    return "/" + THREAD_SOCKET.replace("<str:thread>", str(public_id))
