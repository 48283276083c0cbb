"""An enrolled participant with a thread (messaging's fixtures, used here as they are), and
the clean-up the socket tests need."""

from collections.abc import AsyncIterator

import pytest

from tests.messaging.conftest import enrollment, thread

__all__ = ["enrollment", "thread", "close_thread_connections"]


@pytest.fixture
async def close_thread_connections() -> AsyncIterator[None]:
    """The consumers' database calls run on asgiref's worker thread, whose connection would
    outlive the test (and keep PostgreSQL from dropping the test database at the end)."""
    yield
    from tests.helpers import close_worker_connections

    await close_worker_connections()
