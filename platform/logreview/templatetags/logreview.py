from django import template

from accounts.models import role_labels

register = template.Library()


@register.filter
def role_names(codes: str) -> str:
    """The role codes an access-log row keeps ("therapist,admin"), as the reader's language
    names them."""
    return role_labels(codes or "")
