from django.urls import path

from .consumers import MeetingConsumer
from .video import SOCKET_ROUTE

websocket_urlpatterns = [
    path(SOCKET_ROUTE, MeetingConsumer.as_asgi()),
]
