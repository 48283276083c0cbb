"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Sockets pass the origin check, then session auth, then the second-factor gate, before any
consumer runs; a database or Redis away closes them with a "try again" code (OutageMiddleware)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from config.web import get_application  # noqa: E402

# Django's handler, bounding how many pages run their view at once (config/web.py).
django_asgi_app = get_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.realtime import (  # noqa: E402
    OutageMiddleware,
    SecondFactorMiddleware,
    SocketAuthMiddlewareStack,
)
from config.observe import SocketObservationMiddleware  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Outermost: refusals by any layer below (the outage's 4503 too) are counted and logged.
        "websocket": SocketObservationMiddleware(
            OutageMiddleware(
                AllowedHostsOriginValidator(
                    SocketAuthMiddlewareStack(
                        SecondFactorMiddleware(URLRouter(websocket_urlpatterns))
                    )
                )
            )
        ),
    }
)
