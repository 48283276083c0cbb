"""message_send and friends: who may write and read, what is stored, what is refused."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from messaging import selectors
from messaging.models import Message, Side
from messaging.services import (
    BODY_MAX,
    RateLimited,
    message_send,
    thread_mark_read,
)
from modules.models import EnrollmentStatus
from modules.services import enrollment_assign
from tests.helpers import send, verified_client, wait_for_a_fresh_minute

pytestmark = pytest.mark.django_db


def test_a_new_enrollment_has_its_thread(thread, enrollment):
    assert thread.enrollment == enrollment
    assert thread.last_seq == 0


def test_participant_and_therapist_write_to_each_other_in_order(thread, participant, therapist):
    first = send(participant, thread, "I had a hard evening yesterday")
    second = send(therapist, thread, "Thank you for telling me.")
    assert (first.seq, first.side) == (1, Side.PARTICIPANT)
    assert (second.seq, second.side) == (2, Side.TEAM)
    assert [m.body for m in thread.messages.order_by("seq")] == [
        "I had a hard evening yesterday",
        "Thank you for telling me.",
    ]


def test_a_retry_with_the_same_client_id_returns_the_first_message(thread, participant):
    client_id = str(uuid.uuid4())
    first, created = message_send(
        sender=participant, thread=thread, body="Once", client_id=client_id
    )
    again, created_again = message_send(
        sender=participant, thread=thread, body="Once", client_id=client_id
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Message.objects.filter(thread=thread).count() == 1


def test_someone_elses_client_id_is_refused_not_returned(thread, participant, therapist):
    client_id = str(uuid.uuid4())
    send(participant, thread, "Mine", client_id=client_id)
    with pytest.raises(ValidationError):
        message_send(sender=therapist, thread=thread, body="Theirs", client_id=client_id)


@pytest.mark.parametrize(
    "who", ["other_therapist", "participant2", "editor", "partner_worker", "admin_user"]
)
def test_nobody_else_may_write_or_read(request, thread, who):
    outsider = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        send(outsider, thread, "Hello?")
    assert selectors.thread_for_user(outsider, thread.public_id) is None
    assert not selectors.threads_for_user(outsider).exists()
    assert Message.objects.count() == 0


def test_body_is_cleaned_and_limited(thread, participant):
    message = send(participant, thread, "  line one\r\nline\x00 two\x1b[31m\u202e  ")
    assert message.body == "line one\nline two[31m"
    for bad in ["", "   \n\t ", "\x00\x01", None, 42, ["list"]]:
        with pytest.raises(ValidationError) as caught:
            send(participant, thread, bad)  # type: ignore[arg-type]
        assert caught.value.code == "empty"
    with pytest.raises(ValidationError) as caught:
        send(participant, thread, "x" * (BODY_MAX + 1))
    assert caught.value.code == "too_long"
    assert send(participant, thread, "x" * BODY_MAX).body == "x" * BODY_MAX
    assert thread.messages.count() == 2


def test_a_bad_client_id_is_refused(thread, participant):
    for bad in ["", "not-a-uuid", "1"]:
        with pytest.raises(ValidationError):
            message_send(sender=participant, thread=thread, body="x", client_id=bad)


def test_a_flood_is_stopped_after_thirty_a_minute(thread, participant, therapist):
    wait_for_a_fresh_minute()
    for _ in range(settings.MESSAGE_RATE_LIMIT_PER_MINUTE):
        send(participant, thread)
    with pytest.raises(RateLimited):
        send(participant, thread)
    # The limit is the sender's own: the therapist can still answer.
    send(therapist, thread, "Answer")
    assert thread.messages.count() == settings.MESSAGE_RATE_LIMIT_PER_MINUTE + 1


def test_an_ended_treatment_keeps_its_history_but_takes_no_new_messages(
    thread, enrollment, participant
):
    send(participant, thread, "Before the end")
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.save(update_fields=["status"])
    with pytest.raises(ValidationError) as caught:
        send(participant, thread, "After")
    assert caught.value.code == "closed"
    assert selectors.thread_for_user(participant, thread.public_id) is not None


def test_read_markers_and_unread_counts(thread, participant, therapist):
    for i in range(3):
        send(participant, thread, f"p{i}")
    thread.refresh_from_db()
    assert selectors.unread_count(thread, Side.TEAM) == 3
    assert selectors.unread_count(thread, Side.PARTICIPANT) == 0  # own messages count as read
    assert thread_mark_read(user=therapist, thread=thread, up_to=2) == 2
    thread.refresh_from_db()
    assert selectors.unread_count(thread, Side.TEAM) == 1
    # Never backwards, never past the last message.
    assert thread_mark_read(user=therapist, thread=thread, up_to=1) == 2
    assert thread_mark_read(user=therapist, thread=thread, up_to=999) == 3
    thread.refresh_from_db()
    assert selectors.unread_count(thread, Side.TEAM) == 0
    rows = selectors.team_threads(therapist)
    assert [(r.thread.pk, r.unread) for r in rows] == [(thread.pk, 0)]


def test_unread_counts_on_the_therapists_list_take_one_query(
    django_assert_num_queries, thread, participant, therapist, participant2, other_therapist
):
    send(participant, thread, "one")
    send(participant, thread, "two")
    therapist.roles  # noqa: B018 - loaded at login on a real request
    with django_assert_num_queries(1):
        rows = selectors.team_threads(therapist)
    assert [r.unread for r in rows] == [2]


def test_reassignment_moves_the_history_to_the_new_therapist(
    thread, enrollment, participant, therapist, other_therapist, admin_user
):
    send(participant, thread, "Before the change")
    enrollment_assign(actor=admin_user, enrollment=enrollment, therapist=other_therapist)
    assert selectors.thread_for_user(therapist, thread.public_id) is None
    new_view = selectors.thread_for_user(other_therapist, thread.public_id)
    assert new_view is not None
    assert [m.body for m in new_view.messages.all()] == ["Before the change"]
    with pytest.raises(PermissionDenied):
        send(therapist, thread, "Still here?")


def test_only_an_admin_reassigns(enrollment, therapist, other_therapist):
    with pytest.raises(PermissionDenied):
        enrollment_assign(actor=therapist, enrollment=enrollment, therapist=other_therapist)


def test_a_substitute_reads_and_writes_as_the_care_team(
    thread, enrollment, participant, therapist, other_therapist, admin_user
):
    enrollment_assign(
        actor=admin_user, enrollment=enrollment, therapist=therapist, substitute=other_therapist
    )
    message = send(other_therapist, thread, "I am covering this week.")
    assert message.side == Side.TEAM
    thread_mark_read(user=other_therapist, thread=thread, up_to=1)
    thread.refresh_from_db()
    assert thread.team_read_seq == 1


def test_risk_words_in_a_participants_message_raise_a_signal_for_the_therapist(
    thread, enrollment, participant, therapist
):
    from modules.models import RiskSignal

    send(participant, thread, "Jag ville ta kniven igår")
    send(therapist, thread, "Du nämnde en kniv: ring mig.")  # the therapist's words do not count
    signal = RiskSignal.objects.get(enrollment=enrollment)
    assert signal.source == "message" and signal.level == "high"
    assert signal.reasons == ["message 1: kniv*"]
    enrollment.refresh_from_db()
    assert enrollment.last_active_at is not None
    page = verified_client(participant).get(reverse("modules:home")).content.decode()
    assert "kniv" not in page and "risk" not in page.lower()
