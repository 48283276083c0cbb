from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from messaging.rendering import render_text

register = template.Library()


@register.filter
def plain_text(value: object) -> SafeString:
    """User-written text: escaped, line breaks kept, http(s)/mailto links clickable."""
    return render_text(str(value))


@register.filter
def waited(value: datetime | None) -> str:
    """How long since `value`, in its largest unit only ("2 days", "3 hours")."""
    if value is None:
        return ""
    return timesince(value, timezone.now(), depth=1)
