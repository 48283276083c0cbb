from django.urls import path

from . import platform_views

app_name = "platform_admin"

urlpatterns = [
    path("", platform_views.home, name="home"),
    path("<uuid:public_id>/", platform_views.organisation, name="organisation"),
]
