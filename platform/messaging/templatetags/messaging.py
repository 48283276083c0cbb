from datetime import datetime

from django import template
from django.utils.safestring import SafeString

from messaging.rendering import render_text
from messaging.selectors import waited

register = template.Library()


@register.filter
def plain_text(value: object) -> SafeString:
    """User-written text: escaped, line breaks kept, http(s)/mailto links clickable."""
    return render_text(str(value))


@register.filter(name="waited")
def waited_filter(value: datetime | None) -> str:
    """How long since `value`, in its largest unit only ("2 days", "3 hours")."""
    return waited(value)
