from typing import Any

from django.contrib import messages
from django.db import router
from django.db.models.deletion import Collector, ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.models import Page


@hooks.register("insert_global_admin_js")
def csp_safe_widget_initialisers() -> str:
    return format_html('<script src="{}"></script>', static("js/cms-csp.js"))


@hooks.register("before_delete_page")
def keep_pages_that_people_have_worked_in(request: HttpRequest, page: Any) -> HttpResponse | None:
    """A page that people's records point at (a module someone has opened or answered) is
    protected by the database; without this the delete would fail as a server error. The
    editor is told why before anything is asked or deleted, and where to go instead."""
    pages = list(Page.objects.descendant_of(page, inclusive=True))
    collector = Collector(using=router.db_for_write(Page))
    try:
        collector.collect(pages)
    except ProtectedError:
        messages.error(
            request,
            _(
                "“%(title)s” cannot be deleted: participants have opened or answered it, and "
                "their answers must stay readable. Unpublish it instead if new participants "
                "should not see it."
            )
            % {"title": page.get_admin_display_title()},
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None
