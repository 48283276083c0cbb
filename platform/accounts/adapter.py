from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from audit.network import client_ip


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
