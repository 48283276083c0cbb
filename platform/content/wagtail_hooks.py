from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks


@hooks.register("insert_global_admin_js")
def csp_safe_widget_initialisers() -> str:
    return format_html('<script src="{}"></script>', static("js/cms-csp.js"))
