"""Creating the seeded programme (seed/programme.json and seed/modules/*.json, format in
seed/SCHEMA.md) as published Wagtail pages.

Every block id is derived from the module slug and the block's position, so a fresh install
and a rerun produce the same ids, and answers stored against them stay meaningful.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import (
    Locale,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from organisations.models import Organisation

from .models import ModulePage, OrganisationReviewTask, ProgrammeOffer, ProgramPage

SEED_DIR = Path(__file__).resolve().parent / "seed"
PROGRAMME_SLUG = "program"
SEED_NAMESPACE = uuid.UUID("6f1c2a8e-3b7d-5e0f-9a41-0d2c7b5e8f13")
WORKFLOW_NAME = "Klinisk granskning"
REVIEW_TASK_NAME = "Granskning av klinisk ansvarig"
REVIEW_GROUP = "Clinical leads"

# Seed block type -> the ModuleBodyBlock child it becomes.
SEED_BLOCK_TYPES = {
    "heading": "heading",
    "text": "text",
    "callout": "callout",
    "reflection": "reflection",
    "worksheet": "worksheet",
    "checklist": "checklist",
    "single_choice": "single_choice",
    "scale": "scale",
    "timeout_plan": "timeout_plan",
    "homework": "homework",
}
# Blocks whose value holds a ListBlock, and the key it sits under.
LIST_KEYS = {"worksheet": "fields", "checklist": "options", "single_choice": "options"}


@dataclass(frozen=True)
class SeedResult:
    created: bool
    programme: ProgramPage
    modules: list[ModulePage]
    translated: list[str] = field(default_factory=list)  # slugs of pages translated now
    workflow_attached: list[str] = field(default_factory=list)  # programmes given the workflow


def seed_block_id(module_slug: str, index: int, *parts: object) -> str:
    name = ":".join(str(p) for p in (module_slug, index, *parts))
    return str(uuid.uuid5(SEED_NAMESPACE, name))


def raw_body(module_slug: str, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The seed's `{type, value}` blocks as StreamField raw data with stable ids."""
    raw = []
    for index, item in enumerate(blocks):
        block_type = SEED_BLOCK_TYPES[item["type"]]
        value = item["value"]
        list_key = LIST_KEYS.get(block_type)
        if list_key is not None:
            value = dict(value)
            value[list_key] = [
                {"type": "item", "value": entry, "id": seed_block_id(module_slug, index, n)}
                for n, entry in enumerate(value[list_key])
            ]
        raw.append({"type": block_type, "value": value, "id": seed_block_id(module_slug, index)})
    return raw


def load_seed(seed_dir: Path = SEED_DIR) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    programme = json.loads((seed_dir / "programme.json").read_text(encoding="utf-8"))
    modules = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((seed_dir / "modules").glob("*.json"))
    ]
    return programme, modules


def seed_programme(*, seed_dir: Path = SEED_DIR, language: str = "sv") -> SeedResult:
    """Create and publish the programme and its modules, unless a programme already exists:
    an organisation's edits are never overwritten."""
    programme_data, modules_data = load_seed(seed_dir)
    locale = Locale.objects.get(language_code=language)
    existing = ProgramPage.objects.filter(slug=PROGRAMME_SLUG, locale=locale).first()
    if existing is not None:
        translated = seed_translations(existing, programme_data, modules_data)
        return SeedResult(
            created=False,
            programme=existing,
            modules=list(existing.modules()),
            translated=translated,
            workflow_attached=attach_review_workflow(),
        )

    with transaction.atomic():
        root = Page.get_first_root_node()
        assert root is not None, "Wagtail's root page is missing; run migrate first."
        programme = ProgramPage(
            title=programme_data[language]["title"],
            slug=PROGRAMME_SLUG,
            intro=programme_data[language]["intro"],
            locale=locale,
        )
        root.add_child(instance=programme)
        programme.save_revision().publish()
        # The demo's organisations all offer the seeded programme.
        for organisation in Organisation.objects.all():
            ProgrammeOffer.objects.get_or_create(
                organisation=organisation, translation_key=programme.translation_key
            )

        modules = []
        for data in modules_data:
            text = data[language]
            module = ModulePage(
                title=text["title"],
                slug=data["slug"],
                theme=data["theme"],
                summary=text["summary"],
                estimated_minutes=data["estimated_minutes"],
                unlock_rule=data["unlock_rule"],
                body=raw_body(data["slug"], text["body"]),
                locale=locale,
            )
            programme.add_child(instance=module)
            module.save_revision().publish()
            modules.append(module)
        translated = seed_translations(programme, programme_data, modules_data)
        attached = attach_review_workflow()
    return SeedResult(
        created=True,
        programme=programme,
        modules=modules,
        translated=translated,
        workflow_attached=attached,
    )


def review_workflow() -> Workflow:
    """The moderation workflow "Klinisk granskning": one approval by a clinical lead of the
    organisation that owns the programme."""
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task = OrganisationReviewTask.objects.filter(name=REVIEW_TASK_NAME).first()
        if task is None:
            task = OrganisationReviewTask.objects.create(name=REVIEW_TASK_NAME)
        task.groups.add(Group.objects.get_or_create(name=REVIEW_GROUP)[0])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


@transaction.atomic
def attach_review_workflow() -> list[str]:
    """Put every programme page (each locale's) that has no workflow of its own under the
    clinical review, so that no change below it reaches participants unapproved. A
    programme an organisation gave another workflow keeps it. Returns the pages attached
    now, as "<language>:<slug>"."""
    workflow = review_workflow()
    attached = []
    for programme in ProgramPage.objects.select_related("locale").order_by("path"):
        _link, created = WorkflowPage.objects.get_or_create(
            page=programme, defaults={"workflow": workflow}
        )
        if created:
            attached.append(f"{programme.locale.language_code}:{programme.slug}")
    return attached


def translation_languages() -> list[str]:
    """The content languages besides the default, when Wagtail's i18n is switched on."""
    if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return []
    default = Locale.get_default().language_code
    codes = [code for code, _name in getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", [])]
    return [code for code in codes if code != default]


def seed_translations(
    programme: ProgramPage,
    programme_data: dict[str, Any],
    modules_data: list[dict[str, Any]],
) -> list[str]:
    """Add the seed's translations of the programme and its seeded modules where a page has
    none yet. A translated module keeps the original's block ids: answers belong to the
    block, whatever language the participant read it in."""
    done: list[str] = []
    by_slug = {data["slug"]: data for data in modules_data}
    for language in translation_languages():
        if language not in programme_data:
            continue
        locale, _created = Locale.objects.get_or_create(language_code=language)
        with transaction.atomic():
            programme_tr = programme.get_translation_or_none(locale)
            if programme_tr is None:
                programme_tr = programme.copy_for_translation(locale)
                programme_tr.title = programme_data[language]["title"]
                programme_tr.intro = programme_data[language]["intro"]
                programme_tr.save_revision().publish()
                done.append(programme_tr.slug)
            for module in ModulePage.objects.child_of(programme).order_by("path"):
                data = by_slug.get(module.slug)
                if data is None or language not in data:
                    continue
                if module.get_translation_or_none(locale) is not None:
                    continue
                text = data[language]
                module_tr = module.copy_for_translation(locale)
                module_tr.title = text["title"]
                module_tr.summary = text["summary"]
                module_tr.body = raw_body(data["slug"], text["body"])
                module_tr.save_revision().publish()
                done.append(module_tr.slug)
    return done
