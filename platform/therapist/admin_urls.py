from django.urls import path

from . import admin_views

app_name = "administration"

urlpatterns = [
    path("participants/", admin_views.participants, name="participants"),
    path("participants/<uuid:public_id>/assign/", admin_views.assign, name="assign"),
    path("participants/<uuid:public_id>/status/", admin_views.set_status, name="set_status"),
    path(
        "participants/<uuid:public_id>/born-on-day/",
        admin_views.set_born_on_day,
        name="set_born_on_day",
    ),
    path("access-log/", admin_views.access_log, name="access_log"),
    path("risk-words/", admin_views.risk_words, name="risk_words"),
]
