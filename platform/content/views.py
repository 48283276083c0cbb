from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.views import role_required


@role_required(Role.EDITOR, Role.CLINICAL_LEAD)
def editor_home(request: HttpRequest) -> HttpResponse:
    return render(request, "content/editor_home.html")
