"""The blocks a module's body is made of.

Blocks that collect an answer say so with `answer_shape` (see `AnswerShape`); answers are
stored against the StreamField child's own UUID, so the form field names rendered here carry
that id: `answer-<block id>` and, for blocks with several parts, `answer-<block id>-<part>`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import RichText

# No embeds, no images, no raw HTML: the editor offers only these, and `clean` strips
# anything else that arrives by another route (an import, the API, a pasted seed).
RICH_TEXT_FEATURES = ["bold", "italic", "h3", "ol", "ul", "link"]


class AnswerShape(StrEnum):
    """What an answer-collecting block stores for one participant."""

    TEXT = "text"  # str: reflection, homework
    FIELDS = "fields"  # list[str], one per worksheet field, by field index
    CHOICES = "choices"  # list[str]: the option texts chosen (checklist)
    CHOICE = "choice"  # str: the option text chosen (single choice)
    SCALE = "scale"  # int 0..10
    TIMEOUT_PLAN = "timeout_plan"  # dict[str, str] keyed by TIMEOUT_PLAN_PARTS


# The fixed parts of a time-out plan; the keys are part of the stored answer, never rename.
TIMEOUT_PLAN_PARTS: list[tuple[str, Any]] = [
    ("warning_signs", _("My warning signs")),
    ("where_i_go", _("Where I go")),
    ("calm_down", _("What I do to calm down")),
    ("coming_back", _("When and how I come back")),
]

SCALE_RANGE = range(0, 11)


def field_name(block_id: str, part: str | int | None = None) -> str:
    """The form field name an answer (or one part of it) is posted under."""
    return f"answer-{block_id}" if part is None else f"answer-{block_id}-{part}"


class AnswerBlockMixin:
    answer_shape: ClassVar[AnswerShape | None] = None


def answer_shape(block: blocks.Block) -> AnswerShape | None:
    """Whether a block collects an answer and of what shape (None: it only shows content)."""
    return getattr(block, "answer_shape", None)


# Wagtail names an input by a <label for> only inside a StructBlock. A block placed directly in
# the stream shows its label in the block's header, and a ListBlock's items show none, so a
# screen reader would announce those inputs nameless; the rich-text editor's own text box is
# never the label's target at all. These blocks therefore carry their label on the input
# itself (aria-label, kept lazy so it is read in the editor's language).


class NamedCharBlock(blocks.CharBlock):
    """A one-line text whose input is named by the block's label."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._name_input()

    def set_name(self, name: str) -> None:
        super().set_name(name)
        self._name_input()

    def _name_input(self) -> None:
        if self.label:
            self.field.widget.attrs["aria-label"] = self.label


class RestrictedRichTextBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    @cached_property
    def field(self) -> Any:
        field = super().field
        # Draftail passes its options through to the editor: its text box gets this name.
        field.widget.options["ariaLabel"] = self.label
        return field

    def clean(self, value: RichText) -> RichText:
        value = super().clean(value)
        try:
            html = sanitise_rich_text(value.source, self.features or RICH_TEXT_FEATURES)
        except ValueError as error:
            raise ValidationError(_("This text could not be read; please retype it.")) from error
        return RichText(html)


def sanitise_rich_text(html: str, features: Sequence[str] = RICH_TEXT_FEATURES) -> str:
    """Keep only what the feature set allows, by a round trip through the editor's format.
    Raises ValueError for HTML the converter cannot parse (unbalanced tags)."""
    # Imported here: the converter module loads the Page model, which blocks.py must not.
    from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

    converter = ContentstateConverter(list(features))
    try:
        contentstate = converter.from_database_format(html)
    except AssertionError as error:  # the converter asserts on unbalanced tags
        raise ValueError(str(error)) from error
    return converter.to_database_format(contentstate)


class HeadingBlock(NamedCharBlock):
    class Meta:
        template = "content/blocks/heading.html"
        icon = "title"
        label = _("Heading")


class TextBlock(RestrictedRichTextBlock):
    class Meta:
        template = "content/blocks/text.html"
        icon = "pilcrow"
        label = _("Text")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_("What the image shows, for someone who cannot see it."),
    )

    class Meta:
        template = "content/blocks/image.html"
        icon = "image"
        label = _("Image")


class VideoBlock(blocks.StructBlock):
    video = DocumentChooserBlock(
        label=_("Video file"), help_text=_("A video file uploaded to the document library.")
    )
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    text_alternative = blocks.TextBlock(
        label=_("Text alternative"),
        help_text=_("A transcript or a full description of what the video says and shows."),
    )

    class Meta:
        template = "content/blocks/video.html"
        icon = "media"
        label = _("Video")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", _("Information")), ("safety", _("Safety"))],
        default="info",
        label=_("Kind"),
        help_text=_("A safety box stands out: use it for what to do when someone is in danger."),
    )
    title = blocks.CharBlock(max_length=200, label=_("Title"))
    text = RestrictedRichTextBlock(label=_("Text"))

    class Meta:
        template = "content/blocks/callout.html"
        icon = "warning"
        label = _("Callout")


class ReflectionBlock(AnswerBlockMixin, blocks.StructBlock):
    answer_shape = AnswerShape.TEXT

    question = blocks.CharBlock(max_length=500, label=_("Question"))
    help_text = blocks.CharBlock(
        max_length=500,
        required=False,
        label=_("Help text"),
        help_text=_("Shown under the question, to help the participant get started."),
    )

    class Meta:
        template = "content/blocks/reflection.html"
        icon = "help"
        label = _("Reflection question")


class WorksheetFieldBlock(blocks.StructBlock):
    label = blocks.CharBlock(
        max_length=300,
        label=_("Label"),
        help_text=_("What the participant writes in this field."),
    )
    help_text = blocks.CharBlock(max_length=500, required=False, label=_("Help text"))

    class Meta:
        label = _("Field")


class WorksheetBlock(AnswerBlockMixin, blocks.StructBlock):
    answer_shape = AnswerShape.FIELDS

    title = blocks.CharBlock(max_length=200, label=_("Title"))
    intro = blocks.TextBlock(required=False, label=_("Introduction"))
    fields = blocks.ListBlock(WorksheetFieldBlock(), min_num=1, label=_("Fields"))

    def get_context(self, value: Any, parent_context: Mapping[str, Any] | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        answer = context.get("answer")
        answers = list(answer) if isinstance(answer, list | tuple) else []
        context["rows"] = [
            (index, field, answers[index] if index < len(answers) else "")
            for index, field in enumerate(value["fields"])
        ]
        return context

    class Meta:
        template = "content/blocks/worksheet.html"
        icon = "form"
        label = _("Worksheet")


class ChecklistBlock(AnswerBlockMixin, blocks.StructBlock):
    answer_shape = AnswerShape.CHOICES

    question = blocks.CharBlock(max_length=500, label=_("Question"))
    options = blocks.ListBlock(
        NamedCharBlock(max_length=300, label=_("Option")),
        min_num=1,
        label=_("Options"),
        help_text=_("The participant may tick any number of them."),
    )

    def get_context(self, value: Any, parent_context: Mapping[str, Any] | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        answer = context.get("answer")
        chosen = set(answer) if isinstance(answer, list | tuple | set) else set()
        context["choices"] = [
            (index, option, option in chosen) for index, option in enumerate(value["options"])
        ]
        return context

    class Meta:
        template = "content/blocks/checklist.html"
        icon = "tasks"
        label = _("Checklist")


class SingleChoiceBlock(AnswerBlockMixin, blocks.StructBlock):
    answer_shape = AnswerShape.CHOICE

    question = blocks.CharBlock(max_length=500, label=_("Question"))
    options = blocks.ListBlock(
        NamedCharBlock(max_length=300, label=_("Option")),
        min_num=2,
        label=_("Options"),
        help_text=_("The participant chooses one of them."),
    )

    def get_context(self, value: Any, parent_context: Mapping[str, Any] | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        answer = context.get("answer")
        context["choices"] = [
            (index, option, option == answer) for index, option in enumerate(value["options"])
        ]
        return context

    class Meta:
        template = "content/blocks/single_choice.html"
        icon = "radio-full"
        label = _("Single choice")


class ScaleBlock(AnswerBlockMixin, blocks.StructBlock):
    answer_shape = AnswerShape.SCALE

    question = blocks.CharBlock(max_length=500, label=_("Question"))
    min_label = blocks.CharBlock(max_length=100, label=_("Label for 0"))
    max_label = blocks.CharBlock(max_length=100, label=_("Label for 10"))

    def get_context(self, value: Any, parent_context: Mapping[str, Any] | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        answer = context.get("answer")
        try:
            selected = int(answer) if answer is not None and answer != "" else None
        except (TypeError, ValueError):
            selected = None
        context["steps"] = [(step, step == selected) for step in SCALE_RANGE]
        return context

    class Meta:
        template = "content/blocks/scale.html"
        icon = "order"
        label = _("Scale 0–10")


class TimeoutPlanBlock(AnswerBlockMixin, blocks.StructBlock):
    answer_shape = AnswerShape.TIMEOUT_PLAN

    intro = blocks.TextBlock(
        required=False,
        label=_("Introduction"),
        help_text=_(
            "The plan's four parts (warning signs, where I go, calming down, coming back) "
            "are always asked."
        ),
    )

    def get_context(self, value: Any, parent_context: Mapping[str, Any] | None = None) -> dict:
        context = super().get_context(value, parent_context=parent_context)
        answer = context.get("answer")
        answers = answer if isinstance(answer, Mapping) else {}
        context["parts"] = [(key, label, answers.get(key, "")) for key, label in TIMEOUT_PLAN_PARTS]
        return context

    class Meta:
        template = "content/blocks/timeout_plan.html"
        icon = "list-ul"
        label = _("Time-out plan")


class HomeworkBlock(AnswerBlockMixin, blocks.StructBlock):
    answer_shape = AnswerShape.TEXT

    title = blocks.CharBlock(max_length=200, label=_("Title"))
    task = RestrictedRichTextBlock(label=_("Task"))

    class Meta:
        template = "content/blocks/homework.html"
        icon = "calendar-check"
        label = _("Homework")


class ModuleBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    text = TextBlock()
    image = ImageBlock()
    video = VideoBlock()
    callout = CalloutBlock()
    reflection = ReflectionBlock()
    worksheet = WorksheetBlock()
    checklist = ChecklistBlock()
    single_choice = SingleChoiceBlock()
    scale = ScaleBlock()
    timeout_plan = TimeoutPlanBlock()
    homework = HomeworkBlock()


# type name -> shape, for code that only has the stored raw data.
ANSWER_BLOCK_TYPES: dict[str, AnswerShape] = {
    name: shape
    for name, block in ModuleBodyBlock.base_blocks.items()
    if (shape := answer_shape(block)) is not None
}
