"""Writes on a participant's path. Each checks permission, validates, writes in one
transaction and records an audit event where staff act."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.blocks import StreamValue

from accounts.models import Role, User
from accounts.scope import acting_unit, covers
from audit.models import AuditEvent
from audit.services import audit_log
from content.blocks import AnswerBlockMixin
from content.models import ModulePage, ProgramPage, UnlockRule
from content.selectors import is_offered, offered_programmes
from organisations.models import Unit

from .checkin import FREE_TEXT_MAX, assess
from .models import (
    Answer,
    CheckIn,
    Enrollment,
    EnrollmentStatus,
    ModuleProgress,
    ModuleState,
    RiskLevel,
    RiskSignal,
    RiskTerm,
)
from .personal_data import treatment_is_anonymised
from .signals import enrollment_care_team_changed, enrollment_status_changed


class StaleAnswer(Exception):
    """The answer changed since the page was loaded (another tab): nothing was overwritten."""

    def __init__(self, current: Answer) -> None:
        super().__init__("stale answer")
        self.current = current


def _is_care_team(actor: User, enrollment: Enrollment) -> bool:
    return actor.pk is not None and actor.pk in (enrollment.therapist_id, enrollment.substitute_id)


def _may_manage(actor: User, enrollment: Enrollment) -> bool:
    """The care team, while they are still therapists in the treatment's unit."""
    return covers(actor, enrollment.unit_id, Role.THERAPIST) and _is_care_team(actor, enrollment)


def programme_modules(programme: ProgramPage) -> list[ModulePage]:
    return list(ModulePage.objects.child_of(programme).order_by("path"))


def default_programme(unit: Unit | None = None) -> ProgramPage | None:
    """The programme new participants of `unit` join: the first one its organisation offers,
    in the original language (with no unit: the first one there is)."""
    programmes = (
        ProgramPage.objects.all() if unit is None else offered_programmes(unit.organisation_id)
    )
    return (
        programmes.filter(locale__language_code="sv").order_by("path").first()
        or programmes.order_by("path").first()
    )


def participant_invite(
    *,
    actor: User,
    email: str,
    display_name: str,
    unit: Unit | None = None,
    request: Any = None,
    identity_number: str = "",
) -> Enrollment:
    """Invite a new participant into the default programme in `unit` (by default the one
    unit the inviting therapist works in), with the inviting therapist (or no one, when an
    admin invites) as their therapist. `identity_number`: see invitation_create."""
    from accounts.services import invitation_create

    if unit is None:
        unit = acting_unit(actor, Role.THERAPIST)
    programme = default_programme(unit)
    if programme is None:
        raise ValidationError(_("There is no programme yet. Ask a content editor to add one."))
    with transaction.atomic():
        invitation, _path = invitation_create(
            actor=actor,
            email=email,
            display_name=display_name,
            roles=[Role.PARTICIPANT],
            unit=unit,
            request=request,
            identity_number=identity_number,
        )
        return enrollment_create(
            actor=actor,
            participant=None,
            programme=programme,
            therapist=actor if covers(actor, unit.pk, Role.THERAPIST) else None,
            invitation=invitation,
            unit=unit,
        )


# --- Enrollment ------------------------------------------------------------------------------


def enrollment_create(
    *,
    actor: User | None,
    participant: User | None,
    programme: ProgramPage,
    therapist: User | None,
    invitation: Any = None,
    unit: Unit | None = None,
) -> Enrollment:
    """A treatment in `unit` (by default the one unit the acting therapist works in). The
    actor and the therapist must both work there."""
    if unit is None:
        if actor is None:
            raise ValueError("An enrollment made without an actor names its unit.")
        unit = acting_unit(actor, Role.THERAPIST)
    if actor is not None and not covers(actor, unit.pk, Role.THERAPIST, Role.ADMIN):
        raise PermissionDenied
    if therapist is not None and not covers(therapist, unit.pk, Role.THERAPIST):
        raise ValidationError(_("The assigned therapist must be a therapist in this unit."))
    if not is_offered(programme, unit.organisation_id):
        raise ValidationError(_("This programme is not offered in this unit."))
    with transaction.atomic():
        try:
            enrollment = Enrollment.objects.create(
                participant=participant,
                programme=programme,
                unit=unit,
                therapist=therapist,
                invitation=invitation,
            )
        except IntegrityError:
            raise ValidationError(
                _("This participant already has an open enrollment in the programme.")
            ) from None
        ModuleProgress.objects.bulk_create(
            ModuleProgress(enrollment=enrollment, module=module)
            for module in programme_modules(programme)
        )
        if actor is not None:
            audit_log(
                action=AuditEvent.Action.ENROLLMENT_CREATED,
                actor=actor,
                subject=participant,
                target_type="enrollment",
                target_id=enrollment.public_id,
                unit=enrollment.unit,
            )
    return enrollment


def enrollment_start(*, enrollment: Enrollment) -> None:
    """Treatment begins: the enrollment is active and the first module opens."""
    if enrollment.status != EnrollmentStatus.INVITED or enrollment.participant_id is None:
        return
    now = timezone.now()
    with transaction.atomic():
        enrollment.status = EnrollmentStatus.ACTIVE
        enrollment.status_changed_at = now
        enrollment.started_at = now
        enrollment.save(update_fields=["status", "status_changed_at", "started_at"])
        first = (
            ModuleProgress.objects.filter(enrollment=enrollment).order_by("module__path").first()
        )
        if first is not None and first.state == ModuleState.LOCKED:
            first.state = ModuleState.UNLOCKED
            first.unlocked_at = now
            first.save(update_fields=["state", "unlocked_at"])


def enrollment_assign(
    *,
    actor: User,
    enrollment: Enrollment,
    therapist: User | None,
    substitute: User | None = None,
    request: Any = None,
) -> Enrollment:
    """Give the enrollment a new therapist and substitute (an admin's decision). Access moves
    at once: whoever left the care team is asked to close their open sockets, which re-check
    and close (see accounts.realtime.disconnect_user), and their future meetings with the
    participant are cancelled (meetings.receivers, on enrollment_care_team_changed)."""
    from accounts.realtime import disconnect_user

    if not covers(actor, enrollment.unit_id, Role.ADMIN):
        raise PermissionDenied
    for person in (therapist, substitute):
        if person is not None and not (
            person.is_active and covers(person, enrollment.unit_id, Role.THERAPIST)
        ):
            raise ValidationError(_("Only an active therapist of this unit can be assigned."))
    if therapist is not None and substitute is not None and therapist.pk == substitute.pk:
        raise ValidationError(_("The substitute must be someone other than the therapist."))
    before = {pk for pk in (enrollment.therapist_id, enrollment.substitute_id) if pk is not None}
    with transaction.atomic():
        enrollment.therapist = therapist
        enrollment.substitute = substitute
        enrollment.save(update_fields=["therapist", "substitute"])
        audit_log(
            action=AuditEvent.Action.CARE_TEAM_CHANGED,
            actor=actor,
            subject=enrollment.participant,
            request=request,
            target_type="enrollment",
            target_id=enrollment.public_id,
            unit=enrollment.unit,
            detail=(
                f"therapist={therapist.pk if therapist else '-'} "
                f"substitute={substitute.pk if substitute else '-'}"
            ),
        )
        enrollment_care_team_changed.send(
            sender=Enrollment, enrollment=enrollment, actor=actor, before=before
        )
        for user_id in before - {enrollment.therapist_id, enrollment.substitute_id}:
            transaction.on_commit(functools.partial(disconnect_user, user_id))
    return enrollment


STATUS_CHANGES: dict[str, set[str]] = {
    # from: the statuses it may move to
    EnrollmentStatus.ACTIVE: {
        EnrollmentStatus.PAUSED,
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.DISCONTINUED,
    },
    EnrollmentStatus.PAUSED: {
        EnrollmentStatus.ACTIVE,
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.DISCONTINUED,
    },
    EnrollmentStatus.INVITED: {EnrollmentStatus.DISCONTINUED},
}


def enrollment_set_status(
    *, actor: User, enrollment: Enrollment, status: str, reason: str, request: Any = None
) -> Enrollment:
    """Pause, resume, complete or discontinue a treatment (an admin, or the participant's
    own therapist). Every change but resuming needs a reason; the history keeps it."""
    if not (covers(actor, enrollment.unit_id, Role.ADMIN) or _may_manage(actor, enrollment)):
        raise PermissionDenied
    if status not in STATUS_CHANGES.get(enrollment.status, set()):
        raise ValidationError(_("The treatment cannot change to that status from here."))
    reason = (reason or "").strip()
    if status != EnrollmentStatus.ACTIVE and not reason:
        raise ValidationError(_("Write the reason for the change."))
    if len(reason) > 300:
        raise ValidationError(_("Keep the reason under 300 characters."))
    with transaction.atomic():
        before = enrollment.status
        enrollment.status = status
        enrollment.status_reason = reason
        enrollment.status_changed_at = timezone.now()
        try:
            enrollment.save(update_fields=["status", "status_reason", "status_changed_at"])
        except IntegrityError:
            raise ValidationError(
                _("This participant already has an open enrollment in the programme.")
            ) from None
        audit_log(
            action=AuditEvent.Action.ENROLLMENT_STATUS_CHANGED,
            actor=actor,
            subject=enrollment.participant,
            request=request,
            target_type="enrollment",
            target_id=enrollment.public_id,
            unit=enrollment.unit,
            detail=f"{before} -> {status}: {reason}",
        )
        enrollment_status_changed.send(sender=Enrollment, enrollment=enrollment, actor=actor)
    return enrollment


def enrollment_set_checkin_interval(*, actor: User, enrollment: Enrollment, days: int) -> None:
    """How often the participant is asked for the check-in (every 7 days unless the
    therapist decides otherwise)."""
    if not _may_manage(actor, enrollment):
        raise PermissionDenied
    if not 1 <= days <= 28:
        raise ValidationError(_("Choose between 1 and 28 days."))
    enrollment.checkin_interval_days = days
    enrollment.save(update_fields=["checkin_interval_days"])


def enrollment_set_born_on_day(
    *, actor: User, enrollment: Enrollment, day: int | None, request: Any = None
) -> Enrollment:
    """Record the day of the month the participant was born (1-31), or forget it (None): an
    admin of the treatment's unit or its care team. Only the day is kept, for the
    social-services research exception (records.retention); the log says that it changed,
    not the day."""
    if not (covers(actor, enrollment.unit_id, Role.ADMIN) or _may_manage(actor, enrollment)):
        raise PermissionDenied
    if day is not None and not 1 <= day <= 31:
        raise ValidationError(_("Write a day of the month between 1 and 31."))
    if treatment_is_anonymised(enrollment):
        raise ValidationError(_("This treatment's record has been cleared."))
    if enrollment.born_on_day == day:
        return enrollment
    with transaction.atomic():
        enrollment.born_on_day = day
        enrollment.save(update_fields=["born_on_day"])
        audit_log(
            action=AuditEvent.Action.ENROLLMENT_BORN_ON_DAY_SET,
            actor=actor,
            subject=enrollment.participant,
            request=request,
            target_type="enrollment",
            target_id=enrollment.public_id,
            detail="set" if day is not None else "cleared",
        )
    return enrollment


# --- Risk words ------------------------------------------------------------------------------

RISK_PHRASE_MAX = 100
# C0 and C1 control characters (NUL among them), DEL, the invisible direction overrides and
# zero-width characters: a phrase holding one could never match what a participant writes, or
# would read differently on the list from what it matches.
_PHRASE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.has_role(Role.ADMIN)):
        raise PermissionDenied


def risk_term_add(*, actor: User, phrase: str, language: str, level: str) -> RiskTerm:
    """Add a word or phrase that raises a risk signal in a participant's message."""
    from .risk import term_pattern

    _require_admin(actor)
    if _PHRASE_CONTROL.search(phrase) or any(0xD800 <= ord(c) <= 0xDFFF for c in phrase):
        raise ValidationError(
            _("The word holds an invisible or control character. Write it again."),
            code="control",
        )
    text = " ".join(phrase.split()).lower()
    if not text or len(text) > RISK_PHRASE_MAX or not term_pattern(text).startswith("(?<!"):
        raise ValidationError(_("Write a word or phrase of at most 100 characters."), code="length")
    if language not in ("sv", "en") or level not in RiskLevel.values:
        raise ValidationError(_("Choose a language and a level."), code="choice")
    try:
        with transaction.atomic():
            term = RiskTerm.objects.create(phrase=text, language=language, level=level)
            audit_log(
                action=AuditEvent.Action.RISK_TERM_ADDED,
                actor=actor,
                target_type="risk_term",
                target_id=term.pk,
                detail=f"{text} ({language}, {level})",
            )
    except IntegrityError:
        raise ValidationError(_("That word is already on the list."), code="duplicate") from None
    return term


def risk_term_set_active(*, actor: User, term: RiskTerm, active: bool) -> RiskTerm:
    """Turn a risk word on or off. Words are never deleted: the signals they raised name them."""
    _require_admin(actor)
    with transaction.atomic():
        changed = RiskTerm.objects.filter(pk=term.pk).exclude(active=active).update(active=active)
        if changed:
            audit_log(
                action=AuditEvent.Action.RISK_TERM_CHANGED,
                actor=actor,
                target_type="risk_term",
                target_id=term.pk,
                detail=f"{term.phrase} ({term.language}): {'on' if active else 'off'}",
            )
    term.active = active
    return term


# --- Module access ---------------------------------------------------------------------------


def _set_module_access(
    *, actor: User, enrollment: Enrollment, module: ModulePage, unlock: bool
) -> ModuleProgress:
    """Open (unlock) or close (lock) a module for one participant. Answers are always kept."""
    if not _may_manage(actor, enrollment):
        raise PermissionDenied
    with transaction.atomic():
        progress = ModuleProgress.objects.select_for_update().get(
            enrollment=enrollment, module=module
        )
        if progress.is_open == unlock:
            return progress
        if unlock:
            progress.state = ModuleState.UNLOCKED
            progress.unlocked_at = timezone.now()
            progress.unlocked_by = actor
            progress.save(update_fields=["state", "unlocked_at", "unlocked_by"])
        else:
            progress.state = ModuleState.LOCKED
            progress.save(update_fields=["state"])
        audit_log(
            action=AuditEvent.Action.MODULE_UNLOCKED if unlock else AuditEvent.Action.MODULE_LOCKED,
            actor=actor,
            subject=enrollment.participant,
            target_type="module",
            target_id=module.translation_key,
            unit=enrollment.unit,
        )
    return progress


def module_unlock(*, actor: User, enrollment: Enrollment, module: ModulePage) -> ModuleProgress:
    return _set_module_access(actor=actor, enrollment=enrollment, module=module, unlock=True)


def module_lock(*, actor: User, enrollment: Enrollment, module: ModulePage) -> ModuleProgress:
    return _set_module_access(actor=actor, enrollment=enrollment, module=module, unlock=False)


def _require_participant_can_work(participant: User, enrollment: Enrollment) -> None:
    if enrollment.participant_id != participant.pk:
        raise PermissionDenied
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ValidationError(
            _(
                "Your treatment is not active right now, so nothing can be saved. "
                "What you wrote before is kept."
            )
        )


def _open_progress(enrollment: Enrollment, module: ModulePage) -> ModuleProgress:
    progress = ModuleProgress.objects.filter(enrollment=enrollment, module=module).first()
    if progress is None or not progress.is_open:
        raise PermissionDenied
    return progress


def module_complete(*, participant: User, enrollment: Enrollment, module: ModulePage) -> None:
    _require_participant_can_work(participant, enrollment)
    with transaction.atomic():
        progress = _open_progress(enrollment, module)
        if progress.state == ModuleState.COMPLETED:
            return
        now = timezone.now()
        progress.state = ModuleState.COMPLETED
        progress.completed_at = now
        progress.started_at = progress.started_at or now
        progress.save(update_fields=["state", "completed_at", "started_at"])
        following = (
            ModuleProgress.objects.select_related("module")
            .filter(enrollment=enrollment, module__path__gt=module.path)
            .order_by("module__path")
            .first()
        )
        if (
            following is not None
            and following.state == ModuleState.LOCKED
            and following.module.unlock_rule == UnlockRule.PREVIOUS_COMPLETED
        ):
            following.state = ModuleState.UNLOCKED
            following.unlocked_at = now
            following.save(update_fields=["state", "unlocked_at"])


def module_part_visit(
    *, participant: User, enrollment: Enrollment, module: ModulePage, part: int
) -> None:
    """Remember the part of the module the participant moved to, so the module opens there
    next time. Only a reading position: kept also while the treatment is paused."""
    if enrollment.participant_id != participant.pk:
        raise PermissionDenied
    if part < 1:
        raise ValidationError(_("There is no such part of the module."))
    ModuleProgress.objects.filter(enrollment=enrollment, module=module).exclude(
        state=ModuleState.LOCKED
    ).update(last_part=part)


# --- Answers ---------------------------------------------------------------------------------


def _exercises(page: ModulePage) -> Iterator[tuple[StreamValue.StreamChild, AnswerBlockMixin]]:
    """The blocks of a page that take an answer, each with the block that owns its behaviour."""
    for child in page.body:
        if isinstance(child.block, AnswerBlockMixin) and child.block.answer_shape is not None:
            yield child, child.block


def _exercise(
    module: ModulePage, block_id: str
) -> tuple[StreamValue.StreamChild, AnswerBlockMixin] | None:
    return next(((c, b) for c, b in _exercises(module) if c.id == block_id), None)


def _not_in_module() -> str:
    return _("This question is not part of the module (any more).")


@dataclass(frozen=True)
class SavedAnswer:
    answer: Answer
    created: bool


def answer_save(
    *,
    participant: User,
    enrollment: Enrollment,
    module: ModulePage,
    block_id: str,
    value: Any,
    version: int | None,
) -> SavedAnswer:
    """Save one block's answer. `version` is the version the participant's page had (None
    or 0 for a block not answered before); a different stored version raises StaleAnswer
    and overwrites nothing."""
    _require_participant_can_work(participant, enrollment)
    exercise = _exercise(module, block_id)
    if exercise is None:
        raise ValidationError(_not_in_module())
    child, block = exercise
    cleaned = block.clean_answer(child.value, value)
    with transaction.atomic():
        progress = _open_progress(enrollment, module)
        answer = (
            Answer.objects.select_for_update()
            .filter(enrollment=enrollment, block_id=block_id)
            .first()
        )
        if answer is None:
            if version:
                raise ValidationError(_not_in_module())
            answer = Answer.objects.create(
                enrollment=enrollment, module=module, block_id=block_id, value=cleaned
            )
            created = True
        else:
            # The same text arriving twice (an autosave and the form's own post of the same
            # words) is not a conflict, whatever version the page had.
            if answer.value == cleaned:
                return SavedAnswer(answer, created=False)
            if version != answer.version:
                raise StaleAnswer(answer)
            answer.value = cleaned
            answer.version += 1
            answer.save(update_fields=["value", "version", "updated_at"])
            created = False
        now = timezone.now()
        if progress.started_at is None:
            progress.started_at = now
            if progress.state == ModuleState.UNLOCKED:
                progress.state = ModuleState.STARTED
            progress.save(update_fields=["started_at", "state"])
        Enrollment.objects.filter(pk=enrollment.pk).update(last_active_at=now)
    return SavedAnswer(answer, created)


@dataclass
class PostedAnswers:
    """What saving a module's posted answers did, by block id. `typed` keeps what the
    participant posted for every answer not saved, so the page can show it again."""

    saved: dict[str, Answer] = field(default_factory=dict)
    typed: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, Answer] = field(default_factory=dict)  # changed in another window
    denied: bool = False  # the module is not open for them: saving stopped there

    @property
    def ok(self) -> bool:
        return not (self.errors or self.conflicts or self.denied)


def _posted_version(post: QueryDict, block_id: str) -> int:
    raw = post.get(f"version-{block_id}", "0")
    return int(raw) if raw.isdigit() else -1


def _form_answers(
    module: ModulePage, post: QueryDict, answered: Collection[str]
) -> Iterator[tuple[str, Any]]:
    """(block id, value) of each exercise the form of one part posted. An answered exercise
    whose form was not on the posted part is never touched: its fields are simply absent,
    which must not read as "emptied"; an unanswered one left empty is not saved."""
    for child, block in _exercises(module):
        if f"version-{child.id}" not in post and child.id in answered:
            continue
        value = block.answer_from_post(post, child.id, child.value)
        if child.id in answered or not block.answer_is_empty(value):
            yield child.id, value


def _refuse_untranslatable(
    result: PostedAnswers, module: ModulePage, shown: ModulePage, post: QueryDict
) -> None:
    """A translation an editor has not kept in step may show a question the original module
    lacks; answers are stored against the original's blocks, so say so and keep the text in
    the field instead of reporting it saved."""
    original_ids = {child.id for child in module.body}
    for child, block in _exercises(shown):
        if child.id in original_ids:
            continue
        value = block.answer_from_post(post, child.id, child.value)
        if not block.answer_is_empty(value):
            result.errors[child.id] = _not_in_module()
            result.typed[child.id] = value


def _save_one(
    result: PostedAnswers,
    *,
    participant: User,
    enrollment: Enrollment,
    module: ModulePage,
    post: QueryDict,
    block_id: str,
    value: Any,
) -> None:
    """Save one posted answer and note in `result` what became of it."""
    try:
        saved = answer_save(
            participant=participant,
            enrollment=enrollment,
            module=module,
            block_id=block_id,
            value=value,
            version=_posted_version(post, block_id),
        )
    except StaleAnswer as stale:
        result.conflicts[block_id] = stale.current
        result.typed[block_id] = value
    except ValidationError as error:
        result.errors[block_id] = " ".join(error.messages)
        result.typed[block_id] = value
    except PermissionDenied:
        result.denied = True
    else:
        result.saved[block_id] = saved.answer


def answers_save_posted(
    *,
    participant: User,
    enrollment: Enrollment,
    module: ModulePage,
    post: QueryDict,
    answered: Collection[str] = (),
    shown: ModulePage | None = None,
    block_id: str | None = None,
) -> PostedAnswers:
    """Save the answers a module's form posted and say, block by block, what happened; the
    full save and the autosave share it, so both check and keep answers alike.

    Without `block_id` the post is the whole form of one part (`answered`: the ids answered
    when the page was read; `shown`: the page in the reader's language). With `block_id` it
    is one exercise's autosave (static/js/autosave.js), saved as posted, also when empty.
    Each answer is saved on its own (`answer_save`): one refused answer keeps none of the
    others from being saved, but a module found closed stops the rest."""
    result = PostedAnswers()
    if block_id is None:
        posted = list(_form_answers(module, post, answered))
    elif (exercise := _exercise(module, block_id)) is not None:
        child, block = exercise
        posted = [(block_id, block.answer_from_post(post, block_id, child.value))]
    else:
        result.errors[block_id] = _not_in_module()
        return result
    for posted_id, value in posted:
        _save_one(
            result,
            participant=participant,
            enrollment=enrollment,
            module=module,
            post=post,
            block_id=posted_id,
            value=value,
        )
        if result.denied:
            return result
    if shown is not None:
        _refuse_untranslatable(result, module, shown, post)
    return result


# --- Check-in --------------------------------------------------------------------------------


def checkin_submit(
    *, participant: User, enrollment: Enrollment, answers: dict[str, Any]
) -> CheckIn:
    _require_participant_can_work(participant, enrollment)
    text = answers.get("free_text") or ""
    if len(text) > FREE_TEXT_MAX:
        raise ValidationError(_("The text is too long."))
    with transaction.atomic():
        previous = CheckIn.objects.filter(enrollment=enrollment).order_by("-submitted_at").first()
        checkin = CheckIn.objects.create(enrollment=enrollment, answers=answers)
        risk = assess(answers, previous.answers if previous else None)
        if risk.level is not None:
            RiskSignal.objects.create(
                enrollment=enrollment,
                source=RiskSignal.Source.CHECKIN,
                level=risk.level,
                reasons=risk.reasons,
                checkin=checkin,
            )
        Enrollment.objects.filter(pk=enrollment.pk).update(last_active_at=checkin.submitted_at)
    return checkin


# --- Risk signals from outside the participant's own path ---------------------------------


def enrollment_mark_active(*, enrollment_id: int, at: datetime) -> None:
    """The participant did something in the treatment at `at` (a message, a questionnaire):
    the caseload's "last active" and "gone quiet" read this."""
    Enrollment.objects.filter(pk=enrollment_id).update(last_active_at=at)


def risk_signal_raise(
    *,
    enrollment: Enrollment,
    source: str,
    level: str,
    reasons: list[str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> RiskSignal:
    """A signal for the care team from outside the check-in: risk words in a message (which
    message and which phrase), partner contact (a level and a date, never any text) or a
    questionnaire (reason keys of checkin.RISK_REASONS, and in `details` the answers that
    raised it). Never shown to the participant."""
    if source not in RiskSignal.Source.values or level not in RiskLevel.values:
        raise ValidationError(_("Unknown risk level."))
    return RiskSignal.objects.create(
        enrollment=enrollment,
        source=source,
        level=level,
        reasons=list(reasons or []),
        details=list(details or []),
    )
