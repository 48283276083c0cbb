from django.urls import path

from . import views

app_name = "therapist"

urlpatterns = [
    path("", views.home, name="home"),
    path("participants/<uuid:public_id>/", views.participant, name="participant"),
    path("participants/<uuid:public_id>/answers/", views.answers, name="answers"),
    path("participants/<uuid:public_id>/notes/", views.notes, name="notes"),
    path(
        "participants/<uuid:public_id>/checkin-interval/",
        views.checkin_interval,
        name="checkin_interval",
    ),
    path(
        "participants/<uuid:public_id>/modules/<uuid:key>/<str:action>/",
        views.module_access,
        name="module_access",
    ),
    path(
        "participants/<uuid:public_id>/risk/<uuid:signal_id>/acknowledge/",
        views.risk_acknowledge,
        name="risk_acknowledge",
    ),
    path(
        "participants/<uuid:public_id>/meetings/<uuid:meeting_id>/outcome/",
        views.meeting_outcome,
        name="meeting_outcome",
    ),
]
