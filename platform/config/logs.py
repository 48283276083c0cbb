"""Log records as one JSON object a line (LOG_FORMAT=json, the default in production) or as
plain text (LOG_FORMAT=plain, the default for `make run`).

What a log line may hold: the time, the level, the logger, the message and the fields of our
own request and socket events (config/observe.py), which are chosen to hold nothing about a
person. Everything else a record carries is left out, because Django puts the request
itself on some records (its text holds the path, with ids, and the query string, with what
someone searched for), and its "Not Found: <path>" and "Forbidden (CSRF ...): <path>"
messages are rewritten to the URL name and the status."""

from __future__ import annotations

import logging
from typing import Any

from django.urls import Resolver404, resolve
from pythonjsonlogger.json import JsonFormatter

# The fields our own events add (config/observe.py); nothing else leaves a record.
EVENT_FIELDS = (
    "event",
    "method",
    "view",
    "status",
    "duration_ms",
    "request_id",
    "socket_id",
    "route",
    "code",
    "by",
)
BASE_FIELDS = ("asctime", "levelname", "name", "message")


def view_name_of_path(path: str) -> str:
    """A path's URL name (never the path itself, which can hold ids)."""
    try:
        match = resolve(path)
    except Resolver404:
        return "unresolved"
    except Exception:
        return "unknown"
    return match.view_name or "unnamed"


class RedactRequestFilter(logging.Filter):
    """Rewrites Django's records that carry a request (django.request's 4xx and 5xx lines,
    django.security's CSRF refusals) to say which view answered what, without the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = record.__dict__.pop("request", None)
        if request is None:
            return True
        path = getattr(request, "path_info", "") or ""
        method = getattr(request, "method", "") or ""
        status = getattr(record, "status_code", None)
        record.msg = "%s %s answered %s"
        record.args = (method, view_name_of_path(path), status if status is not None else "-")
        return True


class SafeJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, keeping only the allowed fields (and the traceback of
    an error, which says where our code failed)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", " ".join(f"%({name})s" for name in BASE_FIELDS))
        super().__init__(**kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in list(log_data):
            if key not in BASE_FIELDS and key not in EVENT_FIELDS and key != "exc_info":
                del log_data[key]


class PlainEventFormatter(logging.Formatter):
    """Plain text for a developer's console, with our events' fields after the message."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s: %(message)s")
        super().__init__(**kwargs)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        given = record.__dict__
        fields = [f"{name}={given[name]}" for name in EVENT_FIELDS if name in given]
        return f"{text} {' '.join(fields)}" if fields else text
