"""Site history in the Wagtail admin, scoped: a lead or site administrator sees the history of their
own sites' venues, tutors, closed days, runs and invitation codes, never another site's (nor its
editors in the user filter); system administrators see all."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.models import ModelLogEntry, PageLogEntry

from courses.sites.scope import sites_for

# The delivery objects whose history belongs to a site, and the path from each to its site.
SITE_SCOPED_HISTORY = {
    "site": "pk",
    "venue": "site",
    "tutor": "site",
    "closedday": "site",
    "courserun": "site",
    "invitationcode": "site",
}


def history_outside_scope(user) -> Q:
    """Model log entries about another site's venues, tutors, closed days, runs and codes.

    Wagtail shows a model's whole history to anyone who may view that model; a Riverside lead
    would read the Hillside lead's edits of Hillside's tutors. Pages (the shared curricula) and
    models that belong to no site keep Wagtail's own rules."""

    sites = sites_for(user)
    outside = Q(pk__in=[])
    for model_name, path in SITE_SCOPED_HISTORY.items():
        model = apps.get_model("courses", model_name)
        in_scope = (
            model.objects.filter(**{f"{path}__in": sites})
            .annotate(text_id=Cast("pk", output_field=CharField()))
            .values("text_id")
        )
        outside |= Q(content_type=ContentType.objects.get_for_model(model)) & ~Q(
            object_id__in=in_scope
        )
    return outside


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    def get_user_choices(self):
        user = self.request.user
        if user.is_superuser:
            return super().get_user_choices()
        ids = set(PageLogEntry.objects.viewable_by_user(user).get_user_ids())
        ids |= set(
            ModelLogEntry.objects.viewable_by_user(user)
            .exclude(history_outside_scope(user))
            .get_user_ids()
        )
        return get_user_model().objects.filter(pk__in=ids).order_by("email")

    class Meta(SiteHistoryReportFilterSet.Meta):
        pass


class ScopedSiteHistoryView(LogEntriesView):
    """Wagtail's Site history, with another site's delivery objects left out (cms/urls.py puts
    it at Wagtail's own address)."""

    filterset_class = ScopedSiteHistoryFilterSet

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if queryset.model is ModelLogEntry and not self.request.user.is_superuser:
            queryset = queryset.exclude(history_outside_scope(self.request.user))
        return queryset
