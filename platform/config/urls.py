from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from config import health, metrics
from content import views as content_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    # For the monitoring and the orchestration (docs/deployment.md), not for people.
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("account/", include("accounts.allauth_urls")),
    path("account/", include("accounts.urls")),
    path("platform/", include("accounts.platform_urls")),
    # Wagtail's own login form would be a second way in, without allauth's rate limits.
    path("cms/login/", account_views.cms_login, name="cms_login"),
    # Wagtail's own logout ends the session on a plain GET (a link or an image on another site
    # could log an editor out) and skips ours (the access log, closing the person's sockets):
    # its menu item leads to our logout page, which asks and then logs out with a POST.
    path(
        "cms/logout/",
        RedirectView.as_view(pattern_name="account_logout"),
        name="cms_logout",
    ),
    # Wagtail's "failwhale" raises on purpose, to try the error page: not on a live site.
    path("cms/failwhale/", content_views.not_found),
    path(
        "cms/choose-external-link/",
        content_views.with_posted_fields(
            next(
                p.callback
                for p in wagtailadmin_urls.urlpatterns
                if getattr(p, "name", "") == "wagtailadmin_choose_page_external_link"
            ),
            "external-link-chooser-url",
        ),
    ),
    path("cms/", include(wagtailadmin_urls)),
    # Uploaded files, behind login like every page: videos and documents through Wagtail's
    # serve view, images through ours.
    path("documents/", include(wagtaildocs_urls)),
    path("media/<path:path>", content_views.media_file, name="media_file"),
    path("participant/", include("modules.urls")),
    path("messages/", include("messaging.urls")),
    path("meetings/", include("meetings.urls")),
    path("therapist/", include("therapist.urls")),
    path("administration/", include("therapist.admin_urls")),
    path("partner/", include("partner.urls")),
    path("help/", include("intake.urls")),
    path("measures/", include("measures.urls")),
    path("reports/", include("reports.urls")),
    path("records/", include("records.urls")),
    path("log-review/", include("logreview.urls")),
    path("editor/", include("content.urls")),
]
