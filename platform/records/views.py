"""A participant's own data, and the admin's erasure requests."""

from __future__ import annotations

import json
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.views import request_user, role_required
from modules.selectors import organisation_of
from organisations.terms import terms_for

from . import selectors, services
from .forms import ErasureForm


@role_required(Role.PARTICIPANT)
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "records/my_data.html")


@require_POST
@role_required(Role.PARTICIPANT)
def my_data_download(request: HttpRequest) -> HttpResponse:
    """The file itself: one self-contained HTML page (readable offline, printable), or the
    same data as JSON. A POST, so that nothing but the person's own click writes the access
    log entry (no prefetching browser or link preview)."""
    user = request_user(request)
    fmt = request.POST.get("format", "html")
    if fmt not in services.DOWNLOAD_FORMATS:
        messages.error(request, _("Choose a file format from the list."))
        return redirect("records:my_data")
    data = selectors.own_data(user)
    services.own_data_download_record(participant=user, fmt=fmt, request=request)
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        body = render_to_string(
            "records/own_data_file.html",
            {"data": data, "terms": terms_for(organisation_of(user))},
            request=None,
        )
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="omtag-my-data-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.ADMIN)
def erasure_list(request: HttpRequest) -> HttpResponse:
    # No name holds a NUL byte, and PostgreSQL refuses one in a query.
    query = request.GET.get("q", "").replace("\x00", "")[:100]
    page = Paginator(selectors.participants_for_erasure(request_user(request), query), 50).get_page(
        request.GET.get("page")
    )
    people = list(page.object_list)
    anonymised = selectors.anonymised_account_pks(people)
    rows = [{"person": p, "anonymised": p.pk in anonymised} for p in people]
    return render(
        request, "records/erasure_list.html", {"rows": rows, "page": page, "query": query}
    )


@role_required(Role.ADMIN)
def erasure_request(request: HttpRequest, public_id: UUID) -> HttpResponse:
    person = selectors.participant_for_erasure_or_404(request_user(request), public_id)
    anonymised = bool(selectors.anonymised_account_pks([person]))
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erasure_carry_out(
                actor=request_user(request),
                participant=person,
                reason=form.cleaned_data["reason"],
                confirmation=form.cleaned_data["confirmation"],
                request=request,
            )
        except ValidationError as problem:
            form.add_error(None, problem)
        else:
            messages.success(
                request,
                _("The erasure is carried out and recorded in the access log."),
            )
            return redirect("records:erasure_list")
    return render(
        request,
        "records/erasure_request.html",
        {
            "person": person,
            "enrollments": list(person.enrollments.select_related("programme")),
            "anonymised": anonymised,
            "confirmation_text": services.erasure_confirmation_text(person),
            "form": form,
        },
    )
