from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("book/", views.book_self, name="book_self"),
    path("hours/", views.hours, name="hours"),
    path("hours/<uuid:public_id>/remove/", views.hours_remove, name="hours_remove"),
    path("with/<uuid:enrollment_id>/", views.book, name="book"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("<uuid:public_id>/move/", views.move, name="move"),
    path("<uuid:public_id>/booking.ics", views.calendar_file, name="ics"),
    path("<uuid:public_id>/video/", views.video_room, name="video"),
]
