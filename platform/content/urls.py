from django.urls import path

from . import views

app_name = "content"

urlpatterns = [
    path("", views.editor_home, name="editor_home"),
    path("programmes/", views.programmes, name="programmes"),
    path(
        "translations/<int:page_id>/missing-exercises/",
        views.translation_gaps,
        name="translation_gaps",
    ),
]
