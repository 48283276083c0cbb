"""/metrics: Prometheus text for the monitoring server only, and nothing about a person in it."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from messaging.models import Message
from messaging.tasks import notify_new_message
from tests.helpers import open_socket, send, verified_client

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"
NAMES = {
    "omtag_request_duration_seconds",
    "omtag_open_sockets",
    "omtag_messages_sent",
    "omtag_task_queue_depth",
    "omtag_task_oldest_waiting_seconds",
    "omtag_login_failures",
}


@pytest.fixture(autouse=True)
def _metrics_settings(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.9.8.0/24"]
    settings.TRUSTED_PROXIES = []


def scrape(**headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"REMOTE_ADDR": "10.9.9.1"},  # next door to the allowed network
    ],
)
def test_without_the_token_or_an_allowed_address_it_does_not_exist(headers):
    response = Client().get("/metrics", **headers)
    assert response.status_code == 404
    assert b"omtag_" not in response.content


def test_an_empty_token_setting_lets_no_empty_bearer_in(settings):
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_the_token_gets_every_metric():
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    families = {f.name for f in text_string_to_metric_families(response.content.decode())}
    assert families >= NAMES


def test_an_allowed_address_gets_in_without_a_token():
    assert Client().get("/metrics", REMOTE_ADDR="10.9.8.7").status_code == 200


def test_a_forged_forwarded_for_does_not_pass_the_address_check():
    response = Client().get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.8.7")
    assert response.status_code == 404


def test_behind_a_trusted_proxy_the_forwarded_client_counts(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    via_proxy = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.8.7")
    assert via_proxy.status_code == 200
    # The proxy's own address is not an allowed one: a client outside is still refused.
    outside = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.4")
    assert outside.status_code == 404


def test_messages_sent_counts_stored_messages_not_retries(
    thread, participant, django_capture_on_commit_callbacks
):
    before = value(scrape(), "omtag_messages_sent_total")
    client_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        send(participant, thread, "first", client_id=client_id)
        send(participant, thread, "first", client_id=client_id)  # a retry: stored once
        send(participant, thread, "second")
    assert Message.objects.count() == 2
    assert value(scrape(), "omtag_messages_sent_total") == before + 2


def test_failed_logins_are_counted_by_kind(participant):
    before = value(scrape(), "omtag_login_failures_total", kind="password")
    Client().post("/account/login/", {"login": participant.email, "password": "not-the-password"})
    assert value(scrape(), "omtag_login_failures_total", kind="password") == before + 1


def test_the_task_queue_depth_and_age_are_read_when_scraped():
    DBTaskResult.objects.all().delete()
    assert value(scrape(), "omtag_task_queue_depth") == 0
    assert value(scrape(), "omtag_task_oldest_waiting_seconds") == 0
    notify_new_message.enqueue(0, "team")  # two tasks waiting (a thread that is gone)
    notify_new_message.enqueue(0, "team")
    DBTaskResult.objects.update(
        enqueued_at=DBTaskResult.objects.first().enqueued_at.replace(year=2020)
    )
    samples = scrape()
    assert value(samples, "omtag_task_queue_depth") == 2
    assert value(samples, "omtag_task_oldest_waiting_seconds") > 365 * 24 * 3600


def test_request_latency_is_labelled_by_url_name(thread, participant):
    client = verified_client(participant)
    assert client.get(f"/messages/{thread.public_id}/").status_code == 200
    samples = scrape()
    assert (
        value(
            samples,
            "omtag_request_duration_seconds_count",
            view="messaging:thread",
            method="GET",
            status="200",
        )
        >= 1
    )


UUID_TEXT = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)


@pytest.mark.django_db(transaction=True)
async def test_open_sockets_and_no_label_holds_an_id_or_an_email(
    in_memory_channel_layer, close_thread_connections, thread, participant, therapist
):
    from asgiref.sync import sync_to_async

    def flow() -> None:
        client = verified_client(participant)
        client.get(f"/messages/{thread.public_id}/")
        client.get(f"/messages/{uuid.uuid4()}/")  # not theirs: 404
        client.get(f"/participant/no-such-page/{participant.pk}/")
        send(participant, thread, "hello")
        Client().post("/account/login/", {"login": therapist.email, "password": "wrong-pass"})

    await sync_to_async(flow)()
    before = value(await sync_to_async(scrape)(), "omtag_open_sockets")
    socket, connected, _ = await open_socket(participant, thread)
    assert connected
    samples = await sync_to_async(scrape)()
    assert value(samples, "omtag_open_sockets") == before + 1
    await socket.disconnect()
    await socket.wait(timeout=3)
    assert value(await sync_to_async(scrape)(), "omtag_open_sockets") == before

    people = {participant.email, therapist.email, str(participant.pk), str(therapist.pk)}
    views = set()
    for name, labels in samples:
        if not name.startswith("omtag_"):
            continue
        for key, text in labels:
            if key == "le":
                continue
            if key == "status":
                assert re.fullmatch(r"[1-5]\d\d", text), text
                continue
            views.add(text)
            assert "@" not in text and not UUID_TEXT.search(text), text
            assert not re.search(r"\d", text), text
            assert text not in people
    assert {"messaging:thread", "unresolved"} <= views
