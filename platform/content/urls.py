from django.urls import path

from . import organisation_help, views

app_name = "content"

urlpatterns = [
    path("", views.editor_home, name="editor_home"),
    path("programmes/", views.programmes, name="programmes"),
    path(
        "translations/<int:page_id>/missing-exercises/",
        views.translation_gaps,
        name="translation_gaps",
    ),
    path(
        "organisation-help/",
        organisation_help.organisation_help_list,
        name="organisation_help_list",
    ),
    path(
        "organisation-help/<uuid:public_id>/",
        organisation_help.organisation_help,
        name="organisation_help",
    ),
]
