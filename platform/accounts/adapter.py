from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from audit.network import client_ip

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # No open sign-up: every account starts with an invitation.
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's per-address limits (wrong passwords, password resets) count
        against: Omtag's one answer (audit.network), which believes X-Forwarded-For only from
        TRUSTED_PROXIES."""
        address = client_ip(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def pre_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse | None:
        """A participant of an organisation that uses e-ID only is not let in by password."""
        from . import eid

        if isinstance(user, User) and eid.password_refused(user):
            from audit.models import AuditEvent
            from audit.services import audit_log

            audit_log(
                action=AuditEvent.Action.LOGIN_FAILED,
                subject=user,
                request=request,
                actor_label=user.email,
                detail="reason=eid_only",
            )
            return eid.error_page(
                request,
                _("Your treatment provider uses e-ID only. Log in with e-ID."),
            )
        return super().pre_login(request, user, **kwargs)
