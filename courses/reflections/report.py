"""Every answer to the before-and-after reflections of a lead's sites, one row per answer under a
pseudonym, with where and when it was given (site, course run or e-learning module, the cohort's
start date): downloaded from a site's results page (`answers_for_sites`, CSV or Excel), and read
in the "Reflection answers" report in the Wagtail admin. Programme leads and site administrators
of those sites (and superusers) only; every download is logged. Answers keep their full
precision: nothing here is rounded.

The results page's download also carries people's own goals, one row per rating
(`goals_for_sites`), and the trainees' feedback after each session of the sites' runs, one row
per answer with the session's number and date (`session_feedback_for_sites`), under the same
codes and the same rules for people's own words. The tutors' debriefs are not in it: they are
the tutors' own, named account of a session, read on its feedback page.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from assessments.models import Answer, GoalRating, Phase, Response
from assessments.reflections.exports import (
    COLUMNS,
    GOAL_COLUMNS,
    answer_rows,
    export_log,
    goal_rows,
)
from cms.models import ModulePage, ProgrammePage
from cms.roles import LEADS_AND_ADMINISTRATORS, has_any_role
from courses.models import CourseRun, Enrolment, Session
from courses.reflections.administrations import RUN_MODEL, evaluating, responses_in_scope
from courses.reflections.session_feedback import SESSION_MODEL
from courses.sites.scope import sites_for

REPORT_TITLE = "Reflection answers"
NO_ANSWERS = "No reflection answers at your sites yet."
NO_MATCHING_ANSWERS = "No reflection answers match these filters."


# The download's columns, in order: where and when first, then the answer (assessments' columns).
ANSWER_COLUMNS = {
    "site": "Site",
    "course": "Course run or e-learning module",
    "cohort_starts_on": (
        "Cohort start date (the course's first session, or the day the person enrolled on the "
        "e-learning)"
    ),
    **{
        ("before_or_after" if key == "phase" else key): heading
        for key, heading in COLUMNS.items()
        if key != "value"
    },
}

# People's own goals: where and when first, then the goal's rating (assessments' columns).
GOAL_DOWNLOAD_COLUMNS = {
    key: ANSWER_COLUMNS[key] for key in ("site", "course", "cohort_starts_on")
} | {
    ("before_or_after" if key == "phase" else key): heading for key, heading in GOAL_COLUMNS.items()
}

# The trainees' feedback after each session: the session, then the answer.
SESSION_FEEDBACK_COLUMNS = {
    "site": "Site",
    "course": "Course run",
    "session_number": "Session number",
    "session_on": "Session date",
    **{
        key: COLUMNS[key]
        for key in (
            "pseudonym",
            "instrument_slug",
            "version_number",
            "submitted_at",
            "item_key",
            "item_text",
            "number",
            "text",
            "shared",
            "generated",
        )
    },
}

_SURVEY = "response__administration__"
NOT_ASKED = "Not asked"
# The rows' keys: the admin report reads the same rows, the cohort's start as the moment it began.
REPORT_FIELDS = ["cohort_start" if key == "cohort_starts_on" else key for key in ANSWER_COLUMNS]
REPORT_HEADINGS = ANSWER_COLUMNS | {"cohort_start": ANSWER_COLUMNS["cohort_starts_on"]}
GOAL_FIELDS = [
    "cohort_start" if key == "cohort_starts_on" else key for key in GOAL_DOWNLOAD_COLUMNS
]


def _where_and_when(rows: QuerySet, sites) -> QuerySet:
    """`rows` (answers or goal ratings, reaching their survey through `response`) with the site,
    the course run or e-learning module, the cohort's start and before or after in words: a run's
    survey belongs to the run's site, an e-learning module's to the site the person enrolled for
    (the first such enrolment at these sites). Subqueries of the same one query."""
    run = CourseRun.objects.filter(pk=OuterRef(f"{_SURVEY}target_id"))
    first_session = Session.objects.filter(run=OuterRef(f"{_SURVEY}target_id")).order_by(
        "starts_at"
    )
    enrolment = (
        Enrolment.objects.filter(
            trainee=OuterRef("response__respondent_id"),
            module_id=OuterRef(f"{_SURVEY}target_id"),
            site__in=sites,
        )
        .exclude(status=Enrolment.Status.WAITLISTED)
        .order_by("enrolled_at", "pk")
    )
    module = ModulePage.objects.filter(pk=OuterRef(f"{_SURVEY}target_id"))
    on_a_run = evaluating(RUN_MODEL, _SURVEY)

    def either(for_run, for_module, field):
        return Case(
            When(on_a_run, then=Subquery(for_run[:1])),
            default=Subquery(for_module[:1]),
            output_field=field,
        )

    return rows.annotate(
        site=either(run.values("site__name"), enrolment.values("site__name"), CharField()),
        course=either(run.values("title"), module.values("title"), CharField()),
        cohort_start=either(
            first_session.values("starts_at"), enrolment.values("enrolled_at"), DateTimeField()
        ),
        before_or_after=Case(
            *[When(phase=value, then=Value(label)) for value, label in Phase.choices],
            default=F("phase"),
            output_field=CharField(),
        ),
    )


def answers_for_sites(sites, *, programme_id=None, run_id=None) -> QuerySet[Answer]:
    """The answers behind `sites`' results (responses_in_scope), each a dict of ANSWER_COLUMNS
    (the cohort's start as `cohort_start`). One query."""
    rows = answer_rows(responses_in_scope(sites=sites, programme_id=programme_id, run_id=run_id))
    return _where_and_when(rows, sites).values(*REPORT_FIELDS)


def goals_for_sites(sites, *, programme_id=None, run_id=None) -> QuerySet[GoalRating]:
    """Every rating of people's own goals behind `sites`' results, each a dict of
    GOAL_DOWNLOAD_COLUMNS (the cohort's start as `cohort_start`). One query."""
    rows = goal_rows(responses_in_scope(sites=sites, programme_id=programme_id, run_id=run_id))
    return _where_and_when(rows, sites).values(*GOAL_FIELDS)


def session_feedback_for_sites(sites, *, programme_id=None, run_id=None) -> QuerySet[Answer]:
    """The trainees' feedback after the sessions of `sites`' runs (of the programme and run
    chosen), one row per answer, each a dict of SESSION_FEEDBACK_COLUMNS. One query."""
    runs = CourseRun.objects.filter(site__in=sites)
    if programme_id is not None:
        runs = runs.filter(programme_id=programme_id)
    if run_id is not None:
        runs = runs.filter(pk=run_id)
    responses = Response.objects.filter(
        evaluating(SESSION_MODEL, "administration__"),
        administration__phase=Phase.SESSION,
        administration__target_id__in=Session.objects.filter(run__in=runs).values("pk"),
        status=Response.Status.SUBMITTED,
    )
    session = Session.objects.filter(pk=OuterRef(f"{_SURVEY}target_id"))
    return (
        answer_rows(responses)
        .annotate(
            site=Subquery(session.values("run__site__name")[:1]),
            course=Subquery(session.values("run__title")[:1]),
            session_number=Subquery(session.values("number")[:1]),
            session_start=Subquery(session.values("starts_at")[:1]),
        )
        .order_by("session_start", "session_number", "pseudonym", "item__position", "pk")
        .values(*(key for key in SESSION_FEEDBACK_COLUMNS if key != "session_on"), "session_start")
    )


def _shared_or_not_asked(shared):
    # Only a reflection with written questions asks whether to share them.
    return NOT_ASKED if shared is None else shared


def answer_cells(row: dict) -> list:
    """A row of answers_for_sites as the download's cells, in ANSWER_COLUMNS' order: before or
    after in words, the cohort's start as a local date."""
    start = row["cohort_start"]
    values = row | {
        "cohort_starts_on": timezone.localdate(start) if start else None,
        "text": row["text"] or None,
        "shared": _shared_or_not_asked(row["shared"]),
    }
    return [values[key] for key in ANSWER_COLUMNS]


def goal_cells(row: dict) -> list:
    """A row of goals_for_sites as the download's cells, in GOAL_DOWNLOAD_COLUMNS' order."""
    start = row["cohort_start"]
    values = row | {
        "cohort_starts_on": timezone.localdate(start) if start else None,
        "goal_text": row["goal_text"] or None,
        "helped_text": row["helped_text"] or None,
    }
    return [values[key] for key in GOAL_DOWNLOAD_COLUMNS]


def session_feedback_cells(row: dict) -> list:
    """A row of session_feedback_for_sites as the download's cells, in
    SESSION_FEEDBACK_COLUMNS' order: the session's day as a local date."""
    start = row["session_start"]
    values = row | {
        "session_on": timezone.localdate(start) if start else None,
        "text": row["text"] or None,
        "shared": _shared_or_not_asked(row["shared"]),
    }
    return [values[key] for key in SESSION_FEEDBACK_COLUMNS]


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
    list_export = REPORT_FIELDS
    export_headings = REPORT_HEADINGS
    columns = [Column(name, label=REPORT_HEADINGS[name], accessor=name) for name in REPORT_FIELDS]
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
        return answers_for_sites(sites_for(self.request.user))

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
