"""One process runs at most WEB_CONCURRENCY_LIMIT pages at once (config/web.py): more pages in
flight only wait for a database connection and cost the process thread switches, so the rest
wait their turn, and every one of them is still served. A client that is slow to send its
request holds no place."""

from __future__ import annotations

import asyncio

import pytest
from channels.testing import ApplicationCommunicator
from django.test import override_settings

from config.web import BoundedASGIHandler, page_concurrency
from tests.ops import bounded_urls

pytestmark = pytest.mark.django_db


def _scope(path: str) -> dict[str, object]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


async def _get(app: BoundedASGIHandler, path: str) -> tuple[int, bytes]:
    communicator = ApplicationCommunicator(app, _scope(path))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=30)
    body = await communicator.receive_output(timeout=30)
    await communicator.wait(timeout=30)
    return start["status"], body["body"]


@override_settings(ROOT_URLCONF="tests.ops.bounded_urls", ALLOWED_HOSTS=["localhost"])
async def test_no_more_than_the_limit_run_at_once_and_all_are_served() -> None:
    bounded_urls.state.update(running=0, most=0)
    app = BoundedASGIHandler(limit=2)
    results = await asyncio.gather(*(_get(app, "/slow/") for _ in range(6)))
    assert [status for status, _ in results] == [200] * 6
    assert bounded_urls.state["most"] == 2


@override_settings(ROOT_URLCONF="tests.ops.bounded_urls", ALLOWED_HOSTS=["localhost"])
async def test_without_the_bound_they_all_run_at_once() -> None:
    bounded_urls.state.update(running=0, most=0)
    app = BoundedASGIHandler(limit=0)
    results = await asyncio.gather(*(_get(app, "/slow/") for _ in range(6)))
    assert [status for status, _ in results] == [200] * 6
    assert bounded_urls.state["most"] == 6


@override_settings(ROOT_URLCONF="tests.ops.bounded_urls", ALLOWED_HOSTS=["localhost"])
async def test_a_client_slow_to_send_its_request_holds_no_place() -> None:
    app = BoundedASGIHandler(limit=1)
    slow_upload = ApplicationCommunicator(app, {**_scope("/quick/"), "method": "POST"})
    await slow_upload.send_input({"type": "http.request", "body": b"x", "more_body": True})
    # The upload never finishes; another page is still served at once.
    status, body = await asyncio.wait_for(_get(app, "/quick/"), timeout=10)
    assert (status, body) == (200, b"quick")
    await slow_upload.send_input({"type": "http.disconnect"})
    await slow_upload.wait(timeout=10)


def test_the_default_bound_is_what_the_sockets_leave_of_the_database_pool(settings) -> None:
    settings.WEB_CONCURRENCY_LIMIT = None
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    sockets = settings.SOCKET_DB_THREADS + settings.SOCKET_CONNECT_THREADS
    expected = pool["max_size"] - sockets if isinstance(pool, dict) else 8
    assert page_concurrency() == expected
    settings.WEB_CONCURRENCY_LIMIT = 3
    assert page_concurrency() == 3
