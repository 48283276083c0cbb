from __future__ import annotations

from typing import Any

import pytest
from wagtail.models import Page

from content.models import ModulePage, ProgramPage


@pytest.fixture
def programme(db: None) -> ProgramPage:
    root = Page.get_first_root_node()
    assert root is not None
    page = ProgramPage(title="Programme", slug="test-programme", intro="<p>Intro</p>")
    root.add_child(instance=page)
    page.save_revision().publish()
    return page


def make_module(programme: ProgramPage, body: list[dict[str, Any]], slug: str = "m") -> ModulePage:
    module = ModulePage(title="Module", slug=slug, summary="Summary", body=body)
    programme.add_child(instance=module)
    module.save_revision().publish()
    return module
