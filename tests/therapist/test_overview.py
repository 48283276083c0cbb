"""The participant overview: the latest messages with a reply form, risk signals as the
therapist reads them, and a query count that does not grow with the record."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from measures.instruments import seed_instruments
from measures.models import Instrument, InstrumentItem, MeasureResponse, Occasion
from measures.services import schedule_default
from messaging.models import Message, Thread
from modules.checkin import RISK_REASONS, assess
from modules.models import EnrollmentStatus, ModuleProgress, ModuleState, RiskSignal
from modules.services import checkin_submit, risk_signal_raise
from tests.helpers import modules_of, save_answer, send, verified_client
from therapist.models import CaseNote
from therapist.selectors import OVERVIEW_MESSAGES

pytestmark = pytest.mark.django_db

CHECKIN = {
    "violence": "no",
    "violence_kinds": [],
    "closeness": 2,
    "children": "no",
    "home": "calm",
    "harm_thoughts": "no",
    "free_text": "",
}


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _overview(enrollment):
    return reverse("therapist:participant", args=[enrollment.public_id])


def _bodies(html: str) -> list[str]:
    return re.findall(r'<div class="msg-body">(.*?)</div>', html, re.DOTALL)


# --- The thread on the overview -------------------------------------------------------------


def test_the_latest_messages_show_oldest_first_with_a_link_to_all(
    enrollment, participant, therapist, settings
):
    settings.MESSAGE_RATE_LIMIT_PER_MINUTE = 1000
    thread = Thread.objects.get(enrollment=enrollment)
    for n in range(1, 13):
        send(participant if n % 2 else therapist, thread, f"Message number {n}")
    client = _english(verified_client(therapist))
    page = client.get(_overview(enrollment)).content.decode()
    assert _bodies(page) == [f"Message number {n}" for n in range(13 - OVERVIEW_MESSAGES, 13)]
    thread_url = reverse("messaging:thread", args=[thread.public_id])
    assert f'href="{thread_url}"' in page and "Show all messages" in page
    assert "The latest 10 messages." in page


def test_the_reply_form_posts_to_the_thread_and_lands_on_it(enrollment, participant, therapist):
    thread = Thread.objects.get(enrollment=enrollment)
    send(participant, thread, "Can we talk about the plan?")
    client = verified_client(therapist)
    page = client.get(_overview(enrollment)).content.decode()
    thread_url = reverse("messaging:thread", args=[thread.public_id])
    form = re.search(
        r'<form method="post" action="([^"]+)" class="card message-form">(.*?)</form>',
        page,
        re.DOTALL,
    )
    assert form is not None and form.group(1) == thread_url
    client_id = re.search(r'name="client_id" value="([^"]+)"', form.group(2)).group(1)
    response = client.post(form.group(1), {"body": "Yes, tomorrow.", "client_id": client_id})
    assert response.status_code == 302 and response["Location"].startswith(thread_url)
    assert Message.objects.filter(thread=thread, sender=therapist, body="Yes, tomorrow.").exists()


def test_user_text_in_the_embedded_thread_is_escaped(enrollment, participant, therapist):
    send(participant, Thread.objects.get(enrollment=enrollment), "<script>alert(1)</script>")
    page = verified_client(therapist).get(_overview(enrollment)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_an_ended_treatment_shows_the_thread_but_no_form(enrollment, participant, therapist):
    send(participant, Thread.objects.get(enrollment=enrollment), "Goodbye")
    type(enrollment).objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.COMPLETED)
    page = verified_client(therapist).get(_overview(enrollment)).content.decode()
    assert "Goodbye" in page and 'name="client_id"' not in page


def test_showing_messages_on_the_overview_is_logged_as_reading_them(
    enrollment, participant, therapist
):
    client = verified_client(therapist)
    client.get(_overview(enrollment))
    # Nothing to read yet: only the overview itself.
    assert list(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.RECORD_VIEWED, actor=therapist, subject=participant
        ).values_list("detail", flat=True)
    ) == ["overview"]
    send(participant, Thread.objects.get(enrollment=enrollment), "Hej")
    client.get(_overview(enrollment))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RECORD_VIEWED,
        actor=therapist,
        subject=participant,
        detail="messages",
        target_type="thread",
    ).exists()


# --- Risk signals -----------------------------------------------------------------------------


def test_a_signal_without_reasons_has_no_empty_list(enrollment, therapist):
    risk_signal_raise(enrollment=enrollment, source=RiskSignal.Source.PARTNER_CONTACT, level="high")
    page = verified_client(therapist).get(_overview(enrollment)).content.decode()
    risk = page[page.index('id="risk"') : page.index('id="messages"')]
    assert '<article class="signal">' in risk
    assert "<ul></ul>" not in risk and "<ul>" not in risk.split("<form")[0]


def test_checkin_reasons_show_as_labels_not_keys(enrollment, participant, therapist):
    checkin_submit(
        participant=participant,
        enrollment=enrollment,
        answers={**CHECKIN, "violence": "yes", "violence_kinds": ["threats"], "closeness": 9},
    )
    page = _english(verified_client(therapist)).get(_overview(enrollment)).content.decode()
    risk = page[page.index('id="risk"') : page.index('id="messages"')]
    assert "Violence or threats reported" in risk and "violence_reported" not in risk
    assert "Close to using violence" in risk and "close_to_violence" not in risk


def test_every_reason_the_checkin_can_give_has_a_label():
    everything = {**CHECKIN, "violence": "yes", "closeness": 10, "children": "yes"}
    everything["harm_thoughts"] = "yes"
    reasons = assess(everything, {"closeness": 0}).reasons
    # The one other reason comes from a questionnaire (measures), not from assess().
    assert len(reasons) == 5 and set(reasons) == set(RISK_REASONS) - {"measure_item_flagged"}


def test_a_message_reason_says_which_message(enrollment, therapist):
    RiskSignal.objects.create(
        enrollment=enrollment, source="message", level="high", reasons=["message 4: döda*"]
    )
    page = _english(verified_client(therapist)).get(_overview(enrollment)).content.decode()
    assert "Message 4: “döda*”" in page


def test_acknowledged_signals_keep_their_reasons_and_drop_empty_brackets(enrollment, therapist):
    for reasons in (["children_affected"], []):
        RiskSignal.objects.create(
            enrollment=enrollment,
            source="checkin",
            level="high",
            reasons=reasons,
            acknowledged_by=therapist,
            acknowledgement="Called.",
            acknowledged_at=enrollment.created_at,
        )
    page = _english(verified_client(therapist)).get(_overview(enrollment)).content.decode()
    closed = page[page.index("<details>") : page.index("</details>")]
    assert "(Children present or affected)" in closed and "()" not in closed


# --- Query count ------------------------------------------------------------------------------


def test_the_overview_query_count_does_not_grow_with_the_record(
    enrollment, participant, therapist, settings
):
    settings.MESSAGE_RATE_LIMIT_PER_MINUTE = 10_000
    client = verified_client(therapist)
    url = _overview(enrollment)
    thread = Thread.objects.get(enrollment=enrollment)

    def measure() -> int:
        client.get(url)  # warm: session, roles, site and locale lookups
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add(n: int, modules: slice) -> None:
        for i in range(n):
            send(participant if i % 2 else therapist, thread, f"Message {i}")
            checkin_submit(
                participant=participant,
                enrollment=enrollment,
                answers={**CHECKIN, "closeness": i % 11, "children": "yes" if i % 3 else "no"},
            )
            CaseNote.objects.create(enrollment=enrollment, author=therapist, body=f"Note {i}")
        for module in modules_of(enrollment.programme)[modules]:
            for block in module.body:
                if block.block_type == "reflection":
                    save_answer(participant, enrollment, module, block.id, "An answer")
                elif block.block_type == "worksheet":
                    save_answer(participant, enrollment, module, block.id, ["A", "B"])

    # Measures: one instrument answered at the start for "few", all four at the start and
    # at the end (with a flagged answer) for "many"; something is due in both.
    seed_instruments(Instrument, InstrumentItem)
    schedule_default(enrollment.programme)
    instruments = {i.key: i for i in Instrument.objects.all()}

    def respond(key: str, occasion: str, value: int) -> None:
        items = list(instruments[key].items.order_by("order"))
        MeasureResponse.objects.create(
            enrollment=enrollment,
            instrument=instruments[key],
            occasion=occasion,
            answers={item.key: value for item in items},
            score=value * len(items),
        )

    add(1, modules=slice(0, 1))
    respond("gad-7", Occasion.INTAKE, 1)
    few = measure()
    ModuleProgress.objects.filter(enrollment=enrollment).update(state=ModuleState.UNLOCKED)
    add(40, modules=slice(1, 3))
    for key in ("phq-9", "audit", "violence-checklist"):
        respond(key, Occasion.INTAKE, 2)
    for key in ("phq-9", "gad-7", "violence-checklist"):
        respond(key, Occasion.COMPLETION, 1)
    assert RiskSignal.objects.filter(enrollment=enrollment).count() > 20
    assert Message.objects.filter(thread=thread).count() > OVERVIEW_MESSAGES
    many = measure()
    assert many == few
    page = client.get(url).content.decode()
    assert page[page.index('<section id="measures"') :].count('class="chart-point"') == 7


def test_the_checkin_table_names_the_kinds_of_violence_in_the_readers_language(
    enrollment, participant, therapist
):
    checkin_submit(
        participant=participant,
        enrollment=enrollment,
        answers={**CHECKIN, "violence": "yes", "violence_kinds": ["threats", "economic"]},
    )
    page = verified_client(therapist).get(_overview(enrollment)).content.decode()
    table = page[page.index('id="checkins"') :]
    assert "Hot eller skrämmande beteende" in table and "Ekonomiskt" in table
    assert "(threats" not in table and "economic)" not in table
