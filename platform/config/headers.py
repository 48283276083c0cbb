"""Headers that keep other sites and powerful browser features away from every response,
static files and error pages included (the middleware runs first, around WhiteNoise).

- Cross-Origin-Resource-Policy: same-origin. Another site cannot embed or fetch our pages,
  images or files with no-cors requests, so a participant's pages cannot be pulled into a
  page elsewhere to leak by side channels (Spectre-style reads, timing).
- Permissions-Policy: no page uses the camera, the microphone, the location, payments or
  USB, so none may: a script that got in still could not turn them on. A page that needs
  one (a video meeting) must be given it on purpose, for that page only."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"
)


class IsolationHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
