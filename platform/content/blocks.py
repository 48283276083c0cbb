"""The blocks a module's body is made of.

Blocks that collect an answer say so with `answer_shape` (see `AnswerShape`); answers are
stored against the StreamField child's own UUID, so the form field names rendered here carry
that id: `answer-<block id>` and, for blocks with several parts, `answer-<block id>-<part>`.

An answer block owns everything about its answer (`AnswerBlockMixin`): reading it from the
posted form, checking it, showing it to the therapist and removing the person's own words
when the record is anonymised. A new exercise is one class here; `modules`, `therapist` and
`records` call these methods and never switch on the shape themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.functional import cached_property
from django.utils.translation import gettext
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
ANSWER_MAX_CHARS = 20_000

# Turns the person's own words (a string, or strings at any depth) into the placeholder;
# records passes it in, so content knows nothing of how anonymisation marks text.
ScrubText = Callable[[Any], Any]


def field_name(block_id: str, part: str | int | None = None) -> str:
    """The form field name an answer (or one part of it) is posted under."""
    return f"answer-{block_id}" if part is None else f"answer-{block_id}-{part}"


def clean_text(value: Any) -> str:
    """One free-text answer (or one part of one): text, not too long, without NUL characters
    (PostgreSQL refuses them in JSON). Raises ValidationError the participant can act on."""
    if not isinstance(value, str):
        raise ValidationError(gettext("The answer must be text."))
    if len(value) > ANSWER_MAX_CHARS:
        raise ValidationError(
            gettext("An answer can be at most %(max)s characters. Yours has %(count)s.")
            % {"max": f"{ANSWER_MAX_CHARS:,}".replace(",", " "), "count": len(value)}
        )
    return value.replace("\x00", "")


class AnswerBlockMixin:
    """A block that collects an answer and owns its behaviour.

    The defaults are those of one free text (`AnswerShape.TEXT`); a block whose answer has
    another shape overrides the methods that do not fit it. They are also how an answer is
    treated whose block no revision knows any more (see `answer_block`): as the person's own
    words."""

    answer_shape: ClassVar[AnswerShape | None] = None

    def answer_from_post(self, post: QueryDict, block_id: str, block_value: Any) -> Any:
        """The answer as the module form posts it (see the block's template)."""
        return post.get(field_name(block_id), "")

    def clean_answer(self, block_value: Any, value: Any) -> Any:
        """The answer checked against the block as it reads now, ready to store. Raises
        ValidationError with a message the participant can act on."""
        return clean_text(value)

    def answer_parts(self, value: Any, block_value: Any) -> list[tuple[str, str]]:
        """What the therapist reads: (label, text) pairs, label "" for a single answer. The
        stored value may predate the block's current form, so nothing is assumed of it."""
        return [("", "" if value is None else str(value))]

    def scrub_answer(self, value: Any, scrub_text: ScrubText) -> Any:
        """The stored answer without the participant's own words, for anonymisation."""
        return scrub_text(value)

    def answer_is_empty(self, value: Any) -> bool:
        """Nothing written or chosen: an untouched form is not saved, and an exercise with
        such an answer counts as unanswered when the module is marked finished."""
        if value is None or value == "" or value == []:
            return True
        if isinstance(value, list):
            return all(v == "" for v in value)
        if isinstance(value, dict):
            return all(v == "" for v in value.values())
        return False


class ChosenAnswerMixin(AnswerBlockMixin):
    """Answers the participant chooses rather than writes: the editor's option texts or a
    number, never the person's own words, so anonymisation keeps them for the report."""

    def scrub_answer(self, value: Any, scrub_text: ScrubText) -> Any:
        return value


def _check_options(block_value: Any, chosen: Any) -> None:
    options = {str(o) for o in block_value["options"]}
    if not isinstance(chosen, list) or not all(isinstance(c, str) and c in options for c in chosen):
        raise ValidationError(gettext("Choose among the options shown."))


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

    def answer_from_post(self, post: QueryDict, block_id: str, block_value: Any) -> list[str]:
        return [post.get(field_name(block_id, i), "") for i in range(len(block_value["fields"]))]

    def clean_answer(self, block_value: Any, value: Any) -> list[str]:
        """One text per field, by index; missing trailing fields are empty."""
        count = len(block_value["fields"])
        if not isinstance(value, list) or len(value) > count:
            raise ValidationError(gettext("The answer does not fit this worksheet."))
        return [clean_text(v) for v in value] + [""] * (count - len(value))

    def answer_parts(self, value: Any, block_value: Any) -> list[tuple[str, str]]:
        labels = [str(f.get("label", "")) for f in block_value.get("fields", [])]
        values = value if isinstance(value, list) else []
        return [
            (labels[i] if i < len(labels) else f"{i + 1}", str(v)) for i, v in enumerate(values)
        ]

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


class ChecklistBlock(ChosenAnswerMixin, blocks.StructBlock):
    answer_shape = AnswerShape.CHOICES

    question = blocks.CharBlock(max_length=500, label=_("Question"))
    options = blocks.ListBlock(
        NamedCharBlock(max_length=300, label=_("Option")),
        min_num=1,
        label=_("Options"),
        help_text=_("The participant may tick any number of them."),
    )

    def answer_from_post(self, post: QueryDict, block_id: str, block_value: Any) -> list[str]:
        return post.getlist(field_name(block_id))

    def clean_answer(self, block_value: Any, value: Any) -> list[str]:
        _check_options(block_value, value)
        return list(value)

    def answer_parts(self, value: Any, block_value: Any) -> list[tuple[str, str]]:
        return [("", ", ".join(str(v) for v in value) if isinstance(value, list) else "")]

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


class SingleChoiceBlock(ChosenAnswerMixin, blocks.StructBlock):
    answer_shape = AnswerShape.CHOICE

    question = blocks.CharBlock(max_length=500, label=_("Question"))
    options = blocks.ListBlock(
        NamedCharBlock(max_length=300, label=_("Option")),
        min_num=2,
        label=_("Options"),
        help_text=_("The participant chooses one of them."),
    )

    def answer_from_post(self, post: QueryDict, block_id: str, block_value: Any) -> str | None:
        return post.get(field_name(block_id)) or None

    def clean_answer(self, block_value: Any, value: Any) -> str:
        _check_options(block_value, [value])
        return str(value)

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


class ScaleBlock(ChosenAnswerMixin, blocks.StructBlock):
    answer_shape = AnswerShape.SCALE

    question = blocks.CharBlock(max_length=500, label=_("Question"))
    min_label = blocks.CharBlock(max_length=100, label=_("Label for 0"))
    max_label = blocks.CharBlock(max_length=100, label=_("Label for 10"))

    def answer_from_post(self, post: QueryDict, block_id: str, block_value: Any) -> str | None:
        return post.get(field_name(block_id)) or None

    def clean_answer(self, block_value: Any, value: Any) -> int:
        """A whole number on the scale; the form posts it as text."""
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value not in SCALE_RANGE:
            raise ValidationError(gettext("Choose a number from 0 to 10."))
        return value

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

    def answer_from_post(self, post: QueryDict, block_id: str, block_value: Any) -> dict[str, str]:
        return {key: post.get(field_name(block_id, key), "") for key, _label in TIMEOUT_PLAN_PARTS}

    def clean_answer(self, block_value: Any, value: Any) -> dict[str, str]:
        """A text for every part of the plan, and no other keys."""
        parts = [key for key, _label in TIMEOUT_PLAN_PARTS]
        if not isinstance(value, dict) or not set(value) <= set(parts):
            raise ValidationError(gettext("The answer does not fit the time-out plan."))
        return {key: clean_text(value.get(key, "")) for key in parts}

    def answer_parts(self, value: Any, block_value: Any) -> list[tuple[str, str]]:
        value = value if isinstance(value, dict) else {}
        return [(str(label), str(value.get(key, ""))) for key, label in TIMEOUT_PLAN_PARTS]

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

# An answer whose block is unknown is read, shown and scrubbed as the person's own words.
_UNKNOWN_BLOCK = AnswerBlockMixin()
# shape -> a block of that shape (the first in the stream), for code that has only the shape.
_BLOCK_OF_SHAPE: dict[AnswerShape, AnswerBlockMixin] = {
    block.answer_shape: block
    for block in reversed(ModuleBodyBlock.base_blocks.values())
    if isinstance(block, AnswerBlockMixin) and block.answer_shape is not None
}


def answer_block(block: object) -> AnswerBlockMixin:
    """The answer behaviour of a block, or of an answer shape when that is all the caller
    has. A block that takes no answer, or a shape no block has, gets the plain-text
    behaviour: every string in the answer counts as the person's own words."""
    if isinstance(block, AnswerBlockMixin) and block.answer_shape is not None:
        return block
    if isinstance(block, AnswerShape):
        return _BLOCK_OF_SHAPE.get(block, _UNKNOWN_BLOCK)
    return _UNKNOWN_BLOCK
