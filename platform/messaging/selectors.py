"""Reads limited to what the asking user may see. A thread is visible to its participant and
to the enrollment's assigned therapist and substitute while they hold the therapist role in
the enrollment's unit (a grant for the unit, or for its whole organisation); nobody else,
whatever their role, sees it or learns that it exists."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Substr
from django.http import Http404
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant, User
from modules.models import EnrollmentStatus

from .models import Message, Presence, Side, Thread, WaitClosure

PAGE_SIZE = 50
SYNC_LIMIT = 200
WRITABLE_STATUSES = [EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED]
# A socket pings every 30 s; a person is online while one of theirs pinged this recently.
ONLINE_WITHIN = timedelta(seconds=75)


def _participant_threads(user: int | OuterRef) -> Q:
    """The threads of the user's own enrollments, once the invitation is accepted."""
    return Q(enrollment__participant_id=user) & ~Q(enrollment__status=EnrollmentStatus.INVITED)


def _team_threads(user: int | OuterRef) -> Q:
    """The threads of the enrollments the user is the therapist or the substitute of."""
    return Q(enrollment__therapist_id=user) | Q(enrollment__substitute_id=user)


def therapist_in_unit(user: Any, unit: str = "enrollment__unit") -> Exists:
    """True when `user` (an id, or an OuterRef one level out from this subquery) holds the
    therapist role in the unit at `unit` of the enclosing query's row: granted for that unit,
    or for the whole of its organisation. THE care-team unit rule, for threads here and for
    the therapist's workbench (therapist.selectors, with unit="unit" on an Enrollment query)."""
    return Exists(
        RoleGrant.objects.filter(user_id=user, role=Role.THERAPIST).filter(
            Q(unit_id=OuterRef(f"{unit}_id"))
            | Q(unit__isnull=True, organisation_id=OuterRef(f"{unit}__organisation_id"))
        )
    )


def _team_in_unit(user: int | OuterRef) -> Q:
    """The care team's threads, in units where the user is a therapist (see
    therapist_in_unit)."""
    inner: Any = OuterRef(user) if isinstance(user, OuterRef) else user
    return _team_threads(user) & Q(therapist_in_unit(inner))


def visible_with_roles(user_id: int, roles: Collection[str]) -> Q:
    """The threads a user with `roles` may see: as a participant, their own; as a therapist,
    those of the enrollments they are on the care team of, in the units where they hold the
    role."""
    visible = Q(pk__in=[])
    if Role.PARTICIPANT in roles:
        visible |= _participant_threads(user_id)
    if Role.THERAPIST in roles:
        visible |= _team_in_unit(user_id)
    return visible


def access_for(user: int | OuterRef) -> Q:
    """visible_with_roles as one condition evaluated in the database, roles and all (the user
    an id, or an OuterRef to the user of an enclosing query), for the socket's re-checks,
    which compile it once and ask it again and again: the user is active and holds the role
    that each kind of access needs."""
    # One level deeper (the subqueries below), an outer reference must reach one level further.
    inner: Any = OuterRef(user) if isinstance(user, OuterRef) else user
    active = Exists(User.objects.filter(pk=inner, is_active=True))
    participant = _participant_threads(user) & Exists(
        RoleGrant.objects.filter(user_id=inner, role=Role.PARTICIPANT)
    )
    return Q(active) & (participant | _team_in_unit(user))


def threads_for_user(user: User) -> QuerySet[Thread]:
    if not user.is_authenticated or not user.is_active:
        return Thread.objects.none()
    return Thread.objects.filter(visible_with_roles(user.pk, user.roles))


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
    """The socket's re-check of a pushed message: one query."""
    return may_see_query(user_id, thread_id).exists()


def may_see_query(user_id: int, thread_id: int) -> QuerySet[Thread, Any]:
    """may_see as a query with a row when the answer is yes (for a socket to compile once)."""
    return Thread.objects.filter(access_for(user_id), pk=thread_id).values_list("pk")[:1]


def may_see_expression(thread_id: int) -> Exists:
    """may_see for the user of an outer User query (OuterRef("pk")), to be evaluated in the
    same query as the socket's session re-check."""
    return Exists(Thread.objects.filter(access_for(OuterRef("pk")), pk=thread_id))


def side_of(user: User, thread: Thread) -> str:
    return Side.PARTICIPANT if thread.enrollment.participant_id == user.pk else Side.TEAM


def may_write(thread: Thread) -> bool:
    return thread.enrollment.status in WRITABLE_STATUSES


def participant_thread(user: User) -> Thread | None:
    """The participant's current thread: that of their open enrollment, else their latest."""
    threads = threads_for_user(user).filter(enrollment__participant=user)
    return threads.order_by("-enrollment__created_at").first()


# How long after a message with risk words the conversation page keeps showing the
# participant what to do now (modules.safety): through the next visits that day.
SAFETY_WINDOW = timedelta(hours=24)


def participant_needs_safety(page: list[Message]) -> bool:
    """Whether one of the participant's own messages of the last SAFETY_WINDOW, among the
    newest messages the page shows, has risk words: the conversation page then shows them
    what to do now. Only the participant's own words count, never a risk signal (which may
    come from partner contact). One query (the risk words) when there is anything to scan."""
    from modules.safety import message_needs_safety

    since = timezone.now() - SAFETY_WINDOW
    bodies = [m.body for m in page if m.side == Side.PARTICIPANT and m.created_at >= since]
    # One scan for all of them; the separator keeps a phrase from spanning two messages.
    return bool(bodies) and message_needs_safety("\n·\n".join(bodies))


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


# --- Waiting for the care team ------------------------------------------------------------
#
# THE definition, used by the caseload (its order and its "waiting for me" filter), the
# navigation badge, the inbox, the thread and overview pages and the organisation report:
# a participant's message waits for the care team until the team writes in the thread after
# it, or a therapist closes the wait with "no reply needed" (a WaitClosure). Reading it does
# not end the wait: read markers are for "unread" only. A thread waits when it has such a
# message; it has waited since the first of them.


def _answered_seq() -> Greatest:
    """For a Message query: the seq up to which the message's thread is answered, the higher
    of the team's latest message and the latest "no reply needed" (0 for neither)."""
    team = (
        Message.objects.filter(thread=OuterRef("thread_id"), side=Side.TEAM)
        .order_by("-seq")
        .values("seq")[:1]
    )
    closed = (
        WaitClosure.objects.filter(thread=OuterRef("thread_id")).order_by("-seq").values("seq")[:1]
    )
    return Greatest(
        Coalesce(Subquery(team, output_field=IntegerField()), Value(0)),
        Coalesce(Subquery(closed, output_field=IntegerField()), Value(0)),
    )


def waiting_messages() -> QuerySet[Message]:
    """The participant messages that wait for the care team (see above), in every thread;
    narrow it to a thread (or an OuterRef to one)."""
    return (
        Message.objects.filter(side=Side.PARTICIPANT)
        .alias(answered_seq=_answered_seq())
        .filter(seq__gt=F("answered_seq"))
    )


def _of_thread(thread: Any) -> Q:
    """Rows of `thread` (a Thread, an id or an OuterRef), by default the enclosing query's."""
    return Q(thread=OuterRef("pk") if thread is None else thread)


def thread_waits(thread: Any = None) -> Exists:
    """True when the thread (by default that of an enclosing Thread query) waits."""
    return Exists(waiting_messages().filter(_of_thread(thread)))


def waiting_since(thread: Any = None) -> Subquery:
    """When the thread's first waiting message was written; NULL when nothing waits."""
    first = waiting_messages().filter(_of_thread(thread)).order_by("seq")
    return Subquery(first.values("created_at")[:1], output_field=DateTimeField())


def waiting_count(thread: Any = None) -> Coalesce:
    """How many of the thread's messages wait."""
    counted = (
        waiting_messages()
        .filter(_of_thread(thread))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


PREVIEW_CHARS = 80


def _waiting_preview(thread: Any = None) -> Subquery:
    # A little more than is shown, so the page can tell that the message goes on.
    first = waiting_messages().filter(_of_thread(thread)).order_by("seq")
    return Subquery(
        first.annotate(start=Substr("body", 1, PREVIEW_CHARS + 1)).values("start")[:1],
        output_field=TextField(),
    )


def team_waiting_threads(user: User) -> QuerySet[Thread]:
    """The threads that wait for `user` as their therapist or substitute. An ended treatment
    counts too: its participant's last words still wait until someone answers or closes the
    wait with "no reply needed"."""
    if not user.is_authenticated or not user.has_role(Role.THERAPIST):
        return Thread.objects.none()
    return Thread.objects.filter(_team_in_unit(user.pk)).filter(thread_waits())


def waiting_thread_count(user: User) -> int:
    """For the navigation badge beside "Messages": one query, none for a non-therapist."""
    if not user.is_authenticated or not user.has_role(Role.THERAPIST):
        return 0
    return team_waiting_threads(user).count()


def thread_wait(thread: Thread) -> tuple[datetime | None, int]:
    """One thread's wait: since when (None when nothing waits) and how many messages."""
    row = (
        Thread.objects.filter(pk=thread.pk)
        .annotate(since=waiting_since(), n=waiting_count())
        .values_list("since", "n")
        .get()
    )
    return row[0], row[1]


def waited(since: datetime | None) -> str:
    """How long since `since`, in its largest unit only ("2 days", "3 hours")."""
    if since is None:
        return ""
    now = timezone.now()
    if now - since < timedelta(minutes=1):
        return _("less than a minute")
    return timesince(since, now, depth=1)


def _preview(text: str | None) -> str:
    """The first PREVIEW_CHARS characters on one line, with an ellipsis when it goes on."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"


@dataclass
class ThreadRow:
    thread: Thread
    unread: int
    waiting: int = 0
    waiting_since: datetime | None = None
    preview: str = ""

    @property
    def participant(self) -> Any:
        return self.thread.enrollment.participant

    @property
    def waited(self) -> str:
        """How long the first waiting message has waited, in its largest unit ("2 days")."""
        return waited(self.waiting_since)


def team_threads(user: User) -> list[ThreadRow]:
    """The therapist's threads in one query: those waiting for an answer first, the longest
    waiting first, each with a preview of its first waiting message; then the rest, unread
    first, then the most recently active."""
    unread = (
        Message.objects.filter(
            thread=OuterRef("pk"), side=Side.PARTICIPANT, seq__gt=OuterRef("team_read_seq")
        )
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    qs = (
        threads_for_user(user)
        .filter(Q(enrollment__therapist=user) | Q(enrollment__substitute=user))
        .select_related("enrollment__participant")
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            waiting_since=waiting_since(),
            waiting=waiting_count(),
            preview=_waiting_preview(),
        )
        .order_by(
            F("waiting_since").asc(nulls_last=True),
            "-unread",
            F("last_message_at").desc(nulls_last=True),
            "pk",
        )
    )
    return [
        ThreadRow(
            thread=t,
            unread=t.unread,
            waiting=t.waiting,
            waiting_since=t.waiting_since,
            preview=_preview(t.preview) if t.waiting_since else "",
        )
        for t in qs
    ]


def is_online(user_id: int) -> bool:
    """Whether one of the person's sockets pinged within ONLINE_WITHIN: no email then."""
    return Presence.objects.filter(
        user_id=user_id, seen_at__gte=timezone.now() - ONLINE_WITHIN
    ).exists()


def thread_latest(thread_id: int) -> int:
    """The id of the thread's newest message (0 for none), for a socket whose access was
    checked in the same call."""
    return Thread.objects.filter(pk=thread_id).values_list("last_seq", flat=True).first() or 0
