"""The fixed cast of docs/architecture.md, and clients logged in with or without a second factor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from django.test import Client

from accounts.models import Role, User
from tests.helpers import World, build_world, make_user, verified_client


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """pytest-django's, and at the end the connections the sockets' threads still keep
    (accounts.realtime.socket_executor) are closed before the test database is dropped:
    PostgreSQL refuses to drop a database with sessions on it. The socket tests close them
    after each test too (tests.helpers.close_worker_connections); this catches any that do not."""
    yield
    from accounts.realtime import close_socket_connections

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        close_socket_connections()


@pytest.fixture
def participant(db: None) -> User:
    return make_user("participant@example.org", [Role.PARTICIPANT], name="Alex")


@pytest.fixture
def participant2(db: None) -> User:
    return make_user("participant2@example.org", [Role.PARTICIPANT], name="Robin")


@pytest.fixture
def therapist(db: None) -> User:
    return make_user("therapist@example.org", [Role.THERAPIST], name="Tove")


@pytest.fixture
def other_therapist(db: None) -> User:
    return make_user("therapist2@example.org", [Role.THERAPIST], name="Tim")


@pytest.fixture
def editor(db: None) -> User:
    return make_user("editor@example.org", [Role.EDITOR], name="Erik")


@pytest.fixture
def clinical_lead(db: None) -> User:
    return make_user("lead@example.org", [Role.CLINICAL_LEAD], name="Karin")


@pytest.fixture
def partner_worker(db: None) -> User:
    return make_user("partner-worker@example.org", [Role.PARTNER_WORKER], name="Pia")


@pytest.fixture
def admin_user(db: None) -> User:
    return make_user("admin@example.org", [Role.ADMIN], name="Ada")


@pytest.fixture
def cast(
    participant: User,
    therapist: User,
    other_therapist: User,
    editor: User,
    partner_worker: User,
    admin_user: User,
) -> dict[str, User]:
    return {
        "participant": participant,
        "therapist": therapist,
        "other_therapist": other_therapist,
        "editor": editor,
        "partner_worker": partner_worker,
        "admin": admin_user,
    }


@pytest.fixture
def english() -> Iterator[None]:
    """Messages built outside a request (services, selectors) in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    return verified_client


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate limits and throttles live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def in_memory_channel_layer(settings: object) -> object:
    """The socket tests drive consumers in the test's own event loop. With the Redis layer, a
    consumer still blocked in a channel-layer read at teardown can keep that loop from
    closing, so these tests use the in-memory layer; the Redis layer across processes is
    tested for real by tests/messaging/test_two_servers.py."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
async def socket_test(in_memory_channel_layer: object) -> AsyncIterator[None]:
    """A test that drives socket consumers: the in-memory layer, and afterwards the database
    connections of the threads that did its socket work closed (tests.helpers.
    close_worker_connections), so none outlives the test."""
    yield
    from tests.helpers import close_worker_connections

    await close_worker_connections()


@pytest.fixture
def world(
    db: None,
    participant: User,
    participant2: User,
    therapist: User,
    partner_worker: User,
    admin_user: User,
) -> World:
    """Two participants in treatment with the same therapist, each with answers, check-ins, a
    measure, messages and a referral carrying markers of their own; the first also with what
    must never reach them: a risk signal with the therapist's acknowledgement, a case note, a
    screening note and a partner case with a logged conversation. Here, not in
    tests/records/, because the site-wide URL walk seeds it too."""
    return build_world(participant, participant2, therapist, partner_worker)


@pytest.fixture
def saml_idp(tmp_path: object) -> Iterator[object]:
    """A real SAML 2.0 identity provider (pysaml2) on 127.0.0.1 with a key pair made for the
    test (tests/support/saml_idp.py)."""
    from pathlib import Path

    from tests.support.saml_idp import running_identity_provider

    assert isinstance(tmp_path, Path)
    yield from running_identity_provider(tmp_path)
