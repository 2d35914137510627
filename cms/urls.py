from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from cms import views
from cms.account import claim_views
from cms.account import views as account_views
from cms.privacy import views as privacy_views
from cms.sso import views as sso_views
from courses.sites.history import ScopedSiteHistoryView

curricula_patterns = [
    path("modules/<int:module_id>/side-by-side/", views.module_side_by_side, name="side_by_side"),
    path("search/", views.search, name="search"),
]

# One way in: every URL that would check a password outside allauth (rate limits, lockout,
# mandatory verification) is taken over here, ahead of the Wagtail URLs that define it.
# tests/test_security.py walks the resolver to keep it so.
sign_in_doors = [
    path("admin/login/", views.SignInWithAllauth.as_view()),
    path("_util/login/", views.SignInWithAllauth.as_view()),
    re_path(r"^_util/authenticate_with_password/", views.shared_password_refused),
    re_path(r"^documents/authenticate_with_password/", views.shared_password_refused),
]

# Wagtail's Site history shows a model's whole history to anyone who may view the model; this
# one leaves out other sites' venues, tutors, closed days and runs (courses/sites/history.py).
scoped_reports = [
    path(
        "admin/reports/site-history/",
        require_admin_access(ScopedSiteHistoryView.as_view()),
    ),
    path(
        "admin/reports/site-history/results/",
        require_admin_access(ScopedSiteHistoryView.as_view(results_only=True)),
    ),
]

# The Markdown editor's preview, under the admin's address but outside Wagtail's URLs, so that
# people who edit no page are answered 403 rather than sent to sign in again.
authoring_patterns = [
    path("admin/markdown/preview/", views.markdown_preview_html, name="markdown_preview"),
]

account_patterns = [
    path("", account_views.account, name="account"),
    path("name/", account_views.change_name, name="account_change_name"),
    path("who-you-are/", account_views.change_audience, name="account_change_audience"),
    path("your-data/", privacy_views.your_data, name="account_your_data"),
    path("erase/", privacy_views.erase_own_account, name="account_erase"),
    path("erased/", privacy_views.account_erased, name="account_erased"),
    # Claiming an account staff made (booked by phone, referred): public, for people who cannot
    # sign in yet (cms/account/claim.py).
    path("claim/", claim_views.claim_account, name="claim_account"),
    path("claim/code/", claim_views.claim_account_code, name="claim_account_code"),
    path("claim/password/", claim_views.claim_account_password, name="claim_account_password"),
]

# A system administrator erases a person for a written request.
privacy_patterns = [
    path("erase-person/", privacy_views.erase_person, name="erase_person"),
]

urlpatterns = [
    *sign_in_doors,
    *scoped_reports,
    *authoring_patterns,
    path("healthz", views.healthz, name="healthz"),
    path("curricula/", include((curricula_patterns, "cms"))),
    path("readyz", views.readyz, name="readyz"),
    # GOV.UK Notify's delivery receipts for text messages (authenticated by a bearer token).
    path("notify/callback/", views.notify_callback, name="notify_callback"),
    path("account/", include(account_patterns)),
    path("privacy/", include(privacy_patterns)),
    path("accounts/link/", sso_views.link_confirm, name="sso_link_confirm"),
    path("accounts/", include("allauth.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("reflections/", include("assessments.urls")),
    path("", include("courses.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page tree serves everything not matched above, so it comes last.
urlpatterns.append(path("", include(wagtail_urls)))
