"""The discreet email: to an offline recipient only, at most one per thread and side per
15 minutes, never with the text or the sender's name, sent by the task worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from messaging.models import Side, Thread
from messaging.services import presence_seen, thread_mark_read
from messaging.tasks import notify_new_message
from modules.services import enrollment_assign
from tests.helpers import send

pytestmark = pytest.mark.django_db

SECRET_TEXT = "I pushed her against the wall"


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens connections
def test_the_worker_emails_an_offline_therapist_without_content(thread, participant, therapist):
    send(participant, thread, SECRET_TEXT)
    assert mail.outbox == []  # nothing until the worker runs the queued task
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [therapist.email]
    assert email.subject == "Du har ett nytt meddelande i Omtag"
    for leak in (SECRET_TEXT, "pushed", participant.display_name, participant.email):
        assert leak not in email.subject and leak not in email.body
    assert "/account/login/" in email.body


def test_the_participant_is_emailed_about_the_therapists_answer(thread, participant, therapist):
    send(therapist, thread, "Thank you for writing.")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.PARTICIPANT) == 1
    assert mail.outbox[0].to == [participant.email]
    assert "Thank you" not in mail.outbox[0].body
    assert therapist.display_name not in mail.outbox[0].body


def test_an_online_recipient_gets_no_email(thread, participant, therapist):
    presence_seen(user_id=therapist.pk)
    send(participant, thread, "Hello")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 0
    assert mail.outbox == []


def test_a_recipient_who_went_away_is_emailed(thread, participant, therapist):
    from messaging.models import Presence

    presence_seen(user_id=therapist.pk)
    Presence.objects.filter(user=therapist).update(seen_at=timezone.now() - timedelta(minutes=5))
    send(participant, thread, "Hello")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 1


def test_at_most_one_email_per_thread_per_fifteen_minutes(thread, participant, therapist):
    send(participant, thread, "one")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 1
    send(participant, thread, "two")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 0
    Thread.objects.filter(pk=thread.pk).update(
        team_notified_at=timezone.now() - timedelta(minutes=16)
    )
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 1
    assert len(mail.outbox) == 2


def test_no_email_when_already_read(thread, participant, therapist):
    send(participant, thread, "one")
    thread_mark_read(user=therapist, thread=thread, up_to=1)
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 0


def test_a_participant_who_chose_no_email_gets_none(thread, participant, therapist):
    participant.message_email = False
    participant.save(update_fields=["message_email"])
    send(therapist, thread, "Hello")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.PARTICIPANT) == 0
    assert mail.outbox == []


def test_the_substitute_is_emailed_too_and_a_former_therapist_is_not(
    thread, enrollment, participant, therapist, other_therapist, admin_user
):
    enrollment_assign(
        actor=admin_user, enrollment=enrollment, therapist=other_therapist, substitute=None
    )
    send(participant, thread, "Hello")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 1
    assert mail.outbox[0].to == [other_therapist.email]
    Thread.objects.filter(pk=thread.pk).update(team_notified_at=None)
    enrollment_assign(
        actor=admin_user, enrollment=enrollment, therapist=other_therapist, substitute=therapist
    )
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM) == 2
    assert sorted(m.to[0] for m in mail.outbox[1:]) == sorted(
        [therapist.email, other_therapist.email]
    )


@pytest.mark.django_db(transaction=True)  # the task is queued after commit
def test_no_task_is_queued_while_the_side_was_emailed_in_the_last_15_minutes(
    thread, participant, therapist
):
    """The task could only find the 15-minute slot taken, so a conversation does not queue
    one per message; once the slot is free again, the next message queues one."""
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path__endswith=".notify_new_message")
    Thread.objects.filter(pk=thread.pk).update(
        team_notified_at=timezone.now() - timedelta(minutes=5)
    )
    send(participant, thread, "Hello")
    send(therapist, thread, "Hello to you")  # the other side was never emailed: queued
    assert [r.args_kwargs["kwargs"]["side"] for r in queued] == [Side.PARTICIPANT]
    Thread.objects.filter(pk=thread.pk).update(
        team_notified_at=timezone.now() - timedelta(minutes=16)
    )
    send(participant, thread, "Hello again")
    assert queued.all().count() == 2


def test_a_notification_run_again_sends_no_second_email(thread, participant, therapist):
    send(participant, thread, "Hello")
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM, key="message:1") == 1
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM, key="message:1") == 0
    assert len(mail.outbox) == 1


def test_a_notification_whose_sending_failed_is_sent_when_run_again(
    thread, participant, therapist, monkeypatch
):
    """The first run took the slot and recorded the email, then failed to send: the run
    again (the worker retries a task whose worker died) sends it, though the slot is taken."""
    from messaging import notifications

    def fail(*args, **kwargs):
        raise ConnectionError("the mail server is away")

    send(participant, thread, "Hello")
    monkeypatch.setattr(notifications, "send_discreet_email", fail)
    with pytest.raises(ConnectionError):
        notify_new_message.call(thread_id=thread.pk, side=Side.TEAM, key="message:1")
    monkeypatch.undo()
    assert mail.outbox == []
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM, key="message:1") == 1
    assert mail.outbox[0].to == [therapist.email]
    # A new message inside the 15 minutes is a new notification: no email.
    assert notify_new_message.call(thread_id=thread.pk, side=Side.TEAM, key="message:2") == 0
