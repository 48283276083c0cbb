"""Message pages. They work without JavaScript (an ordinary form and a reload); the page's
script (static/js/messages.js) adds the live socket on top."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.views import role_required
from audit.services import record_access

from . import selectors, services
from .models import Message, Side, Thread
from .routing import thread_socket_path
from .services import BODY_MAX


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@role_required(Role.PARTICIPANT, Role.THERAPIST)
def inbox(request: HttpRequest) -> HttpResponse:
    """A participant goes straight to their conversation; a therapist sees their threads."""
    user = _user(request)
    own = selectors.participant_thread(user) if user.has_role(Role.PARTICIPANT) else None
    if own is not None and not user.has_role(Role.THERAPIST):
        return redirect("messaging:thread", own.public_id)
    rows = selectors.team_threads(user) if user.has_role(Role.THERAPIST) else []
    return render(request, "messaging/inbox.html", {"rows": rows, "own": own})


def _before(request: HttpRequest) -> int | None:
    try:
        value = int(request.GET.get("before", ""))
    except ValueError:
        return None
    return value if 0 < value < 2**63 else None  # a message id fits the database's integer


@role_required(Role.PARTICIPANT, Role.THERAPIST)
def thread(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    user = _user(request)
    current = selectors.thread_or_404(user, public_id)
    side = selectors.side_of(user, current)
    error = ""
    body = ""
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            message, _created = services.message_send(
                sender=user,
                thread=current,
                body=body,
                client_id=request.POST.get("client_id", ""),
            )
        except services.RateLimited:
            error = _("You have sent many messages in a short time. Wait a minute and send again.")
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            if _back_to_overview(request, side):
                # The therapist answered from the participant's overview: they stay with that
                # participant and see the reply there, with the confirmation beside it.
                note_at_section(request, "messages", _("Your message is sent."))
                return redirect(_overview_url(current) + "#messages")
            url = reverse("messaging:thread", args=[current.public_id])
            return redirect(f"{url}#m-{message.seq}")
    return _render_thread(request, user, current, side, body=body, error=error)


# A confirmation shown inside one section of the page redirected to (the overview jumps to
# that section, where a note at the top of the page would be out of sight):
# [section, text, kind], kind "success" or "error".
SECTION_NOTE = "section_note"


def note_at_section(
    request: HttpRequest, section: str, text: str, *, kind: str = "success"
) -> None:
    request.session[SECTION_NOTE] = [section, str(text), kind]


def section_note(request: HttpRequest) -> dict[str, dict[str, str]]:
    """The note for the page being shown (read once), as {section: {text, kind}}."""
    note = request.session.pop(SECTION_NOTE, None)
    if isinstance(note, list) and len(note) == 3:
        return {str(note[0]): {"text": str(note[1]), "kind": str(note[2])}}
    return {}


def _back_to_overview(request: HttpRequest, side: str) -> bool:
    """The form came from the participant's overview (a fixed value, never a URL, so the
    redirect cannot be pointed elsewhere)."""
    return side == Side.TEAM and request.POST.get("return_to") == "overview"


def _overview_url(thread: Thread) -> str:
    return reverse("therapist:participant", args=[thread.enrollment.public_id])


@require_POST
@role_required(Role.THERAPIST)
def close_wait(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """ "No reply needed": the participant's messages so far stop waiting for an answer."""
    user = _user(request)
    current = selectors.thread_or_404(user, public_id)
    try:
        up_to = int(request.POST.get("up_to", ""))
    except ValueError:
        up_to = 0  # no page showed this form: close nothing unseen
    try:
        services.thread_close_wait(actor=user, thread=current, up_to=up_to, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as problem:
        text = " ".join(problem.messages)
    else:
        text = _(
            "Marked as needing no reply. A new message from the participant will wait for an "
            "answer again."
        )
    if _back_to_overview(request, Side.TEAM):
        note_at_section(request, "messages", text)
        return redirect(_overview_url(current) + "#messages")
    messages.info(request, text)
    return redirect("messaging:thread", current.public_id)


def _render_thread(
    request: HttpRequest, user: User, current: Thread, side: str, *, body: str, error: str
) -> HttpResponse:
    """The conversation page: a page of messages (the newest, or those before `before` when
    paging back) and the form. The care team's look is written to the access log; showing the
    newest messages moves the user's read marker. A form with an error answers 400."""
    before = _before(request)
    page, has_older = selectors.messages_page(current, before=before)
    if side == Side.TEAM:
        _record_team_access(request, user, current)
    newest_shown = page[-1].seq if page else 0
    if before is None and newest_shown:
        services.thread_mark_read(user=user, thread=current, up_to=newest_shown)
    context = _thread_context(current, side, page, has_older=has_older, before=before)
    context.update(_form_context(body=body, error=error))
    return render(request, "messaging/thread.html", context, status=400 if error else 200)


def _record_team_access(request: HttpRequest, user: User, current: Thread) -> None:
    """A therapist reading a participant's messages is an access to their record."""
    if current.enrollment.participant is None:
        return
    record_access(
        actor=user,
        subject=current.enrollment.participant,
        what=gettext_noop("messages"),
        request=request,
        target_type="thread",
        target_id=current.public_id,
        unit=current.enrollment.unit,
    )


def _thread_context(
    current: Thread, side: str, page: list[Message], *, has_older: bool, before: int | None
) -> dict[str, Any]:
    """What the template and the page's script need besides the form: the page of messages,
    the paging links, the read and waiting marks, and the socket's address and texts."""
    newest_shown = page[-1].seq if page else 0
    waiting_since, waiting = selectors.thread_wait(current) if side == Side.TEAM else (None, 0)
    # What to do now, after the participant wrote risk words (no-JS post and later visits);
    # the page's script shows the same section when the socket's ack says so.
    safety_now = (
        side == Side.PARTICIPANT and before is None and selectors.participant_needs_safety(page)
    )
    return {
        "thread": current,
        "side": side,
        "page": page,
        "has_older": has_older,
        "older_before": page[0].seq if page else None,
        "is_latest": before is None,
        "last_id": newest_shown if before is None else 0,
        "other_read": _other_read(current, side),
        "may_write": selectors.may_write(current),
        "waiting_since": waiting_since,
        "waiting": waiting,
        "safety_now": safety_now,
        "safety_hidden": not safety_now,
        "counterpart": _counterpart(current, side),
        "socket_path": thread_socket_path(current.public_id),
        "strings": _socket_strings(),
    }


def _form_context(*, body: str, error: str) -> dict[str, Any]:
    """The message form: a new client_id for each page (so a resent form is stored once), the
    text sent back after an error, and the length limit."""
    return {"client_id": uuid.uuid4(), "body": body, "error": error, "body_max": BODY_MAX}


def _other_read(current: Thread, side: str) -> int:
    """The other side's read marker, for the "Read" mark on the user's own messages."""
    return current.team_read_seq if side == Side.PARTICIPANT else current.participant_read_seq


def _counterpart(current: Thread, side: str) -> User | None:
    """Who the user writes to: the therapist for the participant, the participant for the team."""
    enrollment = current.enrollment
    return enrollment.therapist if side == Side.PARTICIPANT else enrollment.participant


def _socket_strings() -> dict[str, str]:
    """The page script's texts, translated here (the script has no catalogue of its own)."""
    return {
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "read": _("Read"),
        "you": _("You"),
        "queued": _("Not sent yet: it will be sent when the connection is back."),
        "offline": _("The connection is lost. Trying again…"),
        "try_again": _(
            "Omtag cannot be reached just now. Trying again in a moment; nothing you have "
            "written is lost."
        ),
        "online": _("Connected: new messages appear here by themselves."),
        "logged_out": _("You have been logged out. Reload the page and log in again."),
        "no_access": _("You no longer have access to this conversation."),
        "new_message": _("New message"),
        "failed": _("Not sent."),
        "empty": _("Write a message."),
        "safety": _("If you are in a bad way right now: see where to get help, just below."),
    }
