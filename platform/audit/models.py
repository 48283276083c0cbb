"""The access log. Rows are written once and never changed or removed by the application."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext

from .actions import actions


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    # The registry of actions (audit.actions), filled by the apps that write them:
    # `AuditEvent.Action.LOGIN` is the code "login".
    Action = actions

    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_actor",
    )
    # Kept as text too, so the row still says who it was if the account is ever anonymised.
    actor_label = models.CharField(max_length=254, blank=True)
    actor_roles = models.CharField(max_length=200, blank=True)
    # The unit the actor acted in (HSLF-FS 2016:40 4 kap. 9 §: the log shows the care unit),
    # kept as text too, so the row still names it if the unit is renamed or removed.
    unit = models.ForeignKey(
        "organisations.Unit",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    unit_label = models.CharField(max_length=250, blank=True)
    # A code registered in audit.actions, stored without `choices`: a new action is one line
    # in the app that writes it and no migration of the access log's table.
    action = models.CharField(max_length=40, db_index=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_subject",
        help_text="Whose record the event concerns.",
    )
    # What exactly was touched: e.g. "enrollment", "<uuid>", "answers".
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit events are append-only.")

    @property
    def action_label(self) -> str:
        """The action's name in the reader's language, or its code if it is no longer known."""
        return actions.label(self.action)

    @property
    def detail_display(self) -> str:
        """`detail` in the reader's language where the words are known (the callers mark theirs
        with gettext_noop); the row itself keeps what was written, in English."""
        return gettext(self.detail) if self.detail else ""
