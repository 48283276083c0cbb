from django.urls import path

from . import views

app_name = "therapist"

urlpatterns = [path("", views.home, name="home")]
