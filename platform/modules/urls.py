from django.urls import path

from . import views

app_name = "modules"

urlpatterns = [
    path("", views.home, name="home"),
    path("modules/", views.module_list, name="module_list"),
    path("modules/<uuid:key>/", views.module_detail, name="module"),
    path("modules/<uuid:key>/autosave/", views.answer_autosave, name="autosave"),
    path("modules/<uuid:key>/complete/", views.module_complete, name="complete"),
    path("checkin/", views.checkin, name="checkin"),
    path("checkin/thanks/", views.checkin_done, name="checkin_done"),
    path("checkins/", views.checkin_list, name="checkin_list"),
]
