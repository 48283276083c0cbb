"""Log review pages: the reviewer's reviews and their reads, the administrator's questioned
reads. Only the viewer's own organisations; anything else answers 404."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.parsing import int_or_none
from accounts.scope import organisations_where
from accounts.views import request_user, role_required
from audit.exports import csv_response

from . import selectors, services
from .forms import DrawForm


@role_required(Role.LOG_REVIEWER)
def reviews(request: HttpRequest) -> HttpResponse:
    actor = request_user(request)
    form = DrawForm(
        request.POST or None,
        units=selectors.reviewer_units(actor),
        organisations=organisations_where(actor, Role.LOG_REVIEWER),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.review_draw(
                actor=actor,
                unit=data["unit"],
                start=data["start"],
                end=data["end"],
                staff=data["staff"],
                protected_only=data["protected_only"],
                size=data["size"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            form.add_error("unit", _("Choose a unit from the list."))
        else:
            return redirect("logreview:review", public_id=review.public_id)
    return render(
        request,
        "logreview/reviews.html",
        {"form": form, "reviews": selectors.reviews_for(actor)[:100]},
        status=400 if form.errors else 200,
    )


@role_required(Role.LOG_REVIEWER)
def review(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = request_user(request)
    the_review = selectors.review_or_404(actor, public_id)
    if request.method == "POST":
        try:
            if "complete" in request.POST:
                services.review_complete(actor=actor, review=the_review, request=request)
                messages.success(request, _("The review is completed."))
            else:
                key = int_or_none(request.POST.get("item"))
                item = the_review.items.filter(pk=key).first() if key is not None else None
                if item is None:
                    raise Http404
                services.item_judge(
                    actor=actor,
                    item=item,
                    verdict=request.POST.get("verdict", ""),
                    note=request.POST.get("note", ""),
                    request=request,
                )
                messages.success(request, _("Saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("logreview:review", public_id=the_review.public_id)
    return render(
        request,
        "logreview/review.html",
        {"review": the_review, "items": selectors.items_of(the_review)},
    )


@role_required(Role.LOG_REVIEWER)
def review_export(request: HttpRequest, public_id: UUID) -> HttpResponseBase:
    actor = request_user(request)
    the_review = selectors.review_or_404(actor, public_id)
    services.review_exported(actor=actor, review=the_review, request=request)
    return csv_response(
        services.export_rows(selectors.items_of(the_review)),
        filename=f"omtag-log-review-{the_review.created_at:%Y-%m-%d}.csv",
    )


@role_required(Role.ADMIN)
def questioned(request: HttpRequest) -> HttpResponse:
    actor = request_user(request)
    items = selectors.questioned_for(actor)
    if request.method == "POST":
        key = int_or_none(request.POST.get("item"))
        item = items.filter(pk=key).first() if key is not None else None
        if item is None:
            raise Http404
        try:
            services.item_follow_up(
                actor=actor, item=item, note=request.POST.get("note", ""), request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The follow-up is saved."))
        return redirect("logreview:questioned")
    return render(request, "logreview/questioned.html", {"items": items[:200]})
