"""The programme lead's dashboard: how the programme is doing at the lead's sites.

Enrolment, attendance, completion, change and which sessions ahead lack a ready pair of tutors are
summed from the figures worked out ahead (`courses.dashboard.figures`, every 10 minutes): a few rows
per course run, session and e-learning day, so the page costs the same for a national programme as
for one site. Accreditations ending and tutor load are counted live. Either way it is one query per
table (the tutor gaps take two: the count per site and the first rows) after one for the user's
sites, so the number of queries never changes. The lists of people behind the funnel are live too.

What counts:
- An enrolment is a place on a course run or an e-learning module that is not on the
  waiting list (withdrawn people count: they are the attrition). Runs that were cancelled
  are left out of every figure.
- A run belongs to its site; an e-learning enrolment to the site it was made for.
- The period picks runs by the date of their first session and e-learning enrolments by
  the day they enrolled, for the change figures too (a cohort's people, whenever they sent
  the after reflection). The tutor coverage tables always look ahead from today (8 weeks,
  90 days).
- Rates are percentages (0 to 100) and means have one decimal place, by the project's one
  rounding rule (cms.numbers.rounded), on the page and in its downloads; None when nobody is
  counted.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Substr, TruncMonth
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from assessments.models import Phase
from assessments.reflections.analysis import MIN_MATCHED, change_from_sums
from assessments.reflections.follow_up import PHASE_ORDER, point_from_sums
from cms.curricula.vocabulary import Track
from cms.forms import RowChoiceField
from cms.models import ModulePage, ProgrammePage
from cms.numbers import figure_text, rounded
from cms.queries import count_rows
from courses.common.forms import DayField, PeriodForm
from courses.dashboard import figures
from courses.dashboard.figures import ANSWERED, COMPLETED, NEXT_WEEKS, STARTED
from courses.models import (
    Accreditation,
    ChangeFigures,
    CohortFigures,
    CourseRun,
    Enrolment,
    LastingFigures,
    Session,
    SessionFigures,
    Site,
    Tutor,
    TutorKind,
)
from courses.sites.scope import sites_for

EXPIRING_DAYS = 90
DEFAULT_LIMIT = 25
TABLE_KEYS = (
    "funnel",
    "sites",
    "runs",
    "attendance",
    "elearning",
    "gaps",
    "expiring",
    "load",
    "change",
    "lasting",
)
STAGES = ("enrolled", "started", "completed", "answered")
# Who sent a reflection is theirs to keep: leads see how many, never who (domain rule 5), so only
# these stages list the people behind them.
PEOPLE_STAGES = ("enrolled", "started", "completed")
STAGE_LABELS = {
    "enrolled": "Enrolled",
    "started": "Started",
    "completed": "Completed",
    "answered": "Sent the after reflection",
}

PROGRAMME_NOT_ON_TRACK = "That programme is not on the track you chose."


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]  # column key -> value; "_url": the page with the rows behind the row
    note: str = ""
    # Figures about the whole table shown above its rows (e.g. the gaps per site), each a
    # dict with "label", "value" and maybe "_url". Not part of the rows nor of the exports.
    summary: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class DashboardFilters:
    sites: QuerySet[Site]
    programme: ProgrammePage | None = None
    track: str | None = None
    since: date | None = None
    until: date | None = None


# --- the filters ---------------------------------------------------------------------------------


class DashboardFilterForm(PeriodForm):
    period_fields = ("since", "until")

    site = RowChoiceField(
        queryset=Site.objects.none(), label="Site", required=False, empty_label="All your sites"
    )
    programme = RowChoiceField(
        queryset=ProgrammePage.objects.none(),
        label="Programme",
        required=False,
        empty_label="All programmes",
    )
    track = forms.ChoiceField(
        label="Track", required=False, choices=[("", "Both tracks"), *Track.choices]
    )
    since = DayField(
        label="From",
        required=False,
        help_text="For example 1/9/2026. Courses by their first session, e-learning by the day "
        "people enrolled.",
    )
    until = DayField(
        label="Until",
        required=False,
        help_text="For example 31/8/2027.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["site"].queryset = sites_for(user).order_by("name")
        self.fields["programme"].queryset = ProgrammePage.objects.order_by("title")

    def clean(self):
        cleaned_data = super().clean()
        programme, track = cleaned_data.get("programme"), cleaned_data.get("track")
        if programme and track and programme.track != track:
            self.add_error("track", PROGRAMME_NOT_ON_TRACK)
        return cleaned_data

    def filters(self) -> DashboardFilters:
        """What the form chose; an unbound form chooses everything in the user's scope."""
        if not self.is_bound:
            return DashboardFilters(sites=sites_for(self.user))
        if not self.is_valid():
            raise ValueError("The filters have errors.")
        data = self.cleaned_data
        site = data["site"]
        return DashboardFilters(
            sites=Site.objects.filter(pk=site.pk) if site else sites_for(self.user),
            programme=data["programme"],
            track=data["track"] or None,
            since=data["since"],
            until=data["until"],
        )

    def query(self, **overrides) -> str:
        """The chosen filters as a query string, for links that keep them (valid forms only)."""
        values = {}
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            values = {
                "site": data["site"].pk if data["site"] else "",
                "programme": data["programme"].pk if data["programme"] else "",
                "track": data["track"] or "",
                "since": data["since"].isoformat() if data["since"] else "",
                "until": data["until"].isoformat() if data["until"] else "",
            }
        values.update(overrides)
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})


# --- scope ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    sites: list[int]  # ids, found once: each table then filters on plain values
    filters: DashboardFilters
    now: datetime
    today: date


def _scope(user, filters: DashboardFilters) -> _Scope:
    # Whatever the caller built, never more than the user's own sites.
    sites = list(
        filters.sites.filter(pk__in=sites_for(user).values("pk")).values_list("pk", flat=True)
    )
    now = timezone.now()
    return _Scope(sites=sites, filters=filters, now=now, today=timezone.localdate(now))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _period(field_name: str, filters: DashboardFilters) -> Q:
    """A datetime field within the filters' days, as bounds an index can use."""
    q = Q()
    if filters.since:
        q &= Q(**{f"{field_name}__gte": _start_of(filters.since)})
    if filters.until:
        q &= Q(**{f"{field_name}__lt": _start_of(filters.until + timedelta(days=1))})
    return q


def _first_start():
    return Subquery(
        Session.objects.filter(run=OuterRef("pk")).order_by("starts_at").values("starts_at")[:1]
    )


def _runs(scope: _Scope) -> QuerySet[CourseRun]:
    """Runs at the scope's sites, of the programme and track chosen, whose first session falls
    in the period. Cancelled runs never count."""
    filters = scope.filters
    runs = CourseRun.objects.filter(site__in=scope.sites).exclude(status=CourseRun.Status.CANCELLED)
    if filters.programme is not None:
        runs = runs.filter(programme=filters.programme)
    if filters.track:
        runs = runs.filter(programme__track=filters.track)
    if filters.since or filters.until:
        runs = runs.annotate(first_start=_first_start()).filter(_period("first_start", filters))
    return runs


def _modules(scope: _Scope, *, track: str | None = None) -> QuerySet[ModulePage] | None:
    """E-learning modules of the programme and track chosen; None when any module will do."""
    filters = scope.filters
    track = track or filters.track
    if filters.programme is None and not track:
        return None
    modules = ModulePage.objects.all()
    if filters.programme is not None:
        modules = modules.child_of(filters.programme)
    if track:
        # The module's parent page, by its tree path, is a programme on that track.
        parent = Substr(OuterRef("path"), 1, (OuterRef("depth") - 1) * Page.steplen)
        modules = modules.filter(
            Exists(
                ProgrammePage.objects.filter(track=track, path=parent, depth=OuterRef("depth") - 1)
            )
        )
    return modules


def _elearning(scope: _Scope) -> Q:
    q = Q(module__isnull=False, site__in=scope.sites) & _period("enrolled_at", scope.filters)
    modules = _modules(scope)
    if modules is not None:
        q &= Q(module__in=modules.values("pk"))
    return q


def _enrolments(scope: _Scope) -> QuerySet[Enrolment]:
    """The funnel's enrolments: on a run or an e-learning module in scope, not waiting."""
    return Enrolment.objects.filter(
        Q(run__in=_runs(scope).values("pk")) | _elearning(scope)
    ).exclude(status=Enrolment.Status.WAITLISTED)


STAGE_CONDITIONS = {
    "enrolled": Q(),
    "started": STARTED,
    "completed": COMPLETED,
    "answered": ANSWERED,
}


def _percent(part: str, whole: str):
    """part as a percentage of whole, worked out by the database; NULL when whole is 0."""
    return Case(
        When(
            **{f"{whole}__gt": 0},
            then=Cast(F(part), FloatField()) * Value(100.0) / Cast(F(whole), FloatField()),
        ),
        default=None,
        output_field=FloatField(),
    )


def _share(part: int, whole: int) -> float | None:
    return rounded(100 * part / whole) if whole else None


def _person(first: str, last: str, tutor_id: int) -> str:
    """A tutor's name; never their email, which a download must not carry."""
    return f"{first} {last}".strip() or f"Tutor {tutor_id} (no name on their account)"


def _limited(rows: list, limit: int | None) -> tuple[list, bool]:
    if limit is None or len(rows) <= limit:
        return rows, False
    return rows[:limit], True


# --- the tables -----------------------------------------------------------------------------------


def _figures(model, scope: _Scope, *, period: bool = True) -> QuerySet:
    """The rows of a figures table (courses.dashboard.figures) in the scope and its filters: the
    period picks cohorts by the day they began (a run's first session, an e-learning enrolment)."""
    filters = scope.filters
    rows = model.objects.filter(site__in=scope.sites)
    if filters.programme is not None:
        rows = rows.filter(programme=filters.programme)
    if filters.track:
        rows = rows.filter(track=filters.track)
    if period and filters.since:
        rows = rows.filter(starts_on__gte=filters.since)
    if period and filters.until:
        rows = rows.filter(starts_on__lte=filters.until)
    return rows.order_by()


def _funnel(scope: _Scope, limit: int | None) -> Table:
    """Enrolled, started, completed and answered the after reflection, per track: one sum over
    the cohorts in scope."""
    found = {
        row["track"]: row
        for row in _figures(CohortFigures, scope)
        .values("track")
        .annotate(
            total_enrolled=Sum("enrolled"),
            total_started=Sum("started"),
            total_completed=Sum("completed"),
            total_answered=Sum("answered"),
        )
    }
    tracks = [scope.filters.track] if scope.filters.track else list(Track.values)
    if scope.filters.programme is not None:
        tracks = [scope.filters.programme.track]
    rows = []
    for track in tracks:
        row = found.get(track, {})
        enrolled = row.get("total_enrolled", 0)
        figures = {"track": Track(track).label, "enrolled": enrolled}
        for stage in ["started", "completed", "answered"]:
            figures[stage] = row.get(f"total_{stage}", 0)
            figures[f"{stage}_rate"] = _share(figures[stage], enrolled)
        rows.append(figures | {"_track": track})
    return Table(
        key="funnel",
        title="From enrolment to the after reflection, per track",
        columns=[
            Column("track", "Track"),
            Column("enrolled", "Enrolled", numeric=True),
            Column("started", "Started", numeric=True),
            Column("started_rate", "Started (% of enrolled)", numeric=True),
            Column("completed", "Completed", numeric=True),
            Column("completed_rate", "Completed (% of enrolled)", numeric=True),
            Column("answered", "Sent the after reflection", numeric=True),
            Column("answered_rate", "Sent the after reflection (% of enrolled)", numeric=True),
        ],
        rows=rows,
        note="Enrolled: booked on a course or enrolled on an e-learning module (not waiting "
        "for a place; people who withdrew count). Started: came to at least one session or "
        "finished at least one lesson.",
    )


def _sites(scope: _Scope, limit: int | None) -> Table:
    """Completion per site (a run's site, or the site an e-learning enrolment was made for):
    one sum over the cohorts in scope."""
    rows = list(
        _figures(CohortFigures, scope)
        .values("site__name", "site__slug")
        .annotate(total_enrolled=Sum("enrolled"), total_completed=Sum("completed"))
        .filter(total_enrolled__gt=0)
        .order_by("site__name")
    )
    return Table(
        key="sites",
        title="Completion per site",
        columns=[
            Column("site", "Site"),
            Column("enrolled", "Enrolled", numeric=True),
            Column("completed", "Completed", numeric=True),
            Column("rate", "Completed (% of enrolled)", numeric=True),
        ],
        rows=[
            {
                "site": row["site__name"],
                "enrolled": row["total_enrolled"],
                "completed": row["total_completed"],
                "rate": _share(row["total_completed"], row["total_enrolled"]),
                "_url": reverse("courses:site_runs", args=[row["site__slug"]]),
            }
            for row in rows
        ],
        note="Courses and e-learning together.",
    )


def _runs_table(scope: _Scope, limit: int | None) -> Table:
    """Completion per run that has started, lowest first: one query over the cohorts, the slice
    done by the database."""
    runs = (
        _figures(CohortFigures, scope)
        .filter(run__isnull=False, first_start__lte=scope.now)
        .annotate(rate=_percent("completed", "enrolled"))
        .order_by(F("rate").asc(nulls_last=True), "first_start", "run_id")
        .values(
            "run_id",
            "run__title",
            "site__name",
            "site__slug",
            "programme__title",
            "first_start",
            "last_end",
            "enrolled",
            "completed",
            "rate",
        )
    )
    if limit is not None:
        runs = runs[: limit + 1]
    rows, more = _limited(list(runs), limit)
    note = "Runs that have started, the lowest completion first."
    if more:
        note = (
            f"The {limit} runs with the lowest completion among those that have started; "
            "download the table for all of them."
        )
    return Table(
        key="runs",
        title="Completion per course run",
        columns=[
            Column("run", "Course run"),
            Column("programme", "Programme"),
            Column("site", "Site"),
            Column("first_session", "First session"),
            Column("state", "State"),
            Column("enrolled", "Enrolled", numeric=True),
            Column("completed", "Completed", numeric=True),
            Column("rate", "Completed (% of enrolled)", numeric=True),
        ],
        rows=[
            {
                "run": row["run__title"],
                "programme": row["programme__title"],
                "site": row["site__name"],
                "first_session": timezone.localdate(row["first_start"]),
                "state": "Finished" if row["last_end"] <= scope.now else "Under way",
                "enrolled": row["enrolled"],
                "completed": row["completed"],
                "rate": rounded(row["rate"]),
                "_url": reverse("courses:site_run", args=[row["site__slug"], row["run_id"]]),
            }
            for row in rows
        ],
        note=note,
    )


def attendance_summary(row: dict) -> str:
    """ "85.7% present of 7 marked; 2 not marked yet" for a row of the attendance table."""
    marked = row["marked"]
    if not marked:
        return f"nobody marked yet; {figure_text(row['not_marked'])} not marked"
    return (
        f"{figure_text(row['rate'], unit='%')} present of {figure_text(marked)} marked; "
        f"{figure_text(row['not_marked'])} not marked yet"
    )


def _attendance(scope: _Scope, limit: int | None) -> Table:
    """The attrition curve: per session number, the sessions held, the people on the course at
    each one's start, how many of them the registers mark and how many came: one sum over the
    sessions in scope, the shares worked out by the database. Someone not marked yet counts in
    neither the marked nor the present, never as absent."""
    rows = list(
        _figures(SessionFigures, scope)
        .filter(starts_at__lte=scope.now)
        .values("number")
        .annotate(
            sessions=Count("pk"),
            total_booked=Sum("booked"),
            total_marked=Sum("marked"),
            total_present=Sum("present"),
            total_not_marked=Sum(F("booked") - F("marked")),
        )
        .annotate(rate=_percent("total_present", "total_marked"))
        .order_by("number")
    )
    table_rows = [
        {
            "session": f"Session {row['number']}",
            "sessions": row["sessions"],
            "booked": row["total_booked"],
            "marked": row["total_marked"],
            "present": row["total_present"],
            "rate": rounded(row["rate"]),
            "not_marked": row["total_not_marked"],
        }
        for row in rows
    ]
    return Table(
        key="attendance",
        title="Attendance at each session",
        columns=[
            Column("session", "Session"),
            Column("sessions", "Sessions held", numeric=True),
            Column("booked", "On the course then", numeric=True),
            Column("marked", "Marked on the register", numeric=True),
            Column("present", "Present", numeric=True),
            Column("rate", "Present (% of those marked)", numeric=True),
            Column("not_marked", "Not marked yet", numeric=True),
        ],
        rows=table_rows,
        summary=[
            {"label": row["session"], "value": attendance_summary(row)}
            for row in table_rows
            if row["not_marked"]
        ],
        note="Sessions that have started. On the course then: booked or completed, or withdrew "
        "after that session began. Present is a share of the people marked on the register "
        "(present, absent or sent apologies); people a tutor has not marked yet are not "
        "counted as absent.",
    )


def _elearning_table(scope: _Scope, limit: int | None) -> Table:
    """E-learning enrolments per month and how many of them have completed: one sum over the
    e-learning cohorts in scope."""
    rows = list(
        _figures(CohortFigures, scope)
        .filter(module__isnull=False)
        .annotate(month=TruncMonth("starts_on"))
        .values("month")
        .annotate(total_enrolled=Sum("enrolled"), total_completed=Sum("completed"))
        .order_by("month")
    )
    return Table(
        key="elearning",
        title="E-learning completion by the month people enrolled",
        columns=[
            Column("month", "Month enrolled"),
            Column("enrolled", "Enrolled", numeric=True),
            Column("completed", "Completed so far", numeric=True),
            Column("rate", "Completed (% of enrolled)", numeric=True),
        ],
        rows=[
            {
                "month": f"{row['month']:%B %Y}",
                "enrolled": row["total_enrolled"],
                "completed": row["total_completed"],
                "rate": _share(row["total_completed"], row["total_enrolled"]),
            }
            for row in rows
        ],
        note="Each month's enrolments, and how many of those people have completed by now.",
    )


def _upcoming_sessions(scope: _Scope) -> QuerySet[Session]:
    """Sessions of the runs in scope (whatever the period) in the next 8 weeks. The runs are a
    subquery the database works out once, not a join for each session."""
    filters = scope.filters
    runs = CourseRun.objects.filter(site__in=scope.sites).exclude(status=CourseRun.Status.CANCELLED)
    if filters.programme is not None:
        runs = runs.filter(programme=filters.programme)
    if filters.track:
        runs = runs.filter(programme__track=filters.track)
    return Session.objects.filter(
        run__in=runs.values("pk"),
        starts_at__gte=scope.now,
        starts_at__lt=scope.now + timedelta(weeks=NEXT_WEEKS),
    )


def _gaps(scope: _Scope, limit: int | None) -> Table:
    """Sessions in the next 8 weeks without a ready pair of tutors, by the readiness rules
    (checked when the figures were worked out): the count per site (one query) and the
    soonest rows (one query). Whatever the period chosen, this looks ahead from now."""
    gaps = (
        _figures(SessionFigures, scope, period=False)
        .filter(
            checked=True,
            starts_at__gte=scope.now,
            starts_at__lt=scope.now + timedelta(weeks=NEXT_WEEKS),
        )
        .exclude(problems="")
    )
    per_site = list(
        gaps.values("site__name", "site__slug")
        .annotate(sessions=Count("pk"))
        .order_by("site__name")
    )
    found = gaps.order_by("starts_at", "session_id").values(
        "session_id",
        "starts_at",
        "number",
        "session__run__title",
        "site__name",
        "site__slug",
        "problems",
    )
    if limit is not None:
        found = found[: limit + 1]
    rows, more = _limited(list(found), limit)
    total = sum(site["sessions"] for site in per_site)
    note = (
        "A session is ready with one lay tutor and one clinical tutor, each accredited for the "
        "programme on the day, available, under their monthly limit and not teaching elsewhere "
        "at the time. Checked when the figures were worked out: each session's page and the "
        "planner show it as it is now."
    )
    if more:
        note = f"The {limit} soonest of {total} sessions; download the table for all. " + note
    return Table(
        key="gaps",
        title=f"Sessions in the next {NEXT_WEEKS} weeks without a ready pair of tutors",
        columns=[
            Column("starts_at", "When"),
            Column("run", "Course run"),
            Column("session", "Session", numeric=True),
            Column("site", "Site"),
            Column("problems", "Why it is not ready"),
        ],
        rows=[
            {
                "starts_at": timezone.localtime(row["starts_at"]),
                "run": row["session__run__title"],
                "session": row["number"],
                "site": row["site__name"],
                "problems": row["problems"],
                "_url": reverse(
                    "courses:session_tutors", args=[row["site__slug"], row["session_id"]]
                ),
            }
            for row in rows
        ],
        note=note,
        summary=[
            {
                "label": site["site__name"],
                "value": site["sessions"],
                "url": reverse("courses:planner", args=[site["site__slug"]]),
            }
            for site in per_site
        ],
    )


def _expiring(scope: _Scope, limit: int | None) -> Table:
    """Accreditations of the sites' active tutors ending in the next 90 days and not renewed
    by a later one for the same programme: one query."""
    filters = scope.filters
    later = Accreditation.objects.filter(
        tutor=OuterRef("tutor_id"),
        programme=OuterRef("programme_id"),
        expires_on__gt=OuterRef("expires_on"),
    )
    found = Accreditation.objects.filter(
        tutor__site__in=scope.sites,
        tutor__is_active=True,
        expires_on__gte=scope.today,
        expires_on__lte=scope.today + timedelta(days=EXPIRING_DAYS),
    ).exclude(Exists(later))
    if filters.programme is not None:
        found = found.filter(programme=filters.programme)
    if filters.track:
        found = found.filter(programme__track=filters.track)
    found = found.order_by("expires_on", "tutor__user__last_name", "pk").values(
        "tutor__user__first_name",
        "tutor__user__last_name",
        "tutor_id",
        "tutor__kind",
        "programme__title",
        "expires_on",
        "tutor__site__name",
    )
    if limit is not None:
        found = found[: limit + 1]
    rows, more = _limited(list(found), limit)
    return Table(
        key="expiring",
        title=f"Accreditations ending in the next {EXPIRING_DAYS} days",
        columns=[
            Column("tutor", "Tutor"),
            Column("kind", "Kind"),
            Column("programme", "Programme"),
            Column("expires_on", "Ends on"),
            Column("site", "Site"),
        ],
        rows=[
            {
                "tutor": _person(
                    row["tutor__user__first_name"],
                    row["tutor__user__last_name"],
                    row["tutor_id"],
                ),
                "kind": TutorKind(row["tutor__kind"]).label,
                "programme": row["programme__title"],
                "expires_on": row["expires_on"],
                "site": row["tutor__site__name"],
            }
            for row in rows
        ],
        note=(
            f"The {limit} ending soonest; download the table for all."
            if more
            else "Active tutors whose accreditation has not been renewed."
        ),
    )


def _load(scope: _Scope, limit: int | None) -> Table:
    """Sessions per active tutor in the next 8 weeks and 4 weeks, busiest first: one query."""
    upcoming = _upcoming_sessions(scope)
    month_end = scope.now + timedelta(weeks=4)
    # A session has one lay and one clinical tutor, so a tutor is one or the other in it.
    teaching = upcoming.filter(Q(lay_tutor=OuterRef("pk")) | Q(clinical_tutor=OuterRef("pk")))
    tutors = (
        Tutor.objects.filter(site__in=scope.sites, is_active=True)
        .annotate(
            sessions=count_rows(teaching),
            soon=count_rows(teaching.filter(starts_at__lt=month_end)),
        )
        .order_by("-sessions", "-soon", "user__last_name", "user__first_name", "pk")
        .values(
            "user__first_name",
            "user__last_name",
            "pk",
            "kind",
            "site__name",
            "site__slug",
            "monthly_cap",
            "sessions",
            "soon",
        )
    )
    if limit is not None:
        tutors = tutors[: limit + 1]
    rows, more = _limited(list(tutors), limit)
    return Table(
        key="load",
        title=f"Sessions per tutor in the next {NEXT_WEEKS} weeks",
        columns=[
            Column("tutor", "Tutor"),
            Column("kind", "Kind"),
            Column("site", "Site"),
            Column("sessions", f"Sessions in the next {NEXT_WEEKS} weeks", numeric=True),
            Column("soon", "Sessions in the next 4 weeks", numeric=True),
            Column("monthly_cap", "Most sessions they may teach in a month", numeric=True),
        ],
        rows=[
            {
                "tutor": _person(row["user__first_name"], row["user__last_name"], row["pk"]),
                "kind": TutorKind(row["kind"]).label,
                "site": row["site__name"],
                "sessions": row["sessions"],
                "soon": row["soon"],
                "monthly_cap": row["monthly_cap"],
                "_url": reverse("courses:planner", args=[row["site__slug"]]),
            }
            for row in rows
        ],
        note=(
            f"The {limit} busiest active tutors; download the table for all."
            if more
            else "Active tutors, the busiest first."
        ),
    )


SUPPRESSED = f"Fewer than {MIN_MATCHED} people answered both, so this is not shown."


def _change(scope: _Scope, limit: int | None) -> Table:
    """Matched before-and-after change per scale (the reflections' analysis), from the sums
    kept per cohort: one query."""
    sums = {name: Sum(name) for name in figures.SUMS}
    rows = (
        _figures(ChangeFigures, scope)
        .values("scale_key")
        .annotate(label=Max("scale_label"), first=Min("first_seen"))
        .annotate(**{f"total_{name}": total for name, total in sums.items()})
        .order_by("first")
    )
    changes = [
        change_from_sums(
            {"scale_key": row["scale_key"], "label": row["label"]}
            | {name: row[f"total_{name}"] for name in figures.SUMS}
        )
        for row in rows
    ]
    generated = max((change.generated or 0 for change in changes), default=0)
    note = (
        "People who answered both the before and the after reflection, each compared with "
        "themselves; the period picks courses by their first session and e-learning by the day "
        "people enrolled, as the other figures do. 95% confidence "
        f"intervals. Results for fewer than {MIN_MATCHED} people are not shown, to protect "
        "their privacy."
    )
    if generated:
        note += (
            f" Demonstration data: {generated} of the people counted are made up, not real "
            "people's answers."
        )
    return Table(
        key="change",
        title="Change from before to after, per scale",
        columns=[
            Column("scale", "Scale"),
            Column("people", "People", numeric=True),
            Column("before", "Before (mean)", numeric=True),
            Column("after", "After (mean)", numeric=True),
            Column("change", "Change (mean)", numeric=True),
            Column("ci_low", "95% confidence interval from", numeric=True),
            Column("ci_high", "95% confidence interval to", numeric=True),
            Column("remark", "Remark"),
        ],
        rows=[
            {
                "scale": change.scale_label[:1].upper() + change.scale_label[1:],
                "people": change.n,
                "before": rounded(change.mean_before),
                "after": rounded(change.mean_after),
                "change": rounded(change.mean_change),
                "ci_low": rounded(change.ci_low),
                "ci_high": rounded(change.ci_high),
                "remark": SUPPRESSED if change.suppressed else "",
            }
            for change in changes
        ],
        note=note,
    )


GOALS_LABEL = "Their own goals (mean rating, 0 to 10)"
POINT_SUPPRESSED = f"Fewer than {MIN_MATCHED} people answered, so this is not shown."
KEPT_SUPPRESSED = (
    f"Fewer than {MIN_MATCHED} people answered both after and now, so the change kept is not shown."
)


@dataclass(frozen=True)
class LastingScale:
    """A scale (or the people's own goals) at each time point, for its chart."""

    label: str
    points: list  # assessments.reflections.follow_up.PointFigure, in time order


def lasting_scales(table: Table) -> list[LastingScale]:
    """The lasting table's rows grouped back per scale, in order, for one chart each."""
    scales: dict[str, LastingScale] = {}
    for row in table.rows:
        scales.setdefault(row["scale"], LastingScale(row["scale"], [])).points.append(row["_point"])
    return list(scales.values())


def _lasting(scope: _Scope, limit: int | None) -> Table:
    """Does it last? Each scale's mean, and the goals', at before, after and each follow-up,
    among the people who answered that point and before, with the change kept from after to
    each follow-up, summed from the figures kept per cohort: one query."""
    rows = list(
        _figures(LastingFigures, scope)
        .values("goals", "scale_key", "phase", "months")
        .annotate(label=Max("scale_label"), first=Min("first_seen"))
        .annotate(**{name: Sum(name) for name in figures.LASTING_SUMS})
    )
    per_scale: dict[tuple, dict] = {}
    for row in rows:
        scale = per_scale.setdefault(
            (row["goals"], row["scale_key"]), {"label": row["label"], "first": row["first"]}
        )
        scale["first"] = min(scale["first"], row["first"])
        scale.setdefault("points", []).append(point_from_sums(row))
    # The scales in the order they were first answered, then the goals.
    ordered = sorted(per_scale.items(), key=lambda item: (item[0][0], item[1]["first"]))
    generated = max((row["generated"] or 0 for row in rows), default=0)
    table_rows = []
    for (goals, _key), scale in ordered:
        label = GOALS_LABEL if goals else scale["label"][:1].upper() + scale["label"][1:]
        points = sorted(scale["points"], key=lambda p: (PHASE_ORDER[p.phase], p.months))
        for point in points:
            follow_up = point.phase == Phase.FOLLOW_UP
            remarks = []
            if point.suppressed:
                remarks.append(POINT_SUPPRESSED)
            if follow_up and point.kept_suppressed:
                remarks.append(KEPT_SUPPRESSED)
            table_rows.append(
                {
                    "scale": label,
                    "point": point.label,
                    "people": point.n,
                    "mean": rounded(point.mean),
                    "ci_low": rounded(point.ci_low),
                    "ci_high": rounded(point.ci_high),
                    "kept": rounded(point.mean_kept),
                    "kept_ci_low": rounded(point.kept_ci_low),
                    "kept_ci_high": rounded(point.kept_ci_high),
                    "remark": " ".join(remarks),
                    "_point": point,
                }
            )
    note = (
        "Before: everyone who answered the before reflection. After and each follow-up: the "
        "people who answered that survey and the before one, so the number of people shows how "
        "many are still answering. Kept since after (follow-ups only): among the people who "
        "answered both the after survey and the follow-up, the follow-up minus the after mean; "
        "below 0 means part of the change was lost. The goals are each person's own, rated from "
        "0 to 10; goals marked no longer important are left out. 95% confidence intervals. Results for fewer "
        f"than {MIN_MATCHED} people are not shown, to protect their privacy."
    )
    if generated:
        note += (
            f" Demonstration data: up to {generated} of the people counted at a point are made "
            "up, not real people's answers."
        )
    return Table(
        key="lasting",
        title="Does it last? Before, after and at each follow-up",
        columns=[
            Column("scale", "Scale"),
            Column("point", "When"),
            Column("people", "People", numeric=True),
            Column("mean", "Mean", numeric=True),
            Column("ci_low", "95% confidence interval from", numeric=True),
            Column("ci_high", "95% confidence interval to", numeric=True),
            Column("kept", "Kept since after (mean)", numeric=True),
            Column("kept_ci_low", "Kept: 95% confidence interval from", numeric=True),
            Column("kept_ci_high", "Kept: 95% confidence interval to", numeric=True),
            Column("remark", "Remark"),
        ],
        rows=table_rows,
        note=note,
    )


BUILDERS = {
    "funnel": _funnel,
    "sites": _sites,
    "runs": _runs_table,
    "attendance": _attendance,
    "elearning": _elearning_table,
    "gaps": _gaps,
    "expiring": _expiring,
    "load": _load,
    "change": _change,
    "lasting": _lasting,
}


def dashboard_for(
    user, filters: DashboardFilters, *, limit: int = DEFAULT_LIMIT
) -> dict[str, Table]:
    """Every table of the dashboard, in the user's scope, long ones cut to `limit` rows. Twelve
    queries, whatever the amount of data."""
    if not 1 <= limit <= 1000:
        raise ValueError("The limit must be from 1 to 1000.")
    scope = _scope(user, filters)
    return {key: BUILDERS[key](scope, limit) for key in TABLE_KEYS}


def table_for(user, filters: DashboardFilters, key: str) -> Table:
    """One table with all its rows, for exports. An unknown key raises KeyError."""
    if key not in BUILDERS:
        raise KeyError(key)
    return BUILDERS[key](_scope(user, filters), None)


# --- the rows behind the funnel ------------------------------------------------------------------


def funnel_people(user, filters: DashboardFilters, stage: str) -> QuerySet[Enrolment]:
    """The enrolments behind one figure of the funnel (filter by track through `filters`), with
    who, what and where for the rows page. An unknown stage, or "answered" (a count only),
    raises KeyError."""
    if stage not in PEOPLE_STAGES:
        raise KeyError(stage)
    condition = STAGE_CONDITIONS[stage]
    return (
        _enrolments(_scope(user, filters))
        .filter(condition)
        .select_related("trainee", "run__site", "module", "site")
        .order_by("trainee__last_name", "trainee__first_name", "trainee__email", "pk")
    )


def funnel_links(table: Table, *, url: str, query) -> None:
    """Point each count of the funnel at the people behind it: `query(stage=, track=)` gives
    the query string that keeps the page's filters."""
    for row in table.rows:
        row["_links"] = {
            stage: f"{url}?{query(stage=stage, track=row['_track'])}" for stage in PEOPLE_STAGES
        }
