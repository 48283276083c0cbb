"""The discreet email (safety rule 4 in docs/architecture.md): the message notification and
the questionnaire reminder tell a person only that there is something for them in Omtag and
where to log in, never who wrote, what, or which questionnaire. One sender, so both emails
are made the same way: in the person's own language, from templates that are given nothing
but the site's name and the login page's address."""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from organisations.models import Organisation

from . import scope
from .models import Role, User

# Sender names are read for every discreet email (the nightly reminders send many): kept in
# the cache per organisation, dropped when its settings page changes them.
SENDER_CACHE_SECONDS = 300


def _sender_key(organisation_id: int) -> str:
    return f"omtag:sender-name:{organisation_id}"


def forget_sender_name(organisation_id: int) -> None:
    cache.delete(_sender_key(organisation_id))


def _sender_names(ids: set[int]) -> set[str]:
    keys = {_sender_key(pk): pk for pk in ids}
    found: dict[str, str] = cache.get_many(list(keys))
    missing = [pk for key, pk in keys.items() if key not in found]
    if missing:
        read = dict(Organisation.objects.filter(pk__in=missing).values_list("pk", "sender_name"))
        fresh = {_sender_key(pk): read.get(pk, "") for pk in missing}
        cache.set_many(fresh, timeout=SENDER_CACHE_SECONDS)
        found.update(fresh)
    return set(found.values())


def sender_address(organisation_ids: Iterable[int]) -> str | None:
    """The From of an email about these organisations: the installation's address under the
    organisation's sender name (e.g. `"Norrby kommun" <no-reply@example.org>`) when they all
    use the same one; None (the installation's own From) otherwise. Only the name changes:
    it says who sends, never what the email is about."""
    ids = set(organisation_ids)
    if not ids:
        return None
    names = _sender_names(ids)
    if len(names) != 1:
        return None
    name = " ".join(names.pop().split())  # one line: a header cannot be split by a name
    if not name:
        return None
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def sender_for(user: User) -> str | None:
    """The From of an email to `user`: their organisation's sender name, if it has one."""
    return sender_address(scope.organisations_where(user, *Role.values))


def send_discreet_email(user: User, template: str) -> None:
    """Email `user` the subject `<template>_subject.txt` and the body `<template>.txt`. The
    templates get only `site_name` and `login_url`, so they cannot leak what the email is
    about; a failure to send is raised to the caller (which may roll its claim back)."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "site_name": settings.SITE_NAME,
            "login_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("account_login"),
        }
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    send_mail(subject, body, sender_for(user), [user.email])
