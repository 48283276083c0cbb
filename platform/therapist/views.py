from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import ParticipantInvitationForm
from accounts.models import Role, User
from accounts.views import role_required
from messaging.selectors import team_threads
from modules.services import participant_invite


@role_required(Role.THERAPIST)
def home(request: HttpRequest) -> HttpResponse:
    form = ParticipantInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = request.user
        assert isinstance(actor, User)
        try:
            participant_invite(
                actor=actor,
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The invitation has been sent."))
            return redirect("therapist:home")
    user = request.user
    assert isinstance(user, User)
    return render(request, "therapist/home.html", {"form": form, "rows": team_threads(user)})
