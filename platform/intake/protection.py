"""Keeping the public form usable for people and costly for bots, without any outside
service: a signed timestamp (a form sent sooner than a person could fill it in is refused)
that is good for one request only (it carries a random nonce, recorded when the form is
sent), a honeypot field a person never sees, and a per-address limit in the cache.

The limits are settings read with defaults, so an installation may tune them:
INTAKE_MIN_FILL_SECONDS, INTAKE_FORM_MAX_AGE_HOURS, INTAKE_RATE_LIMIT_PER_HOUR."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from audit.network import limit_source

_SALT = "intake.ask.issued"
RATE_WINDOW_SECONDS = 60 * 60


def min_fill_seconds() -> float:
    return float(getattr(settings, "INTAKE_MIN_FILL_SECONDS", 4))


def max_age_seconds() -> int:
    return int(float(getattr(settings, "INTAKE_FORM_MAX_AGE_HOURS", 24)) * 60 * 60)


def rate_limit_per_hour() -> int:
    return int(getattr(settings, "INTAKE_RATE_LIMIT_PER_HOUR", 10))


def issue_token(issued_at: float | None = None) -> str:
    """The hidden field's value: when the form was handed out and a random nonce (what makes
    the token good for one request), signed."""
    issued = issued_at if issued_at is not None else time.time()
    return signing.dumps({"t": issued, "n": secrets.token_hex(16)}, salt=_SALT)


def _token(token: str) -> tuple[float, str] | None:
    try:
        data: Any = signing.loads(token, salt=_SALT, max_age=max_age_seconds())
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    # A token without a nonce (the older form) could be sent again and again: refused.
    if not isinstance(data, dict):
        return None
    issued, nonce = data.get("t"), data.get("n")
    if not isinstance(issued, (int, float)) or isinstance(issued, bool):
        return None
    if not isinstance(nonce, str) or len(nonce) != 32:
        return None
    return float(issued), nonce


def token_time(token: str) -> float | None:
    """When a token was issued, or None when it is forged, garbled or too old."""
    parsed = _token(token)
    return parsed[0] if parsed else None


def token_nonce(token: object) -> str | None:
    """The token's one-time nonce, or None when it is no genuine, current token."""
    parsed = _token(token) if isinstance(token, str) else None
    return parsed[1] if parsed else None


def token_is_human(token: str, now: float | None = None) -> bool:
    issued = token_time(token)
    if issued is None:
        return False
    elapsed = (now if now is not None else time.time()) - issued
    return min_fill_seconds() <= elapsed


def _rate_key(request: HttpRequest) -> str:
    # The address is kept only as a keyed hash, and only for the hour the limit lasts.
    source = limit_source(request)
    return "intake:ask:" + salted_hmac(_SALT, source).hexdigest()[:32]


def rate_limited(request: HttpRequest) -> bool:
    """Counts this attempt; True when it is over the hour's limit for its address. The hour
    starts at the address's first attempt."""
    key = _rate_key(request)
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        count = 1
    return count > rate_limit_per_hour()
