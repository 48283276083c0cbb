from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:public_id>/", views.thread, name="thread"),
    path("<uuid:public_id>/no-reply-needed/", views.close_wait, name="close_wait"),
]
