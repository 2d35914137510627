from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views

curricula_patterns = [
    path("modules/<int:module_id>/side-by-side/", views.module_side_by_side, name="side_by_side"),
    path("search/", views.search, name="search"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("curricula/", include((curricula_patterns, "cms"))),
    path("readyz", views.readyz, name="readyz"),
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
