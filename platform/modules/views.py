"""The participant's pages: home, modules, one module with its answers, the check-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.views import role_required
from content.blocks import answer_block
from content.models import MODULE_TEMPLATE
from content.parts import (
    Part,
    clamp_part,
    exercise_title,
    parse_part,
    parts_of_page,
    split_into_parts,
)
from content.translation import missing_exercises

from . import selectors, services
from .checkin import QUESTIONS, CheckInForm
from .home import CHECK_IN, MODULE, NextStep, home_panels, next_step
from .models import Enrollment, EnrollmentStatus, ModuleState
from .receipts import receipt_id, receipt_keep
from .safety import checkin_needs_safety
from .templatetags.participant import answer_text

CHECKIN_RECEIPT = "omtag:checkin-receipt"


def _participant(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _last_checkin_date(enrollment: Enrollment) -> Any:
    last = enrollment.checkins.order_by("-submitted_at").values_list("submitted_at", flat=True)
    from django.utils import timezone

    first = last.first()
    return timezone.localdate(first) if first else None


def _checkin_state(enrollment: Enrollment) -> dict[str, Any]:
    """Whether the check-in is due, when the next one is, and whether there was one before
    (a new participant has not "done this week's" check-in; their first is simply not due)."""
    from django.utils import timezone

    last = _last_checkin_date(enrollment)
    due = enrollment.checkin_due_on(last)
    return {
        "checkin_due": enrollment.is_active and due is not None and due <= timezone.localdate(),
        "checkin_next_on": due,
        "checked_in_before": last is not None,
    }


def _module_step(
    enrollment: Enrollment, current: selectors.ModuleRow | None, total: int
) -> NextStep | None:
    """The current module, at the part the participant last moved to (while active)."""
    if current is None or not enrollment.is_active:
        return None
    count = len(parts_of_page(current.page))
    part = clamp_part(current.progress.last_part, count)
    started = current.state == ModuleState.STARTED or part > 1
    where = (
        _("Part %(number)s of %(parts)s.") % {"number": part, "parts": count} if count > 1 else ""
    )
    return NextStep(
        priority=MODULE,
        title=_("Module %(number)s of %(total)s: %(title)s")
        % {"number": current.number, "total": total, "title": current.page.title},
        text=" ".join(
            t
            for t in (
                _("Continue where you left off.") if started else _("Start the module."),
                where,
            )
            if t
        ),
        url=_module_url(current.key, part),
        label=_("Continue the module") if started else _("Start the module"),
    )


def _checkin_step(state: dict[str, Any]) -> NextStep | None:
    if not state["checkin_due"]:
        return None
    return NextStep(
        priority=CHECK_IN,
        title=_("Your weekly check-in is due"),
        text=_("A few short questions about the past week."),
        url=reverse("modules:checkin"),
        label=_("Fill in the check-in"),
    )


@role_required(Role.PARTICIPANT)
def home(request: HttpRequest) -> HttpResponse:
    """Where the participant is, with ONE primary next step at the top (the rule is in
    modules.home) and the rest below it."""
    enrollment = selectors.current_enrollment(_participant(request))
    context: dict[str, Any] = {"enrollment": enrollment}
    if enrollment is not None:
        rows = selectors.module_rows(enrollment, bodies=False)
        done = sum(r.state == ModuleState.COMPLETED for r in rows)
        current, following = selectors.current_and_next(rows)
        panels = home_panels(request, enrollment)
        checkin_state = _checkin_state(enrollment)
        context.update(
            rows=rows,
            done=done,
            total=len(rows),
            percent=round(100 * done / len(rows)) if rows else 0,
            current=current,
            following=following,
            panels=panels,
            next_step=next_step(
                panels,
                [_module_step(enrollment, current, len(rows)), _checkin_step(checkin_state)],
            ),
            **checkin_state,
        )
    return render(request, "modules/home.html", context)


@role_required(Role.PARTICIPANT)
def module_list(request: HttpRequest) -> HttpResponse:
    enrollment = selectors.enrollment_or_404(_participant(request))
    return render(
        request,
        "modules/module_list.html",
        {"enrollment": enrollment, "rows": selectors.module_rows(enrollment, bodies=False)},
    )


def _items_to_show(page: Any, original: Any, answers: dict[str, Any]) -> list[Any]:
    """The page's blocks in the reader's language. An exercise the translation lacks (an
    editor added it to the original only) is shown at the end in the original's words
    rather than hidden: answers belong to the original's blocks, so it can be answered."""
    items = page.body_items(answers)
    missing = {child.id for child in missing_exercises(page, original)}
    if not missing:
        return items
    return items + [item for item in original.body_items(answers) if item.id in missing]


def _module_url(key: Any, part: int, anchor: str = "") -> str:
    url = f"{reverse('modules:module', args=[key])}?part={part}"
    return f"{url}#{anchor}" if anchor else url


def _part_nav(key: Any, parts: list[Part], current: Part) -> dict[str, Any]:
    """Where the participant is among the module's parts, with the ways to the others."""
    links = [
        {"number": p.number, "title": p.title, "url": _module_url(key, p.number)} for p in parts
    ]
    return {
        "number": current.number,
        "count": len(parts),
        "title": current.title,
        "parts": links,
        "previous": links[current.number - 2] if current.number > 1 else None,
        "next": links[current.number] if current.number < len(parts) else None,
        "is_last": current.number == len(parts),
        "has_exercises": any(item.answer_shape for item in current.items),
    }


# Set by a successful full save, read once by the page it redirects to, so the "saved" note
# shows beside the save button the reader pressed (not at the top of the page).
SAVED_SESSION_KEY = "modules.saved_part"


@dataclass
class _PageState:
    """The participant's answers as the module page shows them, with the versions its form
    posts back, and what a failed full save has to say about them."""

    answers: dict[str, Any]
    versions: dict[str, int]
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, Any] = field(default_factory=dict)  # the newer saved value
    status: int = 200

    def show_unsaved(self, result: services.PostedAnswers) -> None:
        """Take in a full save that did not go through: what was saved shows as saved, an
        answer refused or changed in another window keeps what the participant typed."""
        for block_id, answer in result.saved.items():
            self.answers[block_id] = answer.value
            self.versions[block_id] = answer.version
        for block_id, answer in result.conflicts.items():
            self.conflicts[block_id] = answer.value
            self.versions[block_id] = answer.version
        self.answers.update(result.typed)
        self.errors = dict(result.errors)
        self.status = 409 if self.conflicts and not self.errors else 400


def _locked(request: HttpRequest, row: selectors.ModuleRow) -> HttpResponse:
    return render(request, "modules/module_locked.html", {"row": row}, status=403)


@role_required(Role.PARTICIPANT)
def module_detail(request: HttpRequest, key: UUID) -> HttpResponse:
    """One part of a module (content.parts), opening where the participant left off.

    `?part=N` chooses the part; without it the page opens at the part they last moved to
    (ModuleProgress.last_part). A part that is not a whole number from 1 to the number of
    parts sends them, with a note, to the part they last moved to. A full save (the form
    posts, also without JavaScript) saves the answers that were on the posted part's form
    only, then returns to the same place (or to the part the reader asked to move to)."""
    participant = _participant(request)
    enrollment = selectors.enrollment_or_404(participant)
    row = selectors.module_row(enrollment, key)
    if not row.is_open:
        return _locked(request, row)
    original = row.progress.module
    stored = selectors.answers_for(enrollment, original)
    state = _PageState(
        answers={block_id: a.value for block_id, a in stored.items()},
        versions={block_id: a.version for block_id, a in stored.items()},
    )
    parts = split_into_parts(_items_to_show(row.page, original, state.answers))
    remembered = clamp_part(row.progress.last_part, len(parts))
    raw_part = (request.POST if request.method == "POST" else request.GET).get("part")
    asked = parse_part(raw_part, len(parts))
    if request.method == "GET" and raw_part is not None and asked is None:
        messages.info(
            request,
            _("That part of the module does not exist. Here is the part you were reading."),
        )
        return redirect(_module_url(key, remembered))
    number = asked or remembered
    if request.method == "GET" and asked is not None and asked != row.progress.last_part:
        services.module_part_visit(
            participant=participant, enrollment=enrollment, module=original, part=asked
        )
    if request.method == "POST":
        result = services.answers_save_posted(
            participant=participant,
            enrollment=enrollment,
            module=original,
            post=request.POST,
            answered=stored.keys(),
            shown=row.page,
        )
        if result.denied:
            return _locked(request, row)
        if result.ok:
            return _after_full_save(request, enrollment, row, number, len(parts))
        state.show_unsaved(result)
        # Show the part again with the answers as typed (the items carry them).
        parts = split_into_parts(_items_to_show(row.page, original, state.answers))
    current = parts[clamp_part(number, len(parts)) - 1]
    return _render_part(request, enrollment, row, current, parts, state)


def _after_full_save(
    request: HttpRequest, enrollment: Enrollment, row: selectors.ModuleRow, number: int, count: int
) -> HttpResponse:
    """Everything on the part was saved: stay on it, with the note beside the save button
    pressed, or move to the part the reader asked for (`go`), remembering it."""
    move = request.POST.get("go")
    target = clamp_part(number + (1 if move == "next" else -1 if move == "previous" else 0), count)
    if target != row.progress.last_part and enrollment.is_active:
        services.module_part_visit(
            participant=_participant(request),
            enrollment=enrollment,
            module=row.progress.module,
            part=target,
        )
    if target == number:
        request.session[SAVED_SESSION_KEY] = f"{row.key}:{number}"
        return redirect(_module_url(row.key, number, "part-save"))
    return redirect(_module_url(row.key, target))


def _render_part(
    request: HttpRequest,
    enrollment: Enrollment,
    row: selectors.ModuleRow,
    current: Part,
    parts: list[Part],
    state: _PageState,
) -> HttpResponse:
    """The module page at one part, with the participant's answers, versions and problems."""
    key = row.key
    can_save = enrollment.status == EnrollmentStatus.ACTIVE
    saved_here = request.session.pop(SAVED_SESSION_KEY, None) == f"{key}:{current.number}"
    entries = [
        {
            "item": item,
            "version": state.versions.get(item.id, 0),
            "error": state.errors.get(item.id),
            "has_conflict": item.id in state.conflicts,
            "conflict_text": answer_text(state.conflicts.get(item.id)),
        }
        for item in current.items
    ]
    part_nav = _part_nav(key, parts, current)
    part_nav["saved"] = saved_here
    part_nav["url"] = _module_url(key, current.number)
    # The same template as the editor's preview (content knows nothing of participants, so
    # the participant's state arrives as plain values).
    context = row.page.participant_context(
        entries=entries,
        number=row.number,
        total=row.total if row.total is not None else enrollment.progress.count(),
        can_save=can_save,
        autosave_url=reverse("modules:autosave", args=[row.key]) if can_save else "",
        complete_url=reverse("modules:complete", args=[row.key]),
        completed=row.state == ModuleState.COMPLETED,
        part_nav=part_nav,
    )
    context.update(row=row, enrollment=enrollment)
    return render(request, MODULE_TEMPLATE, context, status=state.status)


@role_required(Role.PARTICIPANT)
@require_POST
def answer_autosave(request: HttpRequest, key: UUID) -> JsonResponse:
    """One block's answer, saved a moment after typing (static/js/autosave.js)."""
    participant = _participant(request)
    enrollment = selectors.enrollment_or_404(participant)
    row = selectors.module_row(enrollment, key)
    block_id = request.POST.get("block_id", "")
    result = services.answers_save_posted(
        participant=participant,
        enrollment=enrollment,
        module=row.progress.module,
        post=request.POST,
        block_id=block_id,
    )
    return _autosave_response(result, block_id)


def _autosave_response(result: services.PostedAnswers, block_id: str) -> JsonResponse:
    """The autosave's answer to the page: saved (with the new version), changed in another
    window (with the stored text), refused (with why), or the module is closed."""
    if result.denied:
        return JsonResponse(
            {"ok": False, "message": _("This module is not open for you right now.")}, status=403
        )
    if block_id in result.conflicts:
        current = result.conflicts[block_id]
        return JsonResponse(
            {
                "ok": False,
                "conflict": True,
                "version": current.version,
                "current": current.value,
                "message": _(
                    "This answer was changed in another window. Both texts are shown: "
                    "keep the one you want and save again."
                ),
            },
            status=409,
        )
    if block_id in result.errors:
        return JsonResponse({"ok": False, "message": result.errors[block_id]}, status=400)
    return JsonResponse({"ok": True, "version": result.saved[block_id].version})


def _unanswered(enrollment: Enrollment, row: selectors.ModuleRow) -> list[dict[str, Any]]:
    """The module's exercises without an answer, each with a link to it in its part."""
    original = row.progress.module
    answers = {
        block_id: a.value for block_id, a in selectors.answers_for(enrollment, original).items()
    }
    found = []
    for part in split_into_parts(_items_to_show(row.page, original, answers)):
        for item in part.items:
            if item.answer_shape and answer_block(item.block).answer_is_empty(answers.get(item.id)):
                found.append(
                    {
                        "title": exercise_title(item.block_type, item.value),
                        "part": part.number,
                        "url": _module_url(row.key, part.number, f"block-{item.id}"),
                    }
                )
    return found


@role_required(Role.PARTICIPANT)
@require_POST
def module_complete(request: HttpRequest, key: UUID) -> HttpResponse:
    """Mark the module finished. With exercises still unanswered it asks once, listing them
    with links; the confirmation's own form posts `confirm=1`, which finishes it."""
    participant = _participant(request)
    enrollment = selectors.enrollment_or_404(participant)
    row = selectors.module_row(enrollment, key)
    if not row.is_open:
        return _locked(request, row)
    if request.POST.get("confirm") != "1" and row.state != ModuleState.COMPLETED:
        unanswered = _unanswered(enrollment, row)
        if unanswered:
            return render(
                request,
                "modules/module_complete_confirm.html",
                {
                    "row": row,
                    "unanswered": unanswered,
                    "back_url": reverse("modules:module", args=[key]),
                },
            )
    try:
        services.module_complete(
            participant=participant, enrollment=enrollment, module=row.progress.module
        )
    except PermissionDenied:
        return _locked(request, row)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("modules:module", key=key)
    messages.success(
        request,
        _("Well done. The module is marked as finished and your therapist can see your answers."),
    )
    return redirect("modules:home")


@role_required(Role.PARTICIPANT)
def checkin(request: HttpRequest) -> HttpResponse:
    participant = _participant(request)
    enrollment = selectors.enrollment_or_404(participant)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submitted = services.checkin_submit(
                participant=participant, enrollment=enrollment, answers=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The receipt page shows what to do now when this check-in asks for it (also
            # after a reload); the session, not the address, says which check-in it was.
            receipt_keep(request, CHECKIN_RECEIPT, submitted.public_id)
            return redirect(reverse("modules:checkin_done"))
    return render(
        request,
        "modules/checkin.html",
        {
            "form": form,
            "enrollment": enrollment,
            "can_save": enrollment.status == EnrollmentStatus.ACTIVE,
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.PARTICIPANT)
def checkin_done(request: HttpRequest) -> HttpResponse:
    # A calm page whatever was answered: the participant never sees a risk flag. An answer
    # about thoughts of harming themselves or someone else adds what to do now.
    enrollment = selectors.current_enrollment(_participant(request))
    receipt = receipt_id(request, CHECKIN_RECEIPT)
    checkin = (
        enrollment.checkins.filter(public_id=receipt).only("answers").first()
        if enrollment is not None and receipt is not None
        else None
    )
    safety_now = checkin is not None and checkin_needs_safety(checkin.answers)
    return render(request, "modules/checkin_done.html", {"safety_now": safety_now})


@role_required(Role.PARTICIPANT)
def checkin_list(request: HttpRequest) -> HttpResponse:
    enrollment = selectors.enrollment_or_404(_participant(request))
    labels = {q.key: q for q in QUESTIONS}
    return render(
        request,
        "modules/checkin_list.html",
        {"checkins": selectors.checkins_for(enrollment), "questions": labels},
    )
