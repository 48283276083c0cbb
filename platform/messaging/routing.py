from django.urls import path

from .consumers import ThreadConsumer

websocket_urlpatterns = [
    path("ws/messages/<str:thread>/", ThreadConsumer.as_asgi()),
]
