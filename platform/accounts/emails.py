"""The discreet email (safety rule 4 in docs/architecture.md): the message notification and
the questionnaire reminder tell a person only that there is something for them in Omtag and
where to log in, never who wrote, what, or which questionnaire. One sender, so both emails
are made the same way: in the person's own language, from templates that are given nothing
but the site's name and the login page's address."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import User


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
    send_mail(subject, body, None, [user.email])
