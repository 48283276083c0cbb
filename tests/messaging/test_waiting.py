"""Waiting for the therapist (issue 14, item 1): a participant's message waits until the care
team answers it or a therapist marks it as needing no reply, whatever has been read. One
definition (messaging.selectors.waiting_messages) behind the caseload, its filter, the
navigation badge, the inbox and the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from messaging import selectors
from messaging.models import Message, Thread, WaitClosure
from messaging.services import thread_close_wait, thread_mark_read
from tests.helpers import enroll, make_programme, send, verified_client

pytestmark = pytest.mark.django_db


def _close_url(thread: Thread) -> str:
    return reverse("messaging:close_wait", args=[thread.public_id])


def _waits(thread: Thread) -> bool:
    return selectors.thread_wait(thread)[0] is not None


def _caseload(client, show="all") -> list[str]:
    response = client.get(reverse("therapist:home"), {"show": show})
    return [row.participant.display_name for row in response.context["rows"]]


# --- The definition -------------------------------------------------------------------------


def test_a_message_still_waits_after_the_therapist_has_read_it(thread, participant, therapist):
    first = send(participant, thread, "Jag hade en jobbig kväll igår, kan vi prata om det?")
    send(participant, thread, "Är du där?")
    thread_mark_read(user=therapist, thread=thread, up_to=2)
    thread.refresh_from_db()
    assert selectors.unread_count(thread, "team") == 0  # read...
    since, count = selectors.thread_wait(thread)
    assert (since, count) == (first.created_at, 2)  # ...and still waiting, since the first
    assert selectors.waiting_thread_count(therapist) == 1


def test_the_therapists_answer_ends_the_wait_and_a_new_message_starts_it_again(
    thread, participant, therapist
):
    send(participant, thread, "Hej")
    send(therapist, thread, "Hej, jag läser.")
    assert not _waits(thread)
    assert selectors.waiting_thread_count(therapist) == 0
    later = send(participant, thread, "En sak till")
    assert selectors.thread_wait(thread) == (later.created_at, 1)


def test_nothing_waits_in_a_thread_where_only_the_therapist_wrote(thread, therapist):
    send(therapist, thread, "Välkommen")
    assert not _waits(thread)


def test_no_reply_needed_ends_the_wait_is_recorded_and_logged_and_is_undone_by_a_new_message(
    thread, participant, therapist
):
    send(participant, thread, "Tack för idag!")
    send(participant, thread, "Vi hörs")
    closure = thread_close_wait(actor=therapist, thread=thread)
    assert (closure.thread, closure.seq, closure.closed_by) == (thread, 2, therapist)
    assert timezone.now() - closure.closed_at < timedelta(minutes=1)
    assert not _waits(thread)
    event = AuditEvent.objects.get(action=AuditEvent.Action.NO_REPLY_NEEDED)
    assert (event.actor, event.subject, event.target_id) == (
        therapist,
        participant,
        str(thread.public_id),
    )
    assert "2" in event.detail
    # Nothing to close now.
    with pytest.raises(ValidationError):
        thread_close_wait(actor=therapist, thread=thread)
    again = send(participant, thread, "Förresten, en fråga")
    assert selectors.thread_wait(thread) == (again.created_at, 1)


def test_only_the_care_team_may_close_a_wait(thread, participant, therapist, other_therapist):
    send(participant, thread, "Hej")
    for outsider in (participant, other_therapist):
        with pytest.raises(PermissionDenied):
            thread_close_wait(actor=outsider, thread=thread)
    assert not WaitClosure.objects.exists()
    assert _waits(thread)


def test_closing_someone_elses_thread_over_http_is_not_found_and_changes_nothing(
    thread, participant, therapist, other_therapist
):
    send(participant, thread, "Hej")
    # Another therapist (IDOR) and the participant themself: 404, as for a missing thread.
    assert verified_client(other_therapist).post(_close_url(thread)).status_code == 404
    assert verified_client(participant).post(_close_url(thread)).status_code == 404
    # Not logged in: to the login page.
    anonymous = Client().post(_close_url(thread))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    # GET does nothing either.
    assert verified_client(therapist).get(_close_url(thread)).status_code == 405
    assert not WaitClosure.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.NO_REPLY_NEEDED).exists()
    assert _waits(thread)


def test_the_therapist_closes_the_wait_from_the_thread_page(thread, participant, therapist):
    send(participant, thread, "Tack, det var allt.")
    client = verified_client(therapist)
    page = client.get(reverse("messaging:thread", args=[thread.public_id])).content.decode()
    assert "Kräver inget svar" in page and "1 meddelande väntar på ditt svar" in page
    assert 'name="up_to" value="1"' in page  # what the page showed
    response = client.post(_close_url(thread), {"up_to": "1"}, follow=True)
    page = response.content.decode()
    assert "Markerat som att det inte kräver svar" in page
    assert "Kräver inget svar" not in page  # the button goes with the wait
    assert not _waits(thread)


def test_a_message_that_came_after_the_page_was_shown_is_not_closed_unseen(
    thread, participant, therapist
):
    send(participant, thread, "Tack, det var allt.")
    client = verified_client(therapist)
    page = client.get(reverse("messaging:thread", args=[thread.public_id])).content.decode()
    assert 'name="up_to" value="1"' in page
    later = send(participant, thread, "Fast nu mår jag sämre igen.")
    client.post(_close_url(thread), {"up_to": "1"})
    assert WaitClosure.objects.get(thread=thread).seq == 1
    assert selectors.thread_wait(thread) == (later.created_at, 1)
    # A form without what the page showed closes nothing.
    client.post(_close_url(thread), {"up_to": "nonsense"})
    assert WaitClosure.objects.count() == 1 and _waits(thread)


def test_the_participant_never_sees_the_wait_box(thread, participant):
    send(participant, thread, "Hej")
    page = verified_client(participant).get(reverse("messaging:thread", args=[thread.public_id]))
    assert "Kräver inget svar" not in page.content.decode()


# --- Where it shows -------------------------------------------------------------------------


def test_the_caseload_and_its_filter_keep_a_read_message_waiting(
    thread, enrollment, participant, therapist
):
    send(participant, thread, "Jag hade en jobbig kväll igår, kan vi prata om det?")
    client = verified_client(therapist)
    client.get(reverse("messaging:thread", args=[thread.public_id]))  # opened and left
    thread.refresh_from_db()
    assert thread.team_read_seq == 1
    assert _caseload(client, "waiting") == ["Alex"]
    home = client.get(reverse("therapist:home")).content.decode()
    assert "1 meddelande väntar på ditt svar" in home and "väntat" in home
    send(therapist, thread, "Ja, berätta.")
    assert _caseload(client, "waiting") == []
    assert "väntar på ditt svar" not in client.get(reverse("therapist:home")).content.decode()


def test_the_navigation_badge_counts_waiting_conversations_and_says_so(
    thread, other_thread, participant, participant2, therapist, other_therapist
):
    send(participant, thread, "Hej")
    send(participant2, other_thread, "Not Tove's")  # another therapist's: not counted
    client = verified_client(therapist)
    client.get(reverse("messaging:thread", args=[thread.public_id]))  # read, still waiting
    page = client.get(reverse("therapist:home")).content.decode()
    assert '<span class="badge badge-info">1<span class="visually-hidden"> väntar på svar' in page
    send(therapist, thread, "Svar")
    page = client.get(reverse("therapist:home")).content.decode()
    assert "väntar på svar</span>" not in page
    # A participant's own menu has no such badge.
    send(participant, thread, "Tack")
    assert "väntar på svar</span>" not in (
        verified_client(participant).get(reverse("modules:home")).content.decode()
    )


def test_the_inbox_puts_the_longest_wait_first_with_an_escaped_preview(therapist, participant):
    from tests.helpers import many_participants

    programme = make_programme(modules=1, answers_per_module=1)
    answered, recent, oldest, quiet = many_participants(4, therapist, programme)
    threads = {e: Thread.objects.get(enrollment=e) for e in (answered, recent, oldest, quiet)}
    send(answered.participant, threads[answered], "Answered already")
    send(therapist, threads[answered], "Here is my answer")
    send(recent.participant, threads[recent], "Kort fråga")
    long_body = "<script>alert(1)</script> " + "ord " * 40
    send(oldest.participant, threads[oldest], long_body)
    send(oldest.participant, threads[oldest], "And a second one")
    Message.objects.filter(thread=threads[oldest]).update(
        created_at=timezone.now() - timedelta(days=2, hours=1)
    )
    client = verified_client(therapist)
    response = client.get(reverse("messaging:inbox"))
    rows = response.context["rows"]
    assert [r.participant for r in rows[:2]] == [oldest.participant, recent.participant]
    assert {r.participant for r in rows[2:]} == {answered.participant, quiet.participant}
    assert [r.waiting for r in rows[:2]] == [2, 1]
    assert rows[0].preview.startswith("<script>alert(1)</script> ord")
    assert len(rows[0].preview) == 80 and rows[0].preview.endswith("…")
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; ord" in page
    assert "väntat 2\xa0dagar" in page  # timesince joins with a no-break space
    assert "Answered already" not in page  # no preview once answered


def test_the_inbox_and_the_caseload_take_the_same_queries_whatever_their_size(
    therapist, participant
):
    from tests.helpers import many_participants

    programme = make_programme(modules=1, answers_per_module=1)
    client = verified_client(therapist)

    def grow(start: int) -> None:
        for e in many_participants(3, therapist, programme, start=start):
            thread = Thread.objects.get(enrollment=e)
            send(e.participant, thread, "Hej")
            send(e.participant, thread, "Hej igen")
            send(therapist, thread, "Svar")
            send(e.participant, thread, "Tack")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow(0)
    for url in (reverse("messaging:inbox"), reverse("therapist:home")):
        count(url)  # once, so that what is read once per process is not counted
    small = {url: count(url) for url in (reverse("messaging:inbox"), reverse("therapist:home"))}
    grow(3)
    assert {url: count(url) for url in small} == small


def test_the_same_definition_in_an_ended_treatment(participant, therapist):
    """An ended treatment takes no new messages, but what its participant last wrote still
    waits (and can be closed) until someone answers or marks it."""
    from modules.models import EnrollmentStatus

    enrollment = enroll(participant, therapist, make_programme(modules=1, answers_per_module=1))
    thread = Thread.objects.get(enrollment=enrollment)
    send(participant, thread, "Sista meddelandet")
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.save(update_fields=["status"])
    assert selectors.waiting_thread_count(therapist) == 1
    thread_close_wait(actor=therapist, thread=thread)
    assert selectors.waiting_thread_count(therapist) == 0
