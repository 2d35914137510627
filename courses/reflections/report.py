"""Reports in the Wagtail admin. The "Reflection answers" report: every answer to the before-and-after
reflections of the user's sites, one row per answer under a pseudonym, to read or to download as
CSV or XLSX for funders and evaluators. Programme leads and site administrators of those sites
(and superusers) only; every download is logged. Site history, scoped to the viewer's sites.
"""

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.models import ModelLogEntry, PageLogEntry

from assessments.exports import COLUMNS, answer_rows, export_log
from assessments.models import Answer, Phase
from cms.models import ProgrammePage
from cms.roles import Role, has_any_role
from courses.elearning.selectors import sites_for
from courses.reflections.administrations import responses_in_scope

REPORT_TITLE = "Reflection answers"
NO_ANSWERS = "No reflection answers at your sites yet."
NO_MATCHING_ANSWERS = "No reflection answers match these filters."
REPORT_ROLES = (Role.PROGRAMME_LEAD, Role.SITE_ADMINISTRATOR)


def may_see_reflection_answers(user) -> bool:
    return user.is_authenticated and (user.is_superuser or has_any_role(user, *REPORT_ROLES))


class ReflectionAnswersFilterSet(WagtailFilterSet):
    programme = django_filters.ModelChoiceFilter(
        label="Programme",
        empty_label="All programmes",
        queryset=ProgrammePage.objects.order_by("title"),
        method="filter_programme",
    )
    phase = django_filters.ChoiceFilter(
        label="Before or after",
        empty_label="Both",
        choices=Phase.choices,
        method="filter_phase",
    )

    class Meta:
        model = Answer
        fields = ["programme", "phase"]

    def filter_programme(self, queryset, name, value):
        return queryset.filter(response__administration__programme=value)

    def filter_phase(self, queryset, name, value):
        return queryset.filter(response__administration__phase=value)


class ReflectionAnswersView(ReportView):
    page_title = REPORT_TITLE
    header_icon = "doc-full"
    index_url_name = "reflection_answers"
    index_results_url_name = "reflection_answers_results"
    results_template_name = "courses/reflections/report_results.html"
    filterset_class = ReflectionAnswersFilterSet
    list_export = list(COLUMNS)
    export_headings = COLUMNS
    columns = [Column(name, label=heading, accessor=name) for name, heading in COLUMNS.items()]
    # Written answers and questions are people's text: every Wagtail CSV cell goes through
    # cms.spreadsheets.safe_cell (XLSX cells are kept as text by Wagtail).
    model = Answer

    def dispatch(self, request, *args, **kwargs):
        if not may_see_reflection_answers(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def user_has_permission(self, permission):
        # The role check above is the permission; the rows come from the user's sites.
        return may_see_reflection_answers(self.request.user)

    def get_filename(self):
        return f"reflection-answers-{timezone.localdate():%Y-%m-%d}"

    def get_base_queryset(self) -> QuerySet:
        return answer_rows(responses_in_scope(sites=sites_for(self.request.user)))

    def filter_queryset(self, queryset):
        # A filter that does not make sense shows its error and no rows, never all of them.
        if self.filters is not None and not self.filters.is_valid():
            return queryset.none()
        return super().filter_queryset(queryset)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["no_results_message"] = NO_MATCHING_ANSWERS if self.is_filtering else NO_ANSWERS
        return context

    def _filters_for_log(self) -> dict:
        if self.filters is None or not self.filters.is_valid():
            return {}
        chosen = {}
        for name, value in self.filters.form.cleaned_data.items():
            if value in (None, ""):
                continue
            chosen[name] = value.pk if hasattr(value, "pk") else str(value)
        return chosen

    def as_spreadsheet(self, queryset, spreadsheet_format):
        # Counted in the database: the rows themselves are streamed, never all held at once.
        export_log(
            user=self.request.user,
            what=REPORT_TITLE,
            file_format=spreadsheet_format,
            filters=self._filters_for_log(),
            row_count=queryset.count(),
        )
        response = super().as_spreadsheet(queryset, spreadsheet_format)
        add_never_cache_headers(response)
        return response


class ReflectionAnswersMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_reflection_answers(request.user)


# --- site history, scoped to the viewer's sites ---------------------------------------------------

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
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

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
