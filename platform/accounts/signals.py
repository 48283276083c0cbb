"""Account events into the access log, and the session clock at login."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver
from django.http import HttpRequest

from audit.models import AuditEvent
from audit.services import audit_log

from .middleware import start_session_clock
from .models import User

# Sent after an invitation has become an account (kwargs: invitation, user). Apps further
# down the dependency line (modules) start what the invitation was for.
invitation_accepted = Signal()


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
    audit_log(action=AuditEvent.Action.LOGIN, actor=user, subject=user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_log(action=AuditEvent.Action.LOGOUT, actor=user, subject=user, request=request)
        from .realtime import disconnect_user

        session = getattr(request, "session", None)
        disconnect_user(user.pk, session_key=getattr(session, "session_key", None))


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    subject = User.objects.filter(email__iexact=email).first() if email else None
    audit_log(
        action=AuditEvent.Action.LOGIN_FAILED,
        subject=subject,
        request=request,
        actor_label=email,
    )


@receiver(password_reset)
def on_password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_log(action=AuditEvent.Action.PASSWORD_RESET, actor=user, subject=user, request=request)
