from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from wagtail.admin import urls as wagtailadmin_urls

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("account/", include("accounts.allauth_urls")),
    path("account/", include("accounts.urls")),
    # Wagtail's own login form would be a second way in, without allauth's rate limits.
    path(
        "cms/login/",
        login_not_required(RedirectView.as_view(pattern_name="account_login", query_string=True)),
    ),
    path("cms/", include(wagtailadmin_urls)),
    path("participant/", include("modules.urls")),
    path("messages/", include("messaging.urls")),
    path("therapist/", include("therapist.urls")),
    path("partner/", include("partner.urls")),
    path("editor/", include("content.urls")),
]

if settings.DEBUG:  # uploaded media from the CMS, development only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
