"""Reads for the participant's pages, limited to what the asking participant may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404
from django.utils import translation

from accounts.models import User
from content.blocks import answer_block
from content.models import ModulePage
from content.selectors import resolve_blocks
from organisations.models import Organisation, Unit

from .models import OPEN_STATUSES, Answer, CheckIn, Enrollment, ModuleProgress, ModuleState


def current_enrollment(participant: User) -> Enrollment | None:
    """The participant's open enrollment, else their latest one (to show where they ended)."""
    enrollments = Enrollment.objects.filter(participant=participant).select_related("programme")
    return (
        enrollments.filter(status__in=OPEN_STATUSES).order_by("-created_at").first()
        or enrollments.order_by("-created_at").first()
    )


def unit_of(participant: User) -> Unit | None:
    """The unit of the participant's latest enrollment (with its organisation): where a read
    or a change of their record that names no enrollment is logged. None before any."""
    enrollment = (
        Enrollment.objects.filter(participant=participant)
        .select_related("unit__organisation")
        .order_by("-created_at", "-pk")
        .first()
    )
    return enrollment.unit if enrollment is not None else None


def organisation_of(user: User) -> Organisation | None:
    """The organisation whose words a page uses for `user`: a participant's is their latest
    enrollment's unit's; staff's that of their first grant (the platform administrator, who
    holds none, and the anonymous visitor have none)."""
    if not user.is_authenticated:
        return None
    unit = unit_of(user)
    if unit is not None:
        return unit.organisation
    grant = (
        user.role_grants.filter(organisation__isnull=False)
        .select_related("organisation")
        .order_by("pk")
        .first()
    )
    return grant.organisation if grant is not None else None


def enrollment_or_404(participant: User) -> Enrollment:
    enrollment = current_enrollment(participant)
    if enrollment is None:
        raise Http404
    return enrollment


@dataclass
class ModuleRow:
    progress: ModuleProgress
    page: ModulePage  # in the reader's language when a translation exists
    number: int
    total: int | None = None  # the programme's length, where the selector knew it

    @property
    def key(self) -> Any:
        return self.progress.module.translation_key

    @property
    def state(self) -> str:
        return self.progress.state

    @property
    def is_open(self) -> bool:
        return self.progress.is_open


def _translations(modules: list[ModulePage]) -> dict[Any, ModulePage]:
    """Each module in the active language, fetched in one query (falls back to the original).
    The modules come with their locale (select_related), so modules already in the active
    language cost no query at all."""
    language = translation.get_language() or "sv"
    keys = [m.translation_key for m in modules if m.locale.language_code != language]
    if not keys:
        return {}
    return {
        page.translation_key: page
        for page in ModulePage.objects.live().filter(
            translation_key__in=keys, locale__language_code=language
        )
    }


def module_rows(enrollment: Enrollment, *, bodies: bool = True) -> list[ModuleRow]:
    """The enrollment's modules in programme order. Without `bodies` the modules' StreamField
    bodies are not read (a list of titles and states: the home page and the module list), which
    spares decoding every module's JSON on each of those pages."""
    rows = ModuleProgress.objects.filter(enrollment=enrollment).select_related(
        "module", "module__locale"
    )
    if not bodies:
        rows = rows.defer("module__body")
    progress = list(rows.order_by("module__path"))
    translated = _translations([p.module for p in progress])
    return [
        ModuleRow(p, translated.get(p.module.translation_key, p.module), number)
        for number, p in enumerate(progress, start=1)
    ]


def progress_or_404(enrollment: Enrollment, key: Any) -> ModuleProgress:
    """The enrollment's progress row for one module by the module's public key (with the
    module), or 404: also for a key from another programme, so nothing outside the
    enrollment's programme can be probed."""
    progress = (
        ModuleProgress.objects.filter(enrollment=enrollment, module__translation_key=key)
        .select_related("module", "module__locale")
        .first()
    )
    if progress is None:
        raise Http404
    return progress


def module_row(enrollment: Enrollment, key: Any) -> ModuleRow:
    """One module of the participant's programme by its public key, or 404, with its number
    and the programme's length. The order of all the enrollment's modules (ids only) and the
    one module's row with its page: two queries whatever the programme's length."""
    order = list(
        ModuleProgress.objects.filter(enrollment=enrollment)
        .order_by("module__path")
        .values_list("module__translation_key", flat=True)
    )
    try:
        number = [str(k) for k in order].index(str(key)) + 1
    except ValueError:
        raise Http404 from None
    progress = progress_or_404(enrollment, key)
    page = _translations([progress.module]).get(progress.module.translation_key, progress.module)
    return ModuleRow(progress, page, number, total=len(order))


def answers_for(enrollment: Enrollment, module: ModulePage) -> dict[str, Answer]:
    return {a.block_id: a for a in Answer.objects.filter(enrollment=enrollment, module=module)}


def checkins_for(enrollment: Enrollment) -> list[CheckIn]:
    return list(CheckIn.objects.filter(enrollment=enrollment).order_by("-submitted_at"))


def current_and_next(rows: list[ModuleRow]) -> tuple[ModuleRow | None, ModuleRow | None]:
    """The module to work on now (the first open, unfinished one) and the one after it."""
    current = next((r for r in rows if r.is_open and r.state != ModuleState.COMPLETED), None)
    if current is None:
        return None, None
    following = next((r for r in rows if r.number == current.number + 1), None)
    return current, following


# --- A participant's answers, by module (the therapist's answers page, the own-data file) ---


@dataclass
class AnswerItem:
    """One answered block next to its question."""

    question: str
    parts: list[tuple[str, str]]  # (label, answer text); label "" for a single answer
    current: bool
    revision_at: datetime | None
    updated_at: datetime


def _question_of(block_type: str, value: Any) -> str:
    get = value.get if hasattr(value, "get") else (lambda key, default="": default)
    for key in ("question", "title", "intro"):
        text = get(key, "")
        if text:
            return str(text)
    return block_type


def answers_by_module(enrollment: Enrollment) -> list[tuple[Any, list[AnswerItem]]]:
    """Every module that has answers, in programme order, each with its answers next to the
    question as it reads now, or as it read in the revision that last had a deleted block."""
    answers: dict[int, list[Answer]] = {}
    for answer in Answer.objects.filter(enrollment=enrollment).order_by("pk"):
        answers.setdefault(answer.module_id, []).append(answer)
    result = []
    for row in module_rows(enrollment):
        given = answers.get(row.progress.module_id)
        if not given:
            continue
        resolved = resolve_blocks(row.page, [a.block_id for a in given])
        order = {child.id: n for n, child in enumerate(row.page.body)}
        items = []
        for answer in sorted(given, key=lambda a: order.get(a.block_id, 10_000)):
            block = resolved.get(answer.block_id)
            if block is None:
                continue
            items.append(
                AnswerItem(
                    question=_question_of(block.block_type, block.value),
                    parts=answer_block(block.block).answer_parts(answer.value, block.value),
                    current=block.current,
                    revision_at=block.revision_created_at,
                    updated_at=answer.updated_at,
                )
            )
        result.append((row, items))
    return result
