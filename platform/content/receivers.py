"""A change to what the help box shows (the installation's HelpSettings, an organisation's
OrganisationHelp, or a Wagtail Site, which decides whose settings a host reads) starts a new
generation of the help box cache (content/help.py), so the next page reads it afresh."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Site

from .help import help_changed
from .models import HelpSettings, OrganisationHelp


@receiver(post_save, sender=HelpSettings)
def help_settings_saved(sender: Any, created: bool = False, **kwargs: Any) -> None:
    # A site's settings row is created with its defaults by the first page that reads it
    # (HelpSettings.for_request); no page can have kept anything else for that site before.
    if not created:
        help_changed()


@receiver(post_delete, sender=HelpSettings)
@receiver(post_save, sender=OrganisationHelp)
@receiver(post_delete, sender=OrganisationHelp)
@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def help_box_changed(sender: Any, **kwargs: Any) -> None:
    help_changed()
