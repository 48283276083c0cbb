"""The discreet email to a recipient who is not online: run by the task worker after a
message is committed. It never says who wrote or what: only that there is something new."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from accounts.models import Role, User

from .models import Side, Thread
from .selectors import is_online


def _recipients(thread: Thread, side: str) -> list[User]:
    enrollment = thread.enrollment
    if side == Side.PARTICIPANT:
        people = [enrollment.participant]
        role = Role.PARTICIPANT
    else:
        people = [enrollment.therapist, enrollment.substitute]
        role = Role.THERAPIST
    return [
        p
        for p in people
        if p is not None and p.is_active and p.locked_at is None and p.has_role(role)
    ]


def _send_one(user: User) -> None:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "site_name": settings.SITE_NAME,
            "login_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("account_login"),
        }
        subject = render_to_string("messaging/email/new_message_subject.txt", context).strip()
        body = render_to_string("messaging/email/new_message.txt", context)
    send_mail(subject, body, None, [user.email])


@task()
def notify_new_message(thread_id: int, side: str) -> int:
    """Email the `side` of the thread about unread messages, unless each person is online,
    has chosen no email, or the side was emailed about this thread in the last 15 minutes.
    Returns how many emails were sent."""
    thread = (
        Thread.objects.select_related(
            "enrollment__participant", "enrollment__therapist", "enrollment__substitute"
        )
        .filter(pk=thread_id)
        .first()
    )
    if thread is None or thread.read_seq(side) >= thread.last_seq:
        return 0  # already read (or gone)
    people = [p for p in _recipients(thread, side) if p.message_email and not is_online(p.pk)]
    if not people:
        return 0
    field = "participant_notified_at" if side == Side.PARTICIPANT else "team_notified_at"
    now = timezone.now()
    # Claim the 15-minute slot in one conditional update, so two workers never both send.
    claimed = Thread.objects.filter(
        Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now - Thread.NOTIFY_EVERY}),
        pk=thread.pk,
    ).update(**{field: now})
    if not claimed:
        return 0
    for person in people:
        _send_one(person)
    return len(people)
