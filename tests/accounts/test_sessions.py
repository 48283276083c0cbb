"""Session lifetime, log out everywhere, and account locks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.middleware import LOGIN_AT, SEEN_AT
from audit.models import AuditEvent
from tests.helpers import current_code, verified_client


def _age_session(client: Client, **ages: timedelta) -> None:
    session = client.session
    for key, age in ages.items():
        session[key] = (timezone.now() - age).isoformat()
    session.save()


@pytest.mark.django_db
def test_idle_session_ends_after_the_idle_timeout(participant, settings):
    client = verified_client(participant)
    assert client.get("/participant/").status_code == 200
    _age_session(client, **{SEEN_AT: settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=1)})
    response = client.get("/participant/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert client.get("/participant/")["Location"].startswith("/account/login/")


@pytest.mark.django_db
def test_active_session_is_kept_within_the_idle_timeout(participant, settings):
    client = verified_client(participant)
    _age_session(client, **{SEEN_AT: settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=2)})
    assert client.get("/participant/").status_code == 200


@pytest.mark.django_db
def test_session_ends_after_the_absolute_timeout_even_when_active(participant, settings):
    client = verified_client(participant)
    _age_session(
        client,
        **{
            LOGIN_AT: settings.SESSION_ABSOLUTE_TIMEOUT + timedelta(minutes=1),
            SEEN_AT: timedelta(seconds=5),
        },
    )
    assert client.get("/participant/")["Location"].startswith("/account/login/")


@pytest.mark.django_db
def test_timeouts_are_settings(participant, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=5)
    client = verified_client(participant)
    _age_session(client, **{SEEN_AT: timedelta(minutes=6)})
    assert client.get("/participant/").status_code == 302


@pytest.mark.django_db
def test_log_out_everywhere_ends_every_session(participant):
    laptop = verified_client(participant)
    phone = verified_client(participant)
    assert phone.get("/participant/").status_code == 200
    response = laptop.post("/account/security/logout-everywhere/")
    assert response.status_code == 302
    assert phone.get("/participant/")["Location"].startswith("/account/login/")
    assert laptop.get("/participant/")["Location"].startswith("/account/login/")
    assert AuditEvent.objects.filter(action="logout_everywhere", actor=participant).exists()


@pytest.mark.django_db
def test_lock_ends_sessions_at_once_and_login_shows_a_neutral_page(participant, admin_user):
    participant_client = verified_client(participant)
    admin = verified_client(admin_user)
    response = admin.post(f"/account/admin/users/{participant.public_id}/", {"action": "lock"})
    assert response.status_code == 302
    assert participant_client.get("/participant/")["Location"].startswith("/account/login/")

    fresh = Client()
    response = fresh.post(
        "/account/login/", {"login": participant.email, "password": "a-long-test-password-42"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/inactive/"
    page = fresh.get(response["Location"]).content.decode()
    assert "inte tillgängligt" in page or "not available" in page
    assert "spärr" not in page.lower() and "locked" not in page.lower()
    assert fresh.get("/participant/").status_code == 302
    assert AuditEvent.objects.filter(action="account_locked", subject=participant).exists()


@pytest.mark.django_db
def test_unlocked_account_can_log_in_again(participant, admin_user):
    services.user_lock(actor=admin_user, user=participant)
    services.user_unlock(actor=admin_user, user=participant)
    client = Client()
    client.post(
        "/account/login/", {"login": participant.email, "password": "a-long-test-password-42"}
    )
    client.post("/account/2fa/", {"code": current_code(participant)})
    assert client.get("/participant/").status_code == 200


@pytest.mark.django_db
def test_logout_is_post_only_and_ends_the_session(participant):
    client = verified_client(participant)
    client.get("/account/logout/")
    assert client.get("/participant/").status_code == 200  # a GET (e.g. a link) does not
    client.post("/account/logout/")
    assert client.get("/participant/").status_code == 302
