from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.views import role_required


@role_required(Role.PARTNER_WORKER)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "partner/home.html")
