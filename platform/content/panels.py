"""Panels of our own in the CMS's page editor."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from wagtail.admin.panels import Panel

from .translation import exercise_label, missing_exercises


class TranslationGapsPanel(Panel):
    """On a translated module: the exercises the original has and this translation lacks,
    with a link that copies them in for translating. Not shown when there are none."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "content/panels/translation_gaps.html"

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            page = self.instance
            self.missing = [exercise_label(c) for c in missing_exercises(page)] if page.pk else []

        def is_shown(self) -> bool:
            return bool(self.missing)

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            context["missing"] = self.missing
            context["add_url"] = reverse("content:translation_gaps", args=[self.instance.pk])
            return context
