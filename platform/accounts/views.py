from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.exports import csv_response
from audit.models import AuditEvent
from audit.selectors import record_reads_of
from organisations.models import Organisation, Unit

from . import scope, selectors, services
from .forms import (
    CodeForm,
    EmailChangeForm,
    EnrolForm,
    InvitationForm,
    ReauthForm,
    RolesForm,
    SetPasswordForm,
    UnitForm,
    UnitRolesForm,
)
from .middleware import REAUTH_AT, _parse, has_second_factor, is_second_factor_verified
from .models import Role, User, role_labels
from .navigation import role_homes
from .paging import page_of
from .parsing import uuid_or_none


def request_user(request: HttpRequest) -> User:
    """The request's user, typed: every view behind the login middleware has one."""
    user = request.user
    assert isinstance(user, User)
    return user


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


_R = TypeVar("_R", bound=HttpResponseBase)


def role_required(
    *roles: str,
) -> Callable[[Callable[..., _R]], Callable[..., _R]]:
    """Views for one role answer 404 to everyone else, so a page's existence does not leak."""

    def decorator(view: Callable[..., _R]) -> Callable[..., _R]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> _R:
            if not request_user(request).has_role(*roles):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at = _parse(request.session.get(REAUTH_AT))
        if at is None or timezone.now() - at > settings.REAUTH_WINDOW:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:reauthenticate')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


def home(request: HttpRequest) -> HttpResponse:
    homes = role_homes(request_user(request))
    if not homes:
        return render(request, "accounts/no_role.html")
    return redirect(homes[0]["url"])


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def cms_login(request: HttpRequest) -> HttpResponse:
    """Where Wagtail's admin sends a visitor it turns away. Its own login form would be a
    second way in, without allauth's rate limits, so an anonymous visitor goes to ours; a
    logged-in person lands here only because they may not use the CMS."""
    if not request.user.is_authenticated:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponseRedirect(reverse("account_login") + (f"?{query}" if query else ""))
    # Wagtail queued "You do not have permission to access the admin." in English words of
    # its own; the page below says it in ours.
    list(messages.get_messages(request))
    return render(request, "403.html", status=403)


# --- Second factor -----------------------------------------------------------------------


def second_factor(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not has_second_factor(user):
        return redirect("accounts:second_factor_setup")
    next_url = _safe_next(request, reverse("home"))
    if is_second_factor_verified(user):
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    locked_out = services.second_factor_locked_out(user)
    if request.method == "POST" and not locked_out and form.is_valid():
        result = services.second_factor_verify(request=request, user=user, code=form.given)
        if result:
            return redirect(next_url)
        locked_out = result is services.Verification.LOCKED_OUT
        if not locked_out:
            form.add_error(
                "code" if form.cleaned_data.get("code") else "recovery_code",
                _code_error(result, user),
            )
    if locked_out:
        # Said above the form, not as a field error: on a GET the form is unbound and has
        # nothing to attach an error to; the code field stays empty and the button off.
        form = CodeForm()
    return render(
        request,
        "accounts/second_factor.html",
        {
            "form": form,
            "next": next_url,
            "locked_out": locked_out,
            "lockout_message": _lockout_message(user) if locked_out else "",
        },
        status=429 if locked_out else 200,
    )


def _lockout_message(user: User) -> str:
    """When a person locked out after too many wrong codes can try again, in plain words: a
    time of day and how many minutes from now."""
    from django.utils.formats import time_format
    from django.utils.translation import ngettext

    until = services.second_factor_locked_until(user) or timezone.now()
    minutes = max(1, -(-int((until - timezone.now()).total_seconds()) // 60))
    return ngettext(
        "Too many wrong codes. You can try again at %(time)s, in %(minutes)d minute. "
        "If you cannot get in, contact your treatment provider.",
        "Too many wrong codes. You can try again at %(time)s, in %(minutes)d minutes. "
        "If you cannot get in, contact your treatment provider.",
        minutes,
    ) % {"time": time_format(timezone.localtime(until), "H:i"), "minutes": minutes}


def _code_error(result: services.Verification, user: User) -> str:
    if result is services.Verification.WAIT:
        return _("Wait a few seconds and try again.")
    if result is services.Verification.LOCKED_OUT:
        return _lockout_message(user)
    return _("The code was not right. Check it and try again.")


def second_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    replacing = has_second_factor(user)
    if replacing:
        # Replacing an authenticator needs a verified session and a fresh re-authentication;
        # otherwise a stolen password alone could enrol the thief's phone.
        if not is_second_factor_verified(user):
            return redirect("accounts:second_factor")
        return _reauthed_setup(request, user, replacing=True)
    return _setup(request, user, replacing=False)


@reauth_required
def _reauthed_setup(request: HttpRequest, user: User, *, replacing: bool) -> HttpResponse:
    return _setup(request, user, replacing=replacing)


def _setup(request: HttpRequest, user: User, *, replacing: bool) -> HttpResponse:
    device = services.totp_device_start(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_device_confirm(
            user=user, device=device, code=form.cleaned_data["code"], request=request
        )
        if codes is not None:
            services.session_verify(request=request, device=device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _safe_next(request, reverse("home")), "fresh": True},
            )
        form.add_error(
            "code", _("The code was not right. Check the time on your phone and try again.")
        )
    secret = _base32(device)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#1a1a1a", light="#ffffff", omitsize=True, title=_("QR code for your app")
    )
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            # segno builds this SVG from our own otpauth URL; it contains no user input.
            "qr_svg": mark_safe(qr_svg),  # noqa: S308
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "replacing": replacing,
            "next": _safe_next(request, reverse("home")),
        },
    )


def _base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


# --- Security settings -------------------------------------------------------------------


RECOVERY_LOW = 2


def security(request: HttpRequest) -> HttpResponse:
    from .models import RecoveryCodeDevice

    user = request_user(request)
    device = RecoveryCodeDevice.objects.filter(user=user).first()
    remaining = device.remaining() if device else 0
    return render(
        request,
        "accounts/security.html",
        {
            "recovery_remaining": remaining,
            # Two or fewer left: say so, and offer new ones, before they run out.
            "recovery_low": remaining <= RECOVERY_LOW,
            "show_notifications": user.has_role(Role.PARTICIPANT, Role.THERAPIST),
        },
    )


def reauthenticate(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    needs_code = user.is_staff_member
    form = ReauthForm(request.POST or None, needs_code=needs_code)
    next_url = _safe_next(request, reverse("accounts:security"))
    if request.method == "POST" and form.is_valid():
        ok = user.check_password(form.cleaned_data["password"])
        if not ok:
            form.add_error("password", _("The password was not right."))
        elif needs_code and not (
            result := services.second_factor_verify(
                request=request, user=user, code=form.cleaned_data["code"]
            )
        ):
            form.add_error("code", _code_error(result, user))
        else:
            request.session[REAUTH_AT] = timezone.now().isoformat()
            services.user_reauthenticated(user=user, request=request)
            return redirect(next_url)
    from . import eid

    return render(
        request,
        "accounts/reauthenticate.html",
        {
            "form": form,
            "next": next_url,
            "eid_providers": eid.providers_for_user(user) if user.identity_hash else [],
            "password_usable": user.has_usable_password(),
        },
    )


@reauth_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = SetPasswordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(
            user=user, password=form.cleaned_data["password1"], request=request
        )
        # Other sessions end (their hash no longer matches); this one continues.
        update_session_auth_hash(request, user)
        _notify_security_change(user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


EMAIL_CHANGE_SALT = "omtag.accounts.email-change"


@reauth_required
def email_change(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new_email = User.objects.normalize_email(form.cleaned_data["email"]).lower()
        # The same answer whether or not the address is taken: no account enumeration.
        if not User.objects.filter(email__iexact=new_email).exists():
            token = signing.dumps({"u": user.pk, "e": new_email}, salt=EMAIL_CHANGE_SALT)
            link = request.build_absolute_uri(
                reverse("accounts:email_change_confirm", kwargs={"token": token})
            )
            send_mail(
                _("Confirm your new email address"),
                _(
                    "Open this link within an hour to confirm your new email address in "
                    "%(site)s:\n\n%(link)s\n"
                )
                % {"site": settings.SITE_NAME, "link": link},
                None,
                [new_email],
            )
        messages.success(
            request,
            _("We have sent a link to the new address. The change takes effect when you open it."),
        )
        return redirect("accounts:security")
    return render(request, "accounts/email_change.html", {"form": form})


def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    user = request_user(request)
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=3600)
    except signing.BadSignature:
        data = None
    if not data or data.get("u") != user.pk:
        messages.error(request, _("This link is no longer valid. Start the change again."))
        return redirect("accounts:security")
    new_email = data["e"]
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        messages.error(request, _("This link is no longer valid. Start the change again."))
        return redirect("accounts:security")
    old_email = user.email
    services.user_set_email(user=user, email=new_email, request=request)
    _notify_security_change(user, address=old_email)
    messages.success(request, _("Your email address has been changed."))
    return redirect("accounts:security")


def _notify_security_change(user: User, address: str | None = None) -> None:
    send_mail(
        _("Your %(site)s account was changed") % {"site": settings.SITE_NAME},
        _(
            "A security setting of your account was changed just now. If it was not you, "
            "contact your treatment provider."
        ),
        None,
        [address or user.email],
    )


@reauth_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        codes = services.recovery_codes_regenerate(user=request_user(request), request=request)
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next": reverse("accounts:security"), "fresh": False},
        )
    return render(request, "accounts/recovery_codes_confirm.html")


def my_access_log(request: HttpRequest) -> HttpResponse:
    """The person's own log extract: when staff opened their record, from which unit, in
    which role and what (HSLF-FS 2016:40 4 kap. 9 §: the unit and the time, so the person can
    judge whether it was justified). Staff names only on the rows of an organisation that
    chose to give them (Organisation.staff_names_in_extract, off by default): each
    organisation decides about its own staff. Only reads of this person's record appear:
    the partner track's reads name no participant and never reach here (safety rule 1)."""
    user = request_user(request)
    events = list(record_reads_of(user).select_related("actor", "unit__organisation"))

    def named(event: AuditEvent) -> bool:
        unit = event.unit
        return unit is not None and unit.organisation.staff_names_in_extract

    with_names = any(named(event) for event in events)
    header = [_("Time"), pgettext("access log", "Unit"), _("Role")]
    if with_names:
        header.append(_("Staff member"))
    rows: list[list[Any]] = [[*header, _("What")]]
    for event in events:
        row = [event.created_at.isoformat(), event.unit_label, role_labels(event.actor_roles)]
        if with_names:
            actor = event.actor
            name = (actor.display_name if actor is not None else "") or event.actor_label
            row.append(name if named(event) else "")
        rows.append([*row, event.detail_display])
    return csv_response(rows, filename="omtag-my-access-log.csv")


@require_POST
def notifications(request: HttpRequest) -> HttpResponse:
    choice = request.POST.get("message_email")
    if choice not in ("email", "none"):
        messages.error(request, _("Choose email or no email."))
    else:
        services.user_set_notifications(user=request_user(request), message_email=choice == "email")
        messages.success(request, _("Your choice is saved."))
    return redirect("accounts:security")


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    services.user_logout_everywhere(user=user, request=request)
    logout(request)
    messages.info(request, _("You have been logged out on all devices."))
    return redirect("account_login")


# --- Invitations -------------------------------------------------------------------------


@login_not_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "accounts/invitation_invalid.html", status=410)
    if request.user.is_authenticated:
        logout(request)
    from . import eid

    eid_providers, password_allowed = eid.invitation_choices(invitation)
    form = SetPasswordForm(request.POST or None, user=User(email=invitation.email))
    if request.method == "POST" and not password_allowed:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, password=form.cleaned_data["password1"], request=request
            )
        except ValidationError:
            return render(request, "accounts/invitation_invalid.html", status=410)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        return redirect("accounts:second_factor_setup")
    return render(
        request,
        "accounts/invitation_accept.html",
        {
            "form": form,
            "invitation": invitation,
            "token": token,
            "eid_providers": eid_providers,
            "password_allowed": password_allowed,
        },
    )


# --- Administration ----------------------------------------------------------------------


def unit_form_handled(
    request: HttpRequest, *, actor: User, organisation: Organisation | None
) -> tuple[UnitForm, Unit | None]:
    """The "add a unit" form of an organisation's page, its administrator's or the platform
    administrator's: bound and carried out when the POST says `action=unit`. Gives the form
    (with its errors) and the unit made, if one was; the caller redirects after a unit."""
    posted = request.method == "POST" and request.POST.get("action") == "unit"
    form = UnitForm(request.POST if posted else None, prefix="unit")
    if posted and organisation is not None and form.is_valid():
        try:
            unit = services.unit_create(
                actor=actor,
                organisation=organisation,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The unit %(name)s has been added.") % {"name": unit.name})
            return form, unit
    return form, None


def _administered(actor: User) -> frozenset[int]:
    return scope.organisations_where(actor, Role.ADMIN)


def _chosen_organisation(
    request: HttpRequest, organisations: frozenset[int]
) -> tuple[Organisation | None, list[Organisation]]:
    """The organisation an administrator works in on this page, and those they may choose
    from: the one named by `?organisation=<public id>`, else the first by name. Only the URL
    remembers the choice; an organisation they do not administer is 404, as a missing one."""
    choices = list(Organisation.objects.filter(pk__in=organisations).order_by("name"))
    named = request.GET.get("organisation")
    if named is None:
        return (choices[0] if choices else None), choices
    wanted = uuid_or_none(named)
    for organisation in choices:
        if organisation.public_id == wanted:
            return organisation, choices
    raise Http404


# People on one page of the administration page; a participant is one of them.
PEOPLE_PAGE_SIZE = 50


@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    from .models import Invitation, RoleGrant

    actor = request_user(request)
    organisation, choices = _chosen_organisation(request, _administered(actor))
    if organisation is None:
        raise Http404
    here = organisation.pk
    units = Unit.objects.filter(
        pk__in=scope.units_where(actor, Role.ADMIN), organisation_id=here
    ).select_related("organisation")
    action = request.POST.get("action", "invite") if request.method == "POST" else None
    form = InvitationForm(request.POST if action == "invite" else None, units=units)
    unit_form, added = unit_form_handled(request, actor=actor, organisation=organisation)
    if added is not None:
        return redirect(request.get_full_path())
    if action == "invite" and form.is_valid():
        try:
            services.invitation_create(
                actor=actor,
                email=form.cleaned_data["email"],
                roles=form.cleaned_data["roles"],
                display_name=form.cleaned_data["display_name"],
                organisation=organisation,
                unit=form.cleaned_data["unit"],
                request=request,
            )
        except PermissionDenied:
            form.add_error(None, _("You cannot invite into this organisation."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect(request.get_full_path())
    # Their roles here only: what a person does in another organisation is not this page's.
    grants_here = RoleGrant.objects.filter(organisation_id=here).select_related("unit")
    users = (
        selectors.people_managed_by(actor, organisation=here)
        .prefetch_related(Prefetch("role_grants", queryset=grants_here))
        .order_by("email", "pk")
    )
    page, page_notice = page_of(request, users, PEOPLE_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    pending = Invitation.objects.filter(
        Q(unit_id__in=scope.units_where(actor, Role.ADMIN)) | Q(unit__isnull=True),
        organisation_id=here,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by", "unit")
    return render(
        request,
        "accounts/admin_home.html",
        {
            "form": form,
            "unit_form": unit_form,
            "organisation": organisation,
            "choices": choices if len(choices) > 1 else [],
            "units": units,
            "users": page,
            "page": page,
            "page_notice": page_notice,
            "query": query.urlencode(),
            "pending": pending,
            "role_labels": dict(Role.choices),
        },
    )


@role_required(Role.ADMIN)
def admin_user(request: HttpRequest, public_id: UUID) -> HttpResponse:
    actor = request_user(request)
    organisations = _administered(actor)
    target = get_object_or_404(
        selectors.people_managed_by(actor).prefetch_related("role_grants"),
        public_id=public_id,
    )
    grants = [g for g in target.role_grants.all() if g.organisation_id in organisations]
    whole = sorted({g.role for g in grants if g.unit_id is None or g.role == Role.PARTICIPANT})
    form = RolesForm(request.POST or None, initial={"roles": whole})
    units = list(
        Unit.objects.filter(pk__in=scope.units_where(actor, Role.ADMIN)).select_related(
            "organisation"
        )
    )
    per_unit = {
        unit.pk: sorted(
            g.role for g in grants if g.unit_id == unit.pk and g.role != Role.PARTICIPANT
        )
        for unit in units
    }
    unit_forms = [
        (unit, UnitRolesForm(initial={"roles": per_unit[unit.pk]}, prefix=f"u{unit.pk}"))
        for unit in units
    ]
    context = {"target": target, "form": form, "unit_forms": unit_forms}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "lock":
                services.user_lock(actor=actor, user=target, request=request)
                messages.success(request, _("The account is locked and all its sessions ended."))
            elif action == "unlock":
                services.user_unlock(actor=actor, user=target, request=request)
                messages.success(request, _("The account is unlocked."))
            elif action == "roles" and form.is_valid():
                services.user_set_roles(
                    actor=actor, user=target, roles=form.cleaned_data["roles"], request=request
                )
                messages.success(request, _("The roles have been saved."))
            elif action == "employee_id":
                services.user_set_employee_id(
                    actor=actor,
                    user=target,
                    employee_id=request.POST.get("employee_id", ""),
                    request=request,
                )
                messages.success(request, _("The employee id has been saved."))
            elif action == "unit_roles":
                unit = _unit_of(units, request.POST.get("unit", ""))
                unit_form = UnitRolesForm(request.POST, prefix=f"u{unit.pk}")
                if not unit_form.is_valid():
                    return render(request, "accounts/admin_user.html", context)
                services.user_set_unit_roles(
                    actor=actor,
                    user=target,
                    unit=unit,
                    roles=unit_form.cleaned_data["roles"],
                    request=request,
                )
                messages.success(
                    request,
                    _("The roles in %(unit)s have been saved.") % {"unit": unit.name},
                )
            else:
                return render(request, "accounts/admin_user.html", context)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied:
            raise Http404 from None
        return redirect("accounts:admin_user", public_id=target.public_id)
    return render(request, "accounts/admin_user.html", context)


def _unit_of(units: list[Unit], public_id: str) -> Unit:
    """One of the administrator's units by its public id; any other id, another
    organisation's unit included, is 404."""
    for unit in units:
        if str(unit.public_id) == public_id:
            return unit
    raise Http404
