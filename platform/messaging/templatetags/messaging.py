from django import template
from django.utils.safestring import SafeString

from messaging.rendering import render_text

register = template.Library()


@register.filter
def plain_text(value: object) -> SafeString:
    """User-written text: escaped, line breaks kept, http(s)/mailto links clickable."""
    return render_text(str(value))
