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

from .models import keeps, programme_of


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


# --- A programme is kept by the organisation that owns it ------------------------------------


def _refuse(request: HttpRequest, page: Any) -> HttpResponse:
    messages.error(
        request,
        _(
            "“%(title)s” belongs to a programme another organisation keeps. Only its own "
            "editors change it; you can offer it to your participants as it is."
        )
        % {"title": page.get_admin_display_title()},
    )
    return redirect("wagtailadmin_explore", page.get_parent().pk if page.get_parent() else 1)


@hooks.register("before_edit_page")
def only_the_owners_edit(request: HttpRequest, page: Any) -> HttpResponse | None:
    return None if keeps(request.user, programme_of(page)) else _refuse(request, page)


@hooks.register("before_delete_page")
def only_the_owners_delete(request: HttpRequest, page: Any) -> HttpResponse | None:
    return None if keeps(request.user, programme_of(page)) else _refuse(request, page)


@hooks.register("before_create_page")
def only_the_owners_add(
    request: HttpRequest, parent_page: Any, page_class: Any
) -> HttpResponse | None:
    if parent_page.depth <= 1:
        return None
    programme = programme_of(parent_page)
    return None if keeps(request.user, programme) else _refuse(request, parent_page)


@hooks.register("after_create_page")
def a_new_programme_belongs_to_its_editors_organisation(request: HttpRequest, page: Any) -> None:
    from accounts.models import Role
    from accounts.scope import organisations_where

    from .models import ProgramPage

    specific = page.specific
    if not isinstance(specific, ProgramPage) or specific.owning_organisation_id is not None:
        return
    user: Any = request.user
    organisations = sorted(organisations_where(user, Role.EDITOR, Role.CLINICAL_LEAD))
    if len(organisations) == 1:
        ProgramPage.objects.filter(pk=specific.pk).update(owning_organisation_id=organisations[0])
