"""A small programme built in code, and an active enrollment of the cast's participant
(`enroll`, which the other apps' tests use too)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from wagtail.models import Locale, Page

from accounts.models import User
from content.models import ModulePage, ProgramPage, UnlockRule
from modules.models import Enrollment
from modules.services import enrollment_create, enrollment_start


def answer_blocks(n: int, prefix: str) -> list[dict[str, Any]]:
    """n answer blocks cycling through every answer shape, plus a text block."""
    kinds = [
        ("reflection", {"question": "What happened?", "help_text": ""}),
        (
            "worksheet",
            {
                "title": "W",
                "intro": "",
                "fields": [
                    {"label": "Situation", "help_text": ""},
                    {"label": "Thoughts", "help_text": ""},
                ],
            },
        ),
        ("checklist", {"question": "Which?", "options": ["Shouting", "Pushing", "Threats"]}),
        ("single_choice", {"question": "One?", "options": ["Leave", "Stay"]}),
        ("scale", {"question": "How close?", "min_label": "Not", "max_label": "Very"}),
        ("timeout_plan", {"intro": "Plan"}),
        ("homework", {"title": "H", "task": "<p>Do it</p>"}),
    ]
    body: list[dict[str, Any]] = [
        {"type": "text", "value": "<p>Read this.</p>", "id": str(uuid.uuid4())}
    ]
    for i in range(n):
        kind, value = kinds[i % len(kinds)]
        body.append(
            {
                "type": kind,
                "value": value,
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}-{i}")),
            }
        )
    return body


def wagtail_root() -> Page:
    """Wagtail's root page, which its migration creates; a transactional test before this
    one (live server, sockets) flushes the database, so make it again when it is gone."""
    root = Page.get_first_root_node()
    if root is None:
        locale, _created = Locale.objects.get_or_create(language_code="sv")
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


def make_programme(modules: int = 3, answers_per_module: int = 7, **rules: str) -> ProgramPage:
    root = wagtail_root()
    programme = ProgramPage(
        title="Programme", slug=f"prog-{uuid.uuid4().hex[:6]}", intro="<p>x</p>"
    )
    root.add_child(instance=programme)
    programme.save_revision().publish()
    for i in range(modules):
        module = ModulePage(
            title=f"Module {i + 1}",
            slug=f"module-{i + 1}",
            summary="Summary",
            unlock_rule=rules.get(str(i + 1), UnlockRule.THERAPIST),
            body=answer_blocks(answers_per_module, f"{programme.slug}-{i}"),
        )
        programme.add_child(instance=module)
        module.save_revision().publish()
    return programme


@pytest.fixture
def programme(db: None) -> ProgramPage:
    return make_programme()


def modules_of(programme: ProgramPage) -> list[ModulePage]:
    return list(ModulePage.objects.child_of(programme).order_by("path"))


def enroll(participant: User, therapist: User, programme: ProgramPage) -> Enrollment:
    """An active enrollment of `participant` in `programme`, with `therapist` as therapist
    (its thread is made by messaging's receiver), as the services make it."""
    e = enrollment_create(
        actor=therapist, participant=participant, programme=programme, therapist=therapist
    )
    enrollment_start(enrollment=e)
    e.refresh_from_db()
    return e


@pytest.fixture
def enrollment(programme: ProgramPage, participant: User, therapist: User) -> Enrollment:
    return enroll(participant, therapist, programme)


def save_answer(
    participant: User,
    enrollment: Enrollment,
    module: ModulePage,
    block_id: str,
    value: Any,
    *,
    version: int | None = 0,
) -> Any:
    """modules.services.answer_save, as the participant in these tests calls it."""
    from modules.services import answer_save

    return answer_save(
        participant=participant,
        enrollment=enrollment,
        module=module,
        block_id=block_id,
        value=value,
        version=version,
    )
