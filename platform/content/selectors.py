"""Reading module content by block id, including blocks an editor has since deleted.

Answers are stored against a block's UUID. When an editor deletes a block, the answers stay,
and whoever reads them needs the question they answered: `resolve_blocks` finds it in the
newest revision that still had the block.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from wagtail.blocks import Block
from wagtail.models import Locale, Page, TaskState, WorkflowState

from .blocks import AnswerShape, ModuleBodyBlock, answer_shape
from .models import ModulePage, ProgrammeOffer, ProgramPage
from .translation import missing_exercises


@dataclass(frozen=True)
class ResolvedBlock:
    id: str
    block_type: str
    block: Block
    value: Any
    answer_shape: AnswerShape | None
    # False: the block is no longer in the live module; value is from `revision_id`.
    current: bool
    revision_id: int | None = None
    revision_created_at: datetime | None = None


def _stream_block() -> ModuleBodyBlock:
    return ModulePage._meta.get_field("body").stream_block


def _raw_body(content: dict[str, Any]) -> list[dict[str, Any]]:
    body = content.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return []
    return body if isinstance(body, list) else []


def resolve_blocks(module: ModulePage, block_ids: Iterable[str]) -> dict[str, ResolvedBlock]:
    """Each id's block as it is live now, or else as the newest revision that had it
    (`current=False`). Ids never seen in this module are left out."""
    wanted = {str(block_id) for block_id in block_ids}
    resolved: dict[str, ResolvedBlock] = {}

    for child in module.body:
        if child.id in wanted:
            resolved[child.id] = ResolvedBlock(
                id=child.id,
                block_type=child.block_type,
                block=child.block,
                value=child.value,
                answer_shape=answer_shape(child.block),
                current=True,
            )
    missing = wanted - resolved.keys()
    if not missing:
        return resolved

    child_blocks = _stream_block().child_blocks
    revisions = module.revisions.order_by("-created_at", "-id").only("id", "created_at", "content")
    for revision in revisions.iterator():
        for item in _raw_body(revision.content):
            block_id = item.get("id")
            block = child_blocks.get(item.get("type", ""))
            if block_id not in missing or block is None:
                continue
            resolved[block_id] = ResolvedBlock(
                id=block_id,
                block_type=block.name,
                block=block,
                value=block.to_python(item.get("value")),
                answer_shape=answer_shape(block),
                current=False,
                revision_id=revision.id,
                revision_created_at=revision.created_at,
            )
            missing.discard(block_id)
        if not missing:
            break
    return resolved


# --- What an editor can act on now (the /editor/ landing page) ----------------------------


@dataclass(frozen=True)
class EditorItem:
    """One row of the editor's page: a page to open in the CMS, and why."""

    title: str
    url: str
    when: datetime | None = None
    who: str = ""  # who wrote the revision under review
    language: str = ""
    missing: int = 0  # exercises a translation lacks


def drafts_of(user: Any) -> list[EditorItem]:
    """Pages with changes not yet published whose newest revision is this user's, and that
    are not waiting in a review (those are the reviewer's now; a draft sent back with
    "changes requested" is the editor's again); newest first."""
    # A workflow state names its page by a text object_id: compared as text, which PostgreSQL
    # requires (it has no varchar = integer operator; SQLite converts silently).
    in_review = WorkflowState.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        status=WorkflowState.STATUS_IN_PROGRESS,
    )
    pages = (
        Page.objects.filter(has_unpublished_changes=True, latest_revision__user=user)
        .exclude(Exists(in_review))
        .select_related("latest_revision", "locale")
        .order_by("-latest_revision__created_at")
    )
    return [
        EditorItem(
            title=page.draft_title,
            url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
            when=page.latest_revision.created_at if page.latest_revision else None,
            language=page.locale.get_display_name() or "",
        )
        for page in pages
    ]


def reviews_for(user: Any) -> list[EditorItem]:
    """Pages whose review task this user may act on (approve, or ask for changes), oldest
    first: what has waited longest is reviewed first."""
    states = (
        TaskState.objects.reviewable_by(user)
        .select_related("revision", "revision__user", "task")
        .order_by("started_at")
    )
    items = []
    for state in states:
        page = state.revision.content_object if state.revision else None
        if not isinstance(page, Page) or not state.task.specific.get_actions(page, user):
            continue
        author = state.revision.user
        items.append(
            EditorItem(
                title=page.draft_title,
                url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                when=state.started_at,
                who=(author.display_name or author.email) if author else "",
                language=page.locale.get_display_name() or "",
            )
        )
    return items


def translations_lacking_exercises() -> list[EditorItem]:
    """Translated modules that, as their newest draft has them, lack exercises the original
    has; each links to the page where the editor copies them in."""
    default = Locale.get_default()
    originals = {page.translation_key: page for page in ModulePage.objects.filter(locale=default)}
    translations = (
        ModulePage.objects.exclude(locale=default)
        .select_related("locale")
        .order_by("locale__language_code", "path")
    )
    items = []
    for page in translations:
        original = originals.get(page.translation_key)
        if original is None:
            continue
        draft = page.get_latest_revision_as_object() if page.has_unpublished_changes else page
        missing = missing_exercises(draft, original)
        if missing:
            items.append(
                EditorItem(
                    title=draft.title,
                    url=reverse("content:translation_gaps", args=[page.pk]),
                    language=page.locale.get_display_name() or "",
                    missing=len(missing),
                )
            )
    return items


def offered_programmes(organisation_id: int) -> QuerySet[ProgramPage]:
    """The programmes of the shared library that the organisation offers, in every language."""
    keys = ProgrammeOffer.objects.filter(organisation_id=organisation_id).values("translation_key")
    return ProgramPage.objects.filter(translation_key__in=keys)


def is_offered(programme: ProgramPage, organisation_id: int) -> bool:
    return ProgrammeOffer.objects.filter(
        organisation_id=organisation_id, translation_key=programme.translation_key
    ).exists()


def library() -> list[ProgramPage]:
    """Every live programme an organisation may offer, once each (its first page in the
    tree, the original language), whoever owns it."""
    seen: set[Any] = set()
    programmes = []
    for page in ProgramPage.objects.live().select_related("owning_organisation").order_by("path"):
        if page.translation_key not in seen:
            seen.add(page.translation_key)
            programmes.append(page)
    return programmes
