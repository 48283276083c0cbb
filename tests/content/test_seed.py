"""The seeded programme: complete, well-formed, and the same tree however often it runs."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from wagtail.models import Locale

from content.models import ModulePage, ProgramPage
from content.seed import SEED_BLOCK_TYPES, SEED_DIR, load_seed, seed_block_id

ALLOWED_TAGS = {"p", "h3", "ul", "ol", "li", "strong", "em", "br"}
EXERCISES = {"reflection", "worksheet", "checklist", "single_choice", "scale", "timeout_plan"}


def _tree() -> list[tuple[str, str, list[str]]]:
    return [
        (page.specific_class.__name__, page.url_path, [child.id for child in page.specific.body])
        if isinstance(page.specific, ModulePage)
        else (page.specific_class.__name__, page.url_path, [])
        for programme in ProgramPage.objects.order_by("locale__language_code")
        for page in programme.get_descendants(inclusive=True)
    ]


@pytest.mark.django_db
def test_seed_twice_gives_the_same_tree():
    call_command("seed_programme", stdout=StringIO())
    first = _tree()
    out = StringIO()
    call_command("seed_programme", stdout=out)
    assert "already exists" in out.getvalue()
    assert _tree() == first
    # Swedish, and its English translation (WAGTAIL_I18N_ENABLED is on in settings).
    assert ProgramPage.objects.count() == 2
    assert ModulePage.objects.count() == 18 == len(first) - 2


@pytest.mark.django_db
def test_seeded_modules_are_published_in_order_with_stable_block_ids():
    call_command("seed_programme", stdout=StringIO())
    programme = ProgramPage.objects.get(slug="program")
    assert programme.live and programme.depth == 2
    assert programme.locale.language_code == "sv"
    modules = list(programme.modules())
    _, data = load_seed()
    assert [m.slug for m in modules] == [d["slug"] for d in data]
    for module, module_data in zip(modules, data, strict=True):
        assert module.live and not module.has_unpublished_changes
        assert module.theme == module_data["theme"]
        assert module.title == module_data["sv"]["title"]
        ids = [child.id for child in module.body]
        assert ids == [seed_block_id(module.slug, i) for i in range(len(ids))]
        assert len(ids) == len(module_data["sv"]["body"])


@pytest.mark.django_db
def test_an_existing_programme_is_left_alone():
    call_command("seed_programme", stdout=StringIO())
    module = ModulePage.objects.get(slug="valkommen", locale__language_code="sv")
    module.title = "Edited by the organisation"
    module.save_revision().publish()
    call_command("seed_programme", stdout=StringIO())
    module.refresh_from_db()
    assert module.title == "Edited by the organisation"


def test_seed_files_follow_the_schema():
    programme, modules = load_seed()
    assert "demo" in programme["en"]["intro"].lower()
    assert len(modules) == 9
    for module in modules:
        sv, en = module["sv"]["body"], module["en"]["body"]
        assert [b["type"] for b in sv] == [b["type"] for b in en], module["slug"]
        types = [b["type"] for b in sv]
        assert set(types) <= set(SEED_BLOCK_TYPES), module["slug"]
        assert sum(t in EXERCISES for t in types) >= 2, module["slug"]
        assert "homework" in types, module["slug"]
        for block in sv + en:
            for tag in re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)([^>]*)>", json.dumps(block["value"])):
                assert tag[0].lower() in ALLOWED_TAGS and not tag[1].strip(), (module["slug"], tag)
    by_slug = {m["slug"]: [b["type"] for b in m["sv"]["body"]] for m in modules}
    assert "timeout_plan" in by_slug["valkommen"]
    assert "worksheet" in by_slug["sammanhang"]
    assert (SEED_DIR / "SCHEMA.md").exists()


@pytest.mark.django_db
def test_without_wagtail_i18n_only_swedish_is_seeded(settings):
    settings.WAGTAIL_I18N_ENABLED = False
    call_command("seed_programme", stdout=StringIO())
    assert {p.locale.language_code for p in ModulePage.objects.all()} == {"sv"}


@pytest.fixture
def wagtail_i18n(settings):
    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("sv", "Svenska"), ("en", "English")]


@pytest.mark.django_db
def test_english_translation_keeps_the_block_ids(wagtail_i18n):
    call_command("seed_programme", stdout=StringIO())
    call_command("seed_programme", stdout=StringIO())
    _, data = load_seed()
    assert ProgramPage.objects.count() == 2
    assert ModulePage.objects.count() == 18
    for module_data in data:
        sv = ModulePage.objects.get(slug=module_data["slug"], locale__language_code="sv")
        en = sv.get_translation(Locale.objects.get(language_code="en"))
        assert en.live and en.title == module_data["en"]["title"]
        assert [c.id for c in en.body] == [c.id for c in sv.body]
        assert en.get_parent().specific.locale.language_code == "en"


@pytest.mark.django_db
def test_translation_is_added_to_an_existing_swedish_programme(settings):
    call_command("seed_programme", stdout=StringIO())
    settings.WAGTAIL_I18N_ENABLED = True
    settings.WAGTAIL_CONTENT_LANGUAGES = [("sv", "Svenska"), ("en", "English")]
    call_command("seed_programme", stdout=StringIO())
    assert ModulePage.objects.filter(locale__language_code="en").count() == 9


READING_BLOCKS = {"heading", "text", "callout"}


def _words(value: object) -> int:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return len(re.sub(r"<[^>]+>", " ", text).split())


def test_every_module_has_several_hundred_words_of_reading_in_both_languages():
    programme, modules = load_seed()
    # Marked as demo content for the clinical lead, in both languages.
    assert (
        "demoinnehåll" in programme["sv"]["intro"]
        and "kliniskt ansvariga" in (programme["sv"]["intro"])
    )
    assert [m["slug"] for m in modules] == [
        "valkommen",
        "vald",
        "ansvar",
        "sammanhang",
        "kanslor-och-tankar",
        "konsekvenser",
        "alternativ",
        "foraldraskap",
        "framat",
    ]
    for module in modules:
        for language in ("sv", "en"):
            body = module[language]["body"]
            reading = sum(_words(b["value"]) for b in body if b["type"] in READING_BLOCKS)
            assert reading >= 500, (module["slug"], language, reading)
    sammanhang = next(m for m in modules if m["slug"] == "sammanhang")
    [analysis, *_rest] = [b for b in sammanhang["en"]["body"] if b["type"] == "worksheet"]
    labels = " ".join(f["label"] for f in analysis["value"]["fields"]).lower()
    for step in ("situation", "thoughts", "feelings", "body", "did", "consequences"):
        assert step in labels, step
