"""The participant's pages: home, modules, one module with its answers, the check-in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.views import role_required
from content.blocks import TIMEOUT_PLAN_PARTS, AnswerShape, field_name
from content.models import MODULE_TEMPLATE
from content.translation import missing_exercises

from . import selectors, services
from .checkin import QUESTIONS, CheckInForm
from .home import home_panels
from .models import Enrollment, EnrollmentStatus, ModuleState
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


@role_required(Role.PARTICIPANT)
def home(request: HttpRequest) -> HttpResponse:
    enrollment = selectors.current_enrollment(_participant(request))
    context: dict[str, Any] = {"enrollment": enrollment}
    if enrollment is not None:
        rows = selectors.module_rows(enrollment)
        done = sum(r.state == ModuleState.COMPLETED for r in rows)
        current, following = selectors.current_and_next(rows)
        context.update(
            rows=rows,
            done=done,
            total=len(rows),
            percent=round(100 * done / len(rows)) if rows else 0,
            current=current,
            following=following,
            panels=home_panels(request, enrollment),
            **_checkin_state(enrollment),
        )
    return render(request, "modules/home.html", context)


@role_required(Role.PARTICIPANT)
def module_list(request: HttpRequest) -> HttpResponse:
    enrollment = selectors.enrollment_or_404(_participant(request))
    return render(
        request,
        "modules/module_list.html",
        {"enrollment": enrollment, "rows": selectors.module_rows(enrollment)},
    )


def answer_from_post(post: QueryDict, block_id: str, shape: AnswerShape, block_value: Any) -> Any:
    """The answer of one block as the module form posts it (see content/blocks templates)."""
    if shape == AnswerShape.FIELDS:
        return [post.get(field_name(block_id, i), "") for i in range(len(block_value["fields"]))]
    if shape == AnswerShape.CHOICES:
        return post.getlist(field_name(block_id))
    if shape == AnswerShape.TIMEOUT_PLAN:
        return {key: post.get(field_name(block_id, key), "") for key, _label in TIMEOUT_PLAN_PARTS}
    if shape in (AnswerShape.CHOICE, AnswerShape.SCALE):
        return post.get(field_name(block_id)) or None
    return post.get(field_name(block_id), "")


def _posted_version(post: QueryDict, block_id: str) -> int:
    raw = post.get(f"version-{block_id}", "0")
    return int(raw) if raw.isdigit() else -1


def _is_empty(value: Any) -> bool:
    if value is None or value == "" or value == []:
        return True
    if isinstance(value, list):
        return all(v == "" for v in value)
    if isinstance(value, dict):
        return all(v == "" for v in value.values())
    return False


def _items_to_show(page: Any, original: Any, answers: dict[str, Any]) -> list[Any]:
    """The page's blocks in the reader's language. An exercise the translation lacks (an
    editor added it to the original only) is shown at the end in the original's words
    rather than hidden: answers belong to the original's blocks, so it can be answered."""
    items = page.body_items(answers)
    missing = {child.id for child in missing_exercises(page, original)}
    if not missing:
        return items
    return items + [item for item in original.body_items(answers) if item.id in missing]


@role_required(Role.PARTICIPANT)
def module_detail(request: HttpRequest, key: UUID) -> HttpResponse:
    participant = _participant(request)
    enrollment = selectors.enrollment_or_404(participant)
    row = selectors.module_row(enrollment, key)
    if not row.is_open:
        return render(request, "modules/module_locked.html", {"row": row}, status=403)
    original = row.progress.module
    stored = selectors.answers_for(enrollment, original)
    answers = {block_id: a.value for block_id, a in stored.items()}
    versions = {block_id: a.version for block_id, a in stored.items()}
    errors: dict[str, str] = {}
    conflicts: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        for child in original.body:
            shape = getattr(child.block, "answer_shape", None)
            if shape is None:
                continue
            value = answer_from_post(request.POST, child.id, shape, child.value)
            if child.id not in stored and _is_empty(value):
                continue
            try:
                saved = services.answer_save(
                    participant=participant,
                    enrollment=enrollment,
                    module=original,
                    block_id=child.id,
                    value=value,
                    version=_posted_version(request.POST, child.id),
                )
            except services.StaleAnswer as stale:
                conflicts[child.id] = stale.current.value
                versions[child.id] = stale.current.version
                answers[child.id] = value  # keep what they typed in the field
            except ValidationError as error:
                errors[child.id] = " ".join(error.messages)
                answers[child.id] = value
            except PermissionDenied:
                return render(request, "modules/module_locked.html", {"row": row}, status=403)
            else:
                answers[child.id] = saved.answer.value
                versions[child.id] = saved.answer.version
        # A translation an editor has not kept in step may show a question the original
        # module lacks; answers are stored against the original's blocks, so say so and keep
        # the text in the field instead of reporting it saved.
        original_ids = {child.id for child in original.body}
        for child in row.page.body:
            shape = getattr(child.block, "answer_shape", None)
            if shape is None or child.id in original_ids:
                continue
            value = answer_from_post(request.POST, child.id, shape, child.value)
            if not _is_empty(value):
                errors[child.id] = _("This question is not part of the module (any more).")
                answers[child.id] = value
        if not errors and not conflicts:
            messages.success(request, _("Your answers are saved."))
            return redirect("modules:module", key=key)
        status = 409 if conflicts and not errors else 400
    can_save = enrollment.status == EnrollmentStatus.ACTIVE
    entries = [
        {
            "item": item,
            "version": versions.get(item.id, 0),
            "error": errors.get(item.id),
            "has_conflict": item.id in conflicts,
            "conflict_text": answer_text(conflicts.get(item.id)),
        }
        for item in _items_to_show(row.page, original, answers)
    ]
    # The same template as the editor's preview (content knows nothing of participants, so
    # the participant's state arrives as plain values).
    context = row.page.participant_context(
        entries=entries,
        number=row.number,
        total=enrollment.progress.count(),
        can_save=can_save,
        autosave_url=reverse("modules:autosave", args=[row.key]) if can_save else "",
        complete_url=reverse("modules:complete", args=[row.key]),
        completed=row.state == ModuleState.COMPLETED,
    )
    context.update(row=row, enrollment=enrollment)
    return render(request, MODULE_TEMPLATE, context, status=status)


@role_required(Role.PARTICIPANT)
@require_POST
def answer_autosave(request: HttpRequest, key: UUID) -> JsonResponse:
    """One block's answer, saved a moment after typing (static/js/autosave.js)."""
    participant = _participant(request)
    enrollment = selectors.enrollment_or_404(participant)
    row = selectors.module_row(enrollment, key)
    original = row.progress.module
    block_id = request.POST.get("block_id", "")
    child = next((c for c in original.body if c.id == block_id), None)
    shape = getattr(child.block, "answer_shape", None) if child is not None else None
    if child is None or shape is None:
        return JsonResponse(
            {"ok": False, "message": _("This question is not part of the module (any more).")},
            status=400,
        )
    value = answer_from_post(request.POST, block_id, shape, child.value)
    try:
        saved = services.answer_save(
            participant=participant,
            enrollment=enrollment,
            module=original,
            block_id=block_id,
            value=value,
            version=_posted_version(request.POST, block_id),
        )
    except services.StaleAnswer as stale:
        return JsonResponse(
            {
                "ok": False,
                "conflict": True,
                "version": stale.current.version,
                "current": stale.current.value,
                "message": _(
                    "This answer was changed in another window. Both texts are shown: "
                    "keep the one you want and save again."
                ),
            },
            status=409,
        )
    except ValidationError as error:
        return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=400)
    except PermissionDenied:
        return JsonResponse(
            {"ok": False, "message": _("This module is not open for you right now.")}, status=403
        )
    return JsonResponse({"ok": True, "version": saved.answer.version})


@role_required(Role.PARTICIPANT)
@require_POST
def module_complete(request: HttpRequest, key: UUID) -> HttpResponse:
    participant = _participant(request)
    enrollment = selectors.enrollment_or_404(participant)
    row = selectors.module_row(enrollment, key)
    try:
        services.module_complete(
            participant=participant, enrollment=enrollment, module=row.progress.module
        )
    except PermissionDenied:
        return render(request, "modules/module_locked.html", {"row": row}, status=403)
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
            request.session[CHECKIN_RECEIPT] = str(submitted.public_id)
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
    receipt = request.session.get(CHECKIN_RECEIPT)
    checkin = (
        enrollment.checkins.filter(public_id=receipt).only("answers").first()
        if enrollment is not None and isinstance(receipt, str) and _is_uuid(receipt)
        else None
    )
    safety_now = checkin is not None and checkin_needs_safety(checkin.answers)
    return render(request, "modules/checkin_done.html", {"safety_now": safety_now})


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


@role_required(Role.PARTICIPANT)
def checkin_list(request: HttpRequest) -> HttpResponse:
    enrollment = selectors.enrollment_or_404(_participant(request))
    labels = {q.key: q for q in QUESTIONS}
    return render(
        request,
        "modules/checkin_list.html",
        {"checkins": selectors.checkins_for(enrollment), "questions": labels},
    )
