"""The "Reflection answers" report in the Wagtail admin: every answer to the before-and-after
reflections of the user's sites, one row per answer under a pseudonym, to read or to download as
CSV or XLSX for funders and evaluators. Programme leads and site administrators of those sites
(and superusers) only; every download is logged.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from assessments.models import Answer, Phase
from assessments.reflections.exports import COLUMNS, answer_rows, export_log
from cms.models import ProgrammePage
from cms.roles import LEADS_AND_ADMINISTRATORS, has_any_role
from courses.reflections.administrations import responses_in_scope
from courses.sites.scope import sites_for

REPORT_TITLE = "Reflection answers"
NO_ANSWERS = "No reflection answers at your sites yet."
NO_MATCHING_ANSWERS = "No reflection answers match these filters."


def may_see_reflection_answers(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or has_any_role(user, *LEADS_AND_ADMINISTRATORS)
    )


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
