"""The wall between the partner's track and the participant's side, tried for real.

A partner case whose every text field holds its own marker. As the participant and as
their therapist, every URL in the URL configuration is requested with the real ids
substituted, the messaging socket is opened, every email the platform sends is triggered,
and every export is downloaded: no marker, and not the partner's name or phone, appears
anywhere. The participant's pages are also compared before and after the worker's whole
journey: they are the same, byte for byte, apart from the form tokens."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from content.models import ModulePage
from messaging.models import Thread
from messaging.services import message_send
from messaging.tasks import notify_new_message
from modules.models import RiskSignal
from partner import services
from partner.models import (
    Conversation,
    PartnerCase,
    PartnerConsent,
    RiskAssessment,
)
from tests.helpers import consent_both, sample_path, verified_client

TODAY = date.today()
MARK = "ZQX~partner~"  # every marker starts with this; "~" is in no random token (CSRF, nonces)
CONTACT = {
    "name": f"{MARK}name",
    "phone": f"{MARK}phone 070-555 12 34",
    "address": f"{MARK}address",
    "contact_channel": f"{MARK}channel",
    "safe_times": f"{MARK}times",
    "may_leave_message": "no",
    "code_word": f"{MARK}codeword",
    "contact_notes": f"{MARK}contactnotes",
    "protected_identity": True,
}
PLAN = {
    "safe_places": f"{MARK}places",
    "people_to_call": f"{MARK}people",
    "essentials": f"{MARK}essentials",
    "children_plan": f"{MARK}children",
    "code_word": f"{MARK}plancode",
    "when_to_call_112": f"{MARK}when112",
    "other": f"{MARK}other",
}
SECRETS = [MARK.encode(), b"070-555 12 34", b"070-555"]
UUID_SLOT = re.compile(r"<uuid:\w+>")


def run_worker_journey(enrollment, worker) -> PartnerCase:
    consent_both(enrollment, worker)
    case = services.case_open(actor=worker, enrollment=enrollment, contact=CONTACT)
    services.case_set_status(actor=worker, case=case, status="active")
    services.conversation_add(
        actor=worker,
        case=case,
        held_on=TODAY,
        form="phone",
        minutes=40,
        notes=f"{MARK}conversation",
        pass_on_requested=True,
        pass_on_what=f"{MARK}passon",
    )
    assessment = services.assessment_record(
        actor=worker,
        case=case,
        assessed_on=TODAY,
        answers={"x_strangulation": "yes", "x_kill_threat": "yes", "d_physical": "weekly"},
        description=f"{MARK}description",
        level="high",
    )
    services.assessment_share(actor=worker, assessment=assessment)
    services.safety_plan_save(actor=worker, case=case, plan=PLAN)
    # The worker reads every page of the case too: reads are logged, and the log must not
    # reach the participant.
    client = verified_client(worker)
    for name in ("case", "case_contact", "safety_plan", "safety_plan_print", "assessment_new"):
        assert client.get(reverse(f"partner:{name}", args=[case.public_id])).status_code == 200
    assert client.get(reverse("partner:enrollment", args=[enrollment.public_id])).status_code == 200
    return case


def _templates(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _templates(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def every_path(ids: list[str]) -> list[str]:
    """Every URL of the configuration, each UUID slot filled with each real id in turn."""
    paths = set()
    for template in _templates(get_resolver().url_patterns):
        slots = len(UUID_SLOT.findall(template))
        for combo in itertools.product(ids, repeat=slots):
            filled = template
            for value in combo:
                filled = UUID_SLOT.sub(value, filled, count=1)
            paths.add("/" + sample_path(filled))
    return sorted(paths)


def real_ids(enrollment, participant, therapist) -> list[str]:
    ids = [
        enrollment.public_id,
        participant.public_id,
        therapist.public_id,
        Thread.objects.get(enrollment=enrollment).public_id,
        *PartnerCase.objects.values_list("public_id", flat=True),
        *RiskAssessment.objects.values_list("public_id", flat=True),
        *PartnerConsent.objects.values_list("public_id", flat=True),
        *Conversation.objects.values_list("public_id", flat=True),
        *RiskSignal.objects.values_list("public_id", flat=True),
        *ModulePage.objects.values_list("translation_key", flat=True)[:1],
    ]
    return [str(i) for i in ids]


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _leaks(client: Client, paths: list[str]) -> tuple[list[str], int]:
    found, reached = [], 0
    for path in paths:
        response = client.get(path)
        reached += response.status_code == 200
        content = _body(response) + str(response.headers).encode()
        if any(secret in content for secret in SECRETS):
            found.append(path)
    return found, reached


@pytest.mark.django_db
def test_nothing_of_the_case_reaches_the_participant_or_the_therapist(
    enrollment, participant, therapist, partner_worker
):
    run_worker_journey(enrollment, partner_worker)
    paths = every_path(real_ids(enrollment, participant, therapist))
    assert any("/partner/cases/" in p for p in paths)
    for person in (participant, therapist):
        leaks, reached = _leaks(verified_client(person), paths)
        assert leaks == [], person
        assert reached > 10, "the walk must reach the person's own pages"
    # The therapist got the one thing that crosses: a level and a date.
    signal = RiskSignal.objects.get(enrollment=enrollment)
    assert (signal.source, signal.level, signal.reasons) == ("partner_contact", "high", [])


@pytest.mark.django_db
def test_no_email_carries_anything_of_the_case(enrollment, participant, therapist, partner_worker):
    mail.outbox.clear()
    run_worker_journey(enrollment, partner_worker)
    assert mail.outbox == [], "partner contact sends no email at all"
    # Every email the platform sends to the participant and the therapist.
    thread = Thread.objects.get(enrollment=enrollment)
    for sender, side in ((therapist, "participant"), (participant, "team")):
        message_send(sender=sender, thread=thread, body="Hello", client_id=uuid.uuid4())
        Thread.objects.filter(pk=thread.pk).update(
            participant_notified_at=None, team_notified_at=None
        )
        notify_new_message.call(thread.pk, side)
    for person in (participant, therapist):
        Client().post(reverse("account_reset_password"), {"email": person.email})
    verified_client(participant).post(
        reverse("accounts:email_change"), {"email": "new-address@example.org"}
    )
    assert len(mail.outbox) >= 3
    for sent in mail.outbox:
        text = (sent.subject + sent.body + str(sent.alternatives)).encode()
        assert not any(secret in text for secret in SECRETS), sent.subject


def _normalised(content: bytes) -> bytes:
    """Without what differs on every render: form tokens and the no-JS form's fresh
    client_id."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"csrf", content)
    content = re.sub(rb'name="client_id" value="[^"]+"', b"client_id", content)
    return re.sub(rb'(name="csrf-token" content=")[^"]+', rb"\1", content)


@pytest.mark.django_db
def test_the_participants_pages_are_the_same_before_and_after(
    enrollment, participant, therapist, partner_worker
):
    paths = every_path(real_ids(enrollment, participant, therapist))
    client = verified_client(participant)

    def snapshot() -> dict[str, tuple[int, bytes]]:
        pages = {}
        for path in paths:
            response = client.get(path)
            pages[path] = (response.status_code, _normalised(_body(response)))
        return pages

    before = snapshot()
    run_worker_journey(enrollment, partner_worker)
    after = snapshot()
    # The ids of the new case are walked after too: for the participant they are 404s.
    changed = [p for p in paths if before[p] != after[p]]
    assert changed == []
    assert sum(status == 200 for status, _ in after.values()) > 10
    my_log = client.get(reverse("accounts:my_access_log"))
    assert not any(secret in _body(my_log) for secret in SECRETS)
    assert b"partner" not in _body(my_log).lower()


@pytest.mark.django_db(transaction=True)
async def test_the_socket_carries_nothing_of_the_case(
    in_memory_channel_layer, enrollment, participant, therapist, partner_worker
):
    from tests.helpers import next_frame, open_socket

    await sync_to_async(run_worker_journey)(enrollment, partner_worker)
    thread = await Thread.objects.aget(enrollment=enrollment)
    for person in (participant, therapist):
        communicator, connected, _code = await open_socket(person, thread)
        assert connected
        await communicator.send_json_to({"type": "sync", "after": 0})
        answer = await next_frame(communicator, "sync")
        await communicator.disconnect()
        assert MARK not in str(answer)


def test_nothing_on_the_participants_side_imports_the_partner_app():
    """The wall in the code: only the settings (INSTALLED_APPS) and the URL configuration
    name the partner app."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR) / "platform"
    offenders = []
    for source in root.rglob("*.py"):
        relative = source.relative_to(root).as_posix()
        if relative.startswith("partner/") or relative in ("config/urls.py", "config/settings.py"):
            continue
        text = source.read_text()
        if re.search(r"^\s*(from|import)\s+partner\b", text, re.M) or re.search(
            r"[\"']partner[.\"']", text
        ):
            offenders.append(relative)
    assert offenders == []
