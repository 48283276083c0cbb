"""A published programme under Wagtail's root, for the CMS tests."""

from __future__ import annotations

import pytest
from wagtail.models import Page

from content.models import ProgramPage


@pytest.fixture
def programme(db: None) -> ProgramPage:
    root = Page.get_first_root_node()
    assert root is not None
    page = ProgramPage(title="Programme", slug="test-programme", intro="<p>Intro</p>")
    root.add_child(instance=page)
    page.save_revision().publish()
    return page
