from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.views import role_required


@role_required(Role.PARTICIPANT)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "modules/home.html")
