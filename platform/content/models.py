"""The programme and its modules, as Wagtail pages.

These pages are never served by Wagtail's front end: participants read a module through the
modules app, which checks enrolment and unlocking and supplies the participant's answers.
Wagtail only uses them for editing, revisions, moderation and preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.blocks import Block
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import GroupApprovalTask, Page

from .blocks import RICH_TEXT_FEATURES, AnswerShape, ModuleBodyBlock, answer_shape
from .panels import TranslationGapsPanel
from .parts import split_into_parts
from .preview import participant_preview_context, render_in_language

MODULE_TEMPLATE = "content/module_page.html"


class ProgramPage(Page):
    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    # The organisation whose editors and clinical leads keep the programme. Any organisation
    # may offer it (ProgrammeOffer) without copying it, so answers stay tied to the same
    # block ids wherever it is used. Empty: the installation's own, kept by every editor.
    owning_organisation: models.ForeignKey[Any, Any] = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owned by"),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    # A closed site: no search engine, menu or social card ever sees these pages, so the
    # "Promote" tab (its slug, SEO title, description, "show in menus") is left out. The
    # slug is made from the title when a page is created; participants' addresses use the
    # page's translation key, never the slug.
    promote_panels: list[Any] = []

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["content.ModulePage"]
    # The CMS lists the modules in the order participants meet them (the tree's order),
    # not by when each was last changed.
    admin_default_ordering = "ord"

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise Http404

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        response = TemplateResponse(
            request,
            "content/program_page.html",
            {"page": self, **participant_preview_context()},
        )
        return render_in_language(response, self.locale.language_code)

    def modules(self) -> models.QuerySet[ModulePage]:
        return ModulePage.objects.child_of(self).live().order_by("path")


class Theme(models.TextChoices):
    WELCOME = "welcome", _("Welcome")
    VIOLENCE = "violence", _("Violence")
    RESPONSIBILITY = "responsibility", _("Responsibility")
    CONTEXT = "context", _("Context")
    EMOTIONS_THOUGHTS = "emotions_thoughts", _("Emotions and thoughts")
    CONSEQUENCES = "consequences", _("Consequences")
    ALTERNATIVES = "alternatives", _("Alternatives")
    PARENTING = "parenting", _("Parenting")
    WAY_FORWARD = "way_forward", _("The way forward")
    OTHER = "other", _("Other")


class UnlockRule(models.TextChoices):
    THERAPIST = "therapist", _("Unlocked by the therapist")
    PREVIOUS_COMPLETED = "previous_completed", _("When the previous module is completed")


@dataclass(frozen=True)
class BodyItem:
    """One block of a module body ready to render, with the participant's saved answer."""

    id: str
    block_type: str
    block: Block
    value: Any
    answer_shape: AnswerShape | None
    answer: Any = None

    def render_as_block(self, context: Mapping[str, Any] | None = None) -> str:
        """Used by `{% include_block item %}`: the block's template gets `block_id` and the
        participant's `answer` (None when there is none) beside the page's context."""
        block_context = dict(context or {})
        block_context.update(block_id=self.id, answer=self.answer)
        return self.block.render(self.value, block_context)


class ModulePage(Page):
    theme: models.CharField = models.CharField(
        _("theme"), max_length=32, choices=Theme.choices, default=Theme.OTHER
    )
    summary: models.CharField = models.CharField(_("summary"), max_length=400, blank=True)
    estimated_minutes: models.PositiveSmallIntegerField = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=30
    )
    unlock_rule: models.CharField = models.CharField(
        _("unlock rule"), max_length=32, choices=UnlockRule.choices, default=UnlockRule.THERAPIST
    )
    body = StreamField(ModuleBodyBlock(), blank=True, verbose_name=_("content"))

    content_panels = [
        *Page.content_panels,
        TranslationGapsPanel(heading=_("Translation")),
        FieldPanel("theme"),
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("unlock_rule"),
        FieldPanel("body"),
    ]
    promote_panels: list[Any] = []  # see ProgramPage

    parent_page_types = ["content.ProgramPage"]
    subpage_types: list[str] = []
    template = MODULE_TEMPLATE

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Participants reach modules through the modules app, never through Wagtail's router.
        raise Http404

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        """The participant's module page (the same template), with empty answers, inside the
        participant's header and help box, and nothing that saves."""
        number, total = self._preview_position()
        items = self.body_items()
        parts = split_into_parts(items)
        starts = {id(part.items[0]): part.number for part in parts if part.items}
        entries = [
            {
                "item": item,
                "version": 0,
                "part_start": starts.get(id(item)) if len(parts) > 1 else None,
                "part_count": len(parts),
            }
            for item in items
        ]
        context = {
            **self.participant_context(
                entries=entries,
                number=number,
                total=total,
            ),
            **participant_preview_context(),
            "is_preview": True,
        }
        response = TemplateResponse(request, MODULE_TEMPLATE, context)
        return render_in_language(response, self.locale.language_code)

    def _preview_position(self) -> tuple[int | None, int]:
        """Where this module stands among the published modules of its programme, as the
        participant's "Module 3 of 9" (none for a module not yet in the tree)."""
        if self.pk is None or not self.path:
            return None, 0
        pks = list(
            ModulePage.objects.sibling_of(self)
            .filter(models.Q(live=True) | models.Q(pk=self.pk))
            .order_by("path")
            .values_list("pk", flat=True)
        )
        return (pks.index(self.pk) + 1 if self.pk in pks else None), len(pks)

    def body_items(self, answers: Mapping[str, Any] | None = None) -> list[BodyItem]:
        answers = answers or {}
        return [
            BodyItem(
                id=child.id,
                block_type=child.block_type,
                block=child.block,
                value=child.value,
                answer_shape=(shape := answer_shape(child.block)),
                answer=answers.get(child.id) if shape is not None else None,
            )
            for child in self.body
        ]

    def participant_context(
        self,
        *,
        entries: list[dict[str, Any]],
        number: int | None = None,
        total: int = 0,
        can_save: bool = False,
        autosave_url: str = "",
        complete_url: str = "",
        completed: bool = False,
        part_nav: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The context of content/module_page.html, the one template of a module page: the
        participant's page (the modules app) and the editor's preview both render it.

        `entries` holds one dict per body block: `item` (a BodyItem, with the participant's
        answer), `version` (of the stored answer, 0 for none) and, when a save went wrong,
        `error` or `has_conflict` with `conflict_text` (the text saved in another window).

        `part_nav` is the participant's place among the module's parts (content.parts): the
        entries are then those of one part. The preview has none: it shows every part, each
        marked where it starts (an entry's `part_start`, with `part_count`)."""
        return {
            "page": self,
            "module": self,
            "entries": entries,
            "number": number,
            "total": total,
            "is_preview": False,
            "can_save": can_save,
            "autosave_url": autosave_url,
            "complete_url": complete_url,
            "completed": completed,
            "part_nav": part_nav,
        }


# --- The help box (safety rule 5), editable per site --------------------------------------


class CrisisLineBlock(blocks.StructBlock):
    name = blocks.CharBlock(max_length=100, label=_("Name"))
    number = blocks.CharBlock(max_length=40, label=_("Phone number"))
    hours = blocks.CharBlock(max_length=100, required=False, label=_("Opening hours (Swedish)"))
    hours_en = blocks.CharBlock(max_length=100, required=False, label=_("Opening hours (English)"))

    class Meta:
        icon = "mobile-alt"
        label = _("Crisis line")


DEFAULT_NOT_REALTIME_SV = "Meddelanden i Omtag läses inte i realtid."
DEFAULT_NOT_REALTIME_EN = "Messages in Omtag are not read in real time."


def default_crisis_lines() -> list[dict[str, Any]]:
    # Kvinnofridslinjen is for the victimised partner, not for participants: not listed.
    return [
        {
            "type": "line",
            "value": {
                "name": "Välj att sluta",
                "number": "020-555 666",
                "hours": "vardagar",
                "hours_en": "weekdays",
            },
        }
    ]


class SafetyLineBlock(CrisisLineBlock):
    """A line for someone who has thoughts of death or self-harm right now."""

    chat_url = blocks.URLBlock(
        required=False,
        label=_("Chat or web page (optional)"),
        help_text=_("Shown as a link beside the number, for those who would rather write."),
    )

    class Meta:
        icon = "mobile-alt"
        label = _("Line for thoughts of self-harm")


# As honest as the conversation page's "usually answers within two working days".
DEFAULT_THERAPIST_SEES_SV = (
    "Din terapeut ser det du har skrivit nästa gång hen loggar in, oftast inom två "
    "arbetsdagar. Meddelanden och svar läses inte i realtid, så vänta inte på svar om du "
    "behöver hjälp nu."
)
DEFAULT_THERAPIST_SEES_EN = (
    "Your therapist will see what you wrote the next time they log in, usually within two "
    "working days. Messages and answers are not read in real time, so do not wait for an "
    "answer if you need help now."
)


def default_safety_lines() -> list[dict[str, Any]]:
    """Seeded for every organisation (the safety section on the receipt pages); each
    organisation edits them in the CMS."""
    return [
        {
            "type": "line",
            "value": {
                "name": "Självmordslinjen",
                "number": "90101",
                "hours": "dygnet runt, ring eller chatta",
                "hours_en": "around the clock, call or chat",
                "chat_url": "https://mind.se/hitta-hjalp/sjalvmordslinjen/",
            },
        },
        {
            "type": "line",
            "value": {
                "name": "1177 Vårdguiden",
                "number": "1177",
                "hours": "råd om vård, dygnet runt",
                "hours_en": "health advice, around the clock",
                "chat_url": "",
            },
        },
    ]


@register_setting(icon="help")
class HelpSettings(BaseSiteSetting):
    """What the help box on every participant page says, and the site's display name.

    Wagtail's site settings are per site, not per locale, so the one free text that
    participants read in either language is stored twice (Swedish and English)."""

    site_display_name: models.CharField = models.CharField(
        _("site display name"),
        max_length=100,
        blank=True,
        help_text=_("Shown in the page header and title. Blank: the installation's name."),
    )
    emergency_number: models.CharField = models.CharField(
        _("emergency number"), max_length=20, default="112"
    )
    crisis_lines = StreamField(
        [("line", CrisisLineBlock())],
        blank=True,
        default=default_crisis_lines,
        verbose_name=_("crisis lines"),
    )
    not_realtime_sv: models.CharField = models.CharField(
        _("“not read in real time” (Swedish)"),
        max_length=300,
        default=DEFAULT_NOT_REALTIME_SV,
    )
    not_realtime_en: models.CharField = models.CharField(
        _("“not read in real time” (English)"),
        max_length=300,
        default=DEFAULT_NOT_REALTIME_EN,
    )
    # Shown at once to a participant whose answer or message signals thoughts of death or
    # self-harm (modules.safety), on the page they land on after sending it.
    safety_lines = StreamField(
        [("line", SafetyLineBlock())],
        blank=True,
        default=default_safety_lines,
        verbose_name=_("lines for thoughts of self-harm"),
        help_text=_(
            "Shown, with the emergency number, to a participant whose answer or message "
            "signals thoughts of death or self-harm, right after they send it."
        ),
    )
    therapist_sees_sv: models.CharField = models.CharField(
        _("when the therapist sees it (Swedish)"),
        max_length=300,
        default=DEFAULT_THERAPIST_SEES_SV,
    )
    therapist_sees_en: models.CharField = models.CharField(
        _("when the therapist sees it (English)"),
        max_length=300,
        default=DEFAULT_THERAPIST_SEES_EN,
    )

    panels = [
        FieldPanel("site_display_name"),
        MultiFieldPanel(
            [
                FieldPanel("emergency_number"),
                FieldPanel("crisis_lines"),
                FieldPanel("not_realtime_sv"),
                FieldPanel("not_realtime_en"),
            ],
            heading=_("Help box"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("safety_lines"),
                FieldPanel("therapist_sees_sv"),
                FieldPanel("therapist_sees_en"),
            ],
            heading=_("After an answer about self-harm"),
        ),
    ]

    class Meta:
        verbose_name = _("help box and site name")
        verbose_name_plural = _("help box and site name")


class ProgrammeOffer(models.Model):
    """An organisation offers a programme of the shared library to its participants. Held by
    the programme's translation key, so every language of it is offered at once."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    translation_key = models.UUIDField()
    offered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "translation_key"], name="offer_once_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.translation_key}"


class OrganisationHelp(models.Model):
    """An organisation's own help box: what its participants, and the people who open its
    ask-for-help form, read instead of the installation's (HelpSettings). Every field left
    empty falls back to the installation's, so an organisation sets only what differs, e.g.
    the municipality's own crisis line. Edited on the organisation's help page
    (/editor/organisation-help/) by its editors and administrators."""

    organisation = models.OneToOneField(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="help",
        verbose_name=_("organisation"),
    )
    site_display_name: models.CharField = models.CharField(
        _("site display name"),
        max_length=100,
        blank=True,
        help_text=_("Shown in the page header and title. Blank: the installation's name."),
    )
    emergency_number: models.CharField = models.CharField(
        _("emergency number"), max_length=20, blank=True
    )
    # [{"name", "number", "hours", "hours_en"}], in the order shown; empty: the installation's.
    crisis_lines = models.JSONField(_("crisis lines"), default=list, blank=True)
    not_realtime_sv: models.CharField = models.CharField(
        _("“not read in real time” (Swedish)"), max_length=300, blank=True
    )
    not_realtime_en: models.CharField = models.CharField(
        _("“not read in real time” (English)"), max_length=300, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation's help box")
        verbose_name_plural = _("organisations' help boxes")

    def __str__(self) -> str:
        return str(self.organisation_id)


# --- A programme is kept by the organisation that owns it: only its editors and clinical leads
# change it, and only its clinical leads approve a change (the Wagtail hooks and the review
# task both ask here).


def programme_of(page: Any) -> Any:
    """The programme a page belongs to (itself, if it is one), or None above every programme."""
    specific = page.specific
    if isinstance(specific, ProgramPage):
        return specific
    return ProgramPage.objects.ancestor_of(page).first()


def keeps(user: Any, programme: Any, *roles: str) -> bool:
    """Whether `user` holds one of `roles` (default: editor or clinical lead) in the
    organisation that owns the programme. A programme owned by no organisation is the
    installation's, kept by all."""
    from accounts.models import Role
    from accounts.scope import organisations_where

    if programme is None or programme.owning_organisation_id is None:
        return True
    return programme.owning_organisation_id in organisations_where(
        user, *(roles or (Role.EDITOR, Role.CLINICAL_LEAD))
    )


def kept_page_ids(user: Any, *roles: str) -> list[str]:
    """The ids (as text, the way Wagtail's revisions name their object) of every page in the
    programmes `user` keeps with one of `roles`, programmes included."""
    from accounts.scope import organisations_where

    owners = organisations_where(user, *roles)
    paths = ProgramPage.objects.filter(
        Q(owning_organisation__isnull=True) | Q(owning_organisation__in=owners)
    ).values_list("path", flat=True)
    if not paths:
        return []
    within = Q()
    for path in paths:
        within |= Q(path__startswith=path)
    return [str(pk) for pk in Page.objects.filter(within).values_list("pk", flat=True)]


class OrganisationReviewTask(GroupApprovalTask):
    """The clinical review, limited to the programme's own organisation: a member of the
    chosen groups approves (or asks for changes to) a page only when they are a clinical lead
    of the organisation that owns its programme. Wagtail's group approval alone would let a
    clinical lead of any organisation approve any organisation's programme, through the
    editor or the workflow-action view. Still a GroupApprovalTask, so Wagtail's admin, its
    notifications and its reports treat it as one."""

    def _may_review(self, obj: Any, user: Any) -> bool:
        from accounts.models import Role

        if user.is_superuser:
            return True
        if not self._user_in_groups(user):
            return False
        return isinstance(obj, Page) and keeps(user, programme_of(obj), Role.CLINICAL_LEAD)

    def user_can_access_editor(self, obj: Any, user: Any) -> bool:
        return self._may_review(obj, user)

    def locked_for_user(self, obj: Any, user: Any) -> bool:
        return not self._may_review(obj, user)

    def user_can_lock(self, obj: Any, user: Any) -> bool:
        return self._may_review(obj, user)

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        return super().get_actions(obj, user) if self._may_review(obj, user) else []

    def get_task_states_user_can_moderate(self, user: Any, **kwargs: Any) -> Any:
        from accounts.models import Role

        states = super().get_task_states_user_can_moderate(user, **kwargs)
        if user.is_superuser:
            return states
        return states.filter(revision__object_id__in=kept_page_ids(user, Role.CLINICAL_LEAD))

    @classmethod
    def get_description(cls) -> Any:
        return _(
            "Members of the chosen groups who are clinical leads of the organisation that "
            "owns the programme approve"
        )

    class Meta:
        verbose_name = _("clinical review by the owning organisation")
        verbose_name_plural = _("clinical reviews by the owning organisation")
