"""Reads limited to what the asking user may see. A thread is visible to its participant and
to the enrollment's assigned therapist and substitute (while they hold the therapist role);
nobody else, whatever their role, sees it or learns that it exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from modules.models import EnrollmentStatus

from .models import Message, Side, Thread

PAGE_SIZE = 50
SYNC_LIMIT = 200
WRITABLE_STATUSES = [EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED]


def threads_for_user(user: User) -> QuerySet[Thread]:
    if not user.is_authenticated or not user.is_active:
        return Thread.objects.none()
    visible = Q(pk__in=[])
    if user.has_role(Role.PARTICIPANT):
        visible |= Q(enrollment__participant=user) & ~Q(enrollment__status=EnrollmentStatus.INVITED)
    if user.has_role(Role.THERAPIST):
        visible |= Q(enrollment__therapist=user) | Q(enrollment__substitute=user)
    return Thread.objects.filter(visible)


def thread_for_user(user: User, public_id: UUID | str) -> Thread | None:
    try:
        key = UUID(str(public_id))
    except ValueError:
        return None
    return (
        threads_for_user(user)
        .select_related("enrollment__participant", "enrollment__therapist")
        .filter(public_id=key)
        .first()
    )


def thread_or_404(user: User, public_id: UUID | str) -> Thread:
    thread = thread_for_user(user, public_id)
    if thread is None:
        raise Http404
    return thread


def may_see(user_id: int, thread_id: int) -> bool:
    """The socket's re-check: one indexed query."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user is not None and threads_for_user(user).filter(pk=thread_id).exists()


def side_of(user: User, thread: Thread) -> str:
    return Side.PARTICIPANT if thread.enrollment.participant_id == user.pk else Side.TEAM


def may_write(thread: Thread) -> bool:
    return thread.enrollment.status in WRITABLE_STATUSES


def participant_thread(user: User) -> Thread | None:
    """The participant's current thread: that of their open enrollment, else their latest."""
    threads = threads_for_user(user).filter(enrollment__participant=user)
    return threads.order_by("-enrollment__created_at").first()


def messages_page(thread: Thread, *, before: int | None = None) -> tuple[list[Message], bool]:
    """The newest PAGE_SIZE messages (before `before`, for paging back), oldest first, and
    whether older ones exist."""
    qs = thread.messages.select_related("sender")
    if before is not None:
        qs = qs.filter(seq__lt=before)
    newest = list(qs.order_by("-seq")[: PAGE_SIZE + 1])
    has_older = len(newest) > PAGE_SIZE
    return list(reversed(newest[:PAGE_SIZE])), has_older


def messages_after(thread_id: int, after: int) -> tuple[list[Message], bool]:
    rows = list(
        Message.objects.filter(thread_id=thread_id, seq__gt=after)
        .select_related("sender")
        .order_by("seq")[: SYNC_LIMIT + 1]
    )
    return rows[:SYNC_LIMIT], len(rows) > SYNC_LIMIT


def unread_count(thread: Thread, side: str) -> int:
    """Messages from the other side after this side's read marker."""
    return (
        Message.objects.filter(thread=thread, seq__gt=thread.read_seq(side))
        .exclude(side=side)
        .count()
    )


def participant_unread(user: User) -> int:
    thread = participant_thread(user)
    return unread_count(thread, Side.PARTICIPANT) if thread is not None else 0


@dataclass
class ThreadRow:
    thread: Thread
    unread: int

    @property
    def participant(self) -> Any:
        return self.thread.enrollment.participant


def team_threads(user: User) -> list[ThreadRow]:
    """The therapist's threads with their unread counts, in one query; unread first, then
    the most recently active."""
    unread = Count(
        "messages",
        filter=Q(messages__seq__gt=F("team_read_seq"), messages__side=Side.PARTICIPANT),
    )
    qs = (
        threads_for_user(user)
        .filter(Q(enrollment__therapist=user) | Q(enrollment__substitute=user))
        .select_related("enrollment__participant")
        .annotate(unread=unread)
        .order_by("-unread", F("last_message_at").desc(nulls_last=True), "pk")
    )
    return [ThreadRow(thread=t, unread=t.unread) for t in qs]
