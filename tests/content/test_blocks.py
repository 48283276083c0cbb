"""Every block renders for a participant, with and without a saved answer, escaping what
the participant wrote."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import QueryDict
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from content.blocks import (
    ANSWER_BLOCK_TYPES,
    RICH_TEXT_FEATURES,
    TIMEOUT_PLAN_PARTS,
    AnswerShape,
    ModuleBodyBlock,
    RestrictedRichTextBlock,
    answer_block,
    answer_shape,
    sanitise_rich_text,
)
from content.models import BodyItem

BLOCK_ID = "0b7c1f0e-9f7e-4a52-8f0a-5a1d2c3b4e5f"
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

RAW_VALUES: dict[str, Any] = {
    "heading": "Heading text",
    "text": "<p>Some <strong>rich</strong> text</p>",
    "callout": {"kind": "safety", "title": "Stop", "text": "<p>Take a time-out.</p>"},
    "reflection": {"question": "What did you notice?", "help_text": "Take your time."},
    "worksheet": {
        "title": "Incident analysis",
        "intro": "Go step by step.",
        "fields": [
            {"label": "The situation", "help_text": "Where, when"},
            {"label": "What I did", "help_text": ""},
        ],
    },
    "checklist": {"question": "Which signs?", "options": ["Clenched fists", "Raised voice"]},
    "single_choice": {"question": "Pick one", "options": ["Yes", "No"]},
    "scale": {"question": "How angry?", "min_label": "Calm", "max_label": "Furious"},
    "timeout_plan": {"intro": "Fill in your plan."},
    "homework": {"title": "This week", "task": "<p>Practise the time-out.</p>"},
}

ANSWERS: dict[str, Any] = {
    "reflection": XSS,
    "worksheet": ["first answer", XSS],
    "checklist": ["Raised voice", XSS],
    "single_choice": "No",
    "scale": 7,
    "timeout_plan": {"warning_signs": XSS, "where_i_go": "The park"},
    "homework": XSS,
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _item(block_type: str, value: Any, answer: Any = None) -> BodyItem:
    block = ModuleBodyBlock().child_blocks[block_type]
    return BodyItem(
        id=BLOCK_ID,
        block_type=block_type,
        block=block,
        value=block.to_python(value),
        answer_shape=answer_shape(block),
        answer=answer,
    )


def _render(block_type: str, answer: Any = None, value: Any = None) -> str:
    raw = RAW_VALUES[block_type] if value is None else value
    return str(_item(block_type, raw, answer).render_as_block({}))


def test_answer_blocks_are_registered():
    assert ANSWER_BLOCK_TYPES == {
        "reflection": AnswerShape.TEXT,
        "worksheet": AnswerShape.FIELDS,
        "checklist": AnswerShape.CHOICES,
        "single_choice": AnswerShape.CHOICE,
        "scale": AnswerShape.SCALE,
        "timeout_plan": AnswerShape.TIMEOUT_PLAN,
        "homework": AnswerShape.TEXT,
    }
    children = ModuleBodyBlock().child_blocks
    for name in ("heading", "text", "image", "video", "callout"):
        assert answer_shape(children[name]) is None


@pytest.mark.parametrize("block_type", sorted(RAW_VALUES))
def test_every_block_renders_without_an_answer(block_type):
    html = _render(block_type)
    assert html.strip()
    if block_type in ANSWER_BLOCK_TYPES:
        assert f'name="answer-{BLOCK_ID}' in html
        assert "checked" not in html
        assert "></textarea>" in html or "<textarea" not in html


@pytest.mark.parametrize("block_type", sorted(ANSWERS))
def test_every_answer_block_shows_the_saved_answer_escaped(block_type):
    html = _render(block_type, ANSWERS[block_type])
    assert "<script>" not in html
    if block_type in {"reflection", "homework"}:
        assert f">{ESCAPED}</textarea>" in html


def test_worksheet_fields_are_named_by_index_and_prefilled():
    html = _render("worksheet", ["first answer", XSS])
    assert f'<label for="answer-{BLOCK_ID}-0">The situation</label>' in html
    assert f'name="answer-{BLOCK_ID}-0"' in html and ">first answer</textarea>" in html
    assert f'name="answer-{BLOCK_ID}-1"' in html and f">{ESCAPED}</textarea>" in html


def test_checklist_checks_the_saved_options_in_a_fieldset():
    html = _render("checklist", ["Raised voice"])
    assert "<legend" in html and "Which signs?" in html
    assert f'id="answer-{BLOCK_ID}-0" name="answer-{BLOCK_ID}" value="Clenched fists">' in html
    assert f'id="answer-{BLOCK_ID}-1" name="answer-{BLOCK_ID}" value="Raised voice" checked>' in (
        html
    )


def test_single_choice_and_scale_check_the_saved_value():
    choice = _render("single_choice", "No")
    assert 'value="No" checked' in choice and 'value="Yes" checked' not in choice
    scale = _render("scale", 7)
    assert "<legend" in scale
    assert 'value="7" checked' in scale and scale.count("checked") == 1
    assert scale.count('type="radio"') == 11


def test_timeout_plan_has_its_four_labelled_parts():
    html = _render("timeout_plan", {"where_i_go": "The park"})
    for key in ("warning_signs", "where_i_go", "calm_down", "coming_back"):
        assert f'<label for="answer-{BLOCK_ID}-{key}">' in html
        assert f'name="answer-{BLOCK_ID}-{key}"' in html
    assert ">The park</textarea>" in html


def test_every_input_has_a_label():
    for block_type in ANSWERS:
        html = _render(block_type)
        ids = [part.split('"')[0] for part in html.split(' id="answer-')[1:]]
        for field_id in ids:
            if field_id.endswith("-help") or field_id.endswith("-ends"):
                continue
            assert f'for="answer-{field_id}"' in html, (block_type, field_id)


def test_editor_text_is_escaped_too():
    html = _render("reflection", value={"question": XSS, "help_text": XSS})
    assert "<script>" not in html and ESCAPED in html


def test_image_renders_with_its_required_alt_text(db, media):
    image = Image.objects.create(title="calm", file=get_test_image_file())
    html = _render("image", value={"image": image.pk, "alt": "A calm lake"})
    assert 'alt="A calm lake"' in html and "<img" in html
    alt = ModuleBodyBlock().child_blocks["image"].child_blocks["alt"]
    assert alt.required


def test_video_renders_with_its_text_alternative(db, media):
    video = Document.objects.create(title="film", file=ContentFile(b"not really", "film.mp4"))
    html = _render(
        "video", value={"video": video.pk, "title": "Time-out", "text_alternative": "Transcript"}
    )
    assert "<video controls" in html and "film" in html
    assert "Transcript" in html and "<summary>" in html
    assert ModuleBodyBlock().child_blocks["video"].child_blocks["text_alternative"].required


def test_rich_text_feature_set_has_no_embeds_images_or_raw_html():
    assert set(RICH_TEXT_FEATURES) == {"bold", "italic", "h3", "ol", "ul", "link"}
    children = ModuleBodyBlock().child_blocks
    for block in (
        children["text"],
        children["callout"].child_blocks["text"],
        children["homework"].child_blocks["task"],
    ):
        assert isinstance(block, RestrictedRichTextBlock)
        assert set(block.features) == set(RICH_TEXT_FEATURES)


def test_rich_text_clean_strips_what_the_features_do_not_allow():
    dirty = (
        "<p>Hello <strong>you</strong><script>alert(1)</script></p>"
        '<embed embedtype="media" url="https://evil.example/x"/>'
        '<embed embedtype="image" id="1" format="fullwidth" alt="x"/>'
        '<p><img src="x" onerror="alert(1)"/><iframe src="https://evil.example"></iframe></p>'
        '<p><a href="javascript:alert(1)">click</a></p>'
    )
    clean = sanitise_rich_text(dirty)
    assert "<b>you</b>" in clean and "click</a>" in clean
    for banned in ("<script", "embed", "<img", "onerror", "<iframe", "javascript:"):
        assert banned not in clean, banned
    cleaned_by_block = RestrictedRichTextBlock().clean(RestrictedRichTextBlock().to_python(dirty))
    assert "<script" not in cleaned_by_block.source


def test_rich_text_that_cannot_be_parsed_is_rejected():
    from django.core.exceptions import ValidationError

    block = RestrictedRichTextBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python('<p>broken <img src="x"></p>'))


# --- Each answer block owns its answer: read from the form, checked, shown, scrubbed -------

# block type: (the form's fields by name suffix, the answer as stored, what the therapist reads;
# a label may be lazy, read in the test's language)
ROUND_TRIPS: dict[str, tuple[dict[str, Any], Any, list[tuple[Any, str]]]] = {
    "reflection": ({"": "My\x00 words"}, "My words", [("", "My words")]),
    "worksheet": (
        {"-0": "Here", "-1": "Shouted"},
        ["Here", "Shouted"],
        [("The situation", "Here"), ("What I did", "Shouted")],
    ),
    "checklist": ({"": ["Raised voice"]}, ["Raised voice"], [("", "Raised voice")]),
    "single_choice": ({"": "No"}, "No", [("", "No")]),
    "scale": ({"": "7"}, 7, [("", "7")]),
    "timeout_plan": (
        {"-where_i_go": "The park"},
        {key: "The park" if key == "where_i_go" else "" for key, _label in TIMEOUT_PLAN_PARTS},
        [(label, "The park" if key == "where_i_go" else "") for key, label in TIMEOUT_PLAN_PARTS],
    ),
    "homework": ({"": "Done"}, "Done", [("", "Done")]),
}
CHOSEN_NOT_WRITTEN = {"checklist", "single_choice", "scale"}


def _post(fields: dict[str, Any]) -> QueryDict:
    post = QueryDict(mutable=True)
    for suffix, value in fields.items():
        post.setlist(f"answer-{BLOCK_ID}{suffix}", value if isinstance(value, list) else [value])
    return post


def test_every_answer_block_has_a_round_trip():
    assert set(ROUND_TRIPS) == set(ANSWER_BLOCK_TYPES)


@pytest.mark.parametrize("block_type", sorted(ROUND_TRIPS))
def test_an_answer_block_reads_checks_shows_and_scrubs_its_answer(block_type):
    fields, stored, parts = ROUND_TRIPS[block_type]
    child = ModuleBodyBlock().child_blocks[block_type]
    block, block_value = answer_block(child), child.to_python(RAW_VALUES[block_type])
    posted = block.answer_from_post(_post(fields), BLOCK_ID, block_value)
    value = block.clean_answer(block_value, posted)
    assert value == stored
    assert block.answer_parts(value, block_value) == [(str(lab), text) for lab, text in parts]
    scrubbed = block.scrub_answer(value, lambda _value: "[scrubbed]")
    assert scrubbed == (value if block_type in CHOSEN_NOT_WRITTEN else "[scrubbed]")
    untouched = block.answer_from_post(QueryDict(), BLOCK_ID, block_value)
    assert block.answer_is_empty(untouched) and not block.answer_is_empty(value)


@pytest.mark.parametrize(
    ("block_type", "bad"),
    [
        ("reflection", "x" * 20_001),
        ("worksheet", ["a", "b", "c"]),
        ("checklist", ["Not an option"]),
        ("single_choice", "Maybe"),
        ("scale", 11),
        ("timeout_plan", {"unknown_part": "x"}),
    ],
)
def test_an_answer_block_refuses_an_answer_that_does_not_fit(block_type, bad):
    child = ModuleBodyBlock().child_blocks[block_type]
    with pytest.raises(ValidationError):
        answer_block(child).clean_answer(child.to_python(RAW_VALUES[block_type]), bad)


def test_code_with_only_the_shape_or_no_answer_block_gets_the_right_behaviour():
    children = ModuleBodyBlock().child_blocks
    assert answer_block(AnswerShape.TEXT) is children["reflection"]
    assert answer_block(AnswerShape.SCALE) is children["scale"]
    for unknown in (None, children["heading"]):
        plain = answer_block(unknown)
        assert plain.scrub_answer(["a", 1], lambda _value: "[scrubbed]") == "[scrubbed]"
        assert plain.answer_parts(None, {}) == [("", "")]
