"""The programme dashboard's figures, worked out ahead of time.

Counting every enrolment, register line and reflection score of a national programme on each view of
the dashboard took seconds (3.4 s at 100,000 trainees on a 2-core machine). `figures_refresh`
instead works out, in one transaction, a row per cohort (a course run, or the people who enrolled on
an e-learning module at one site on one day), per session (with, for the weeks ahead, whether it has
a ready pair of tutors by the rules in `courses.workshops.readiness`) and per scale of a cohort's
reflections, each carrying the dashboard's filters; the dashboard then sums the rows in its scope. A
scheduled task runs it every 10 minutes (the scheduler, `manage.py crontask`, see `courses.tasks`),
and leads can ask for it from the dashboard. The lists of people behind the counts are always live.

What counts is the same as on the dashboard (see `courses.dashboard.tables`): an enrolment is a
place that is not on the waiting list; cancelled runs are left out of every figure; started means
present at a session or a lesson finished; answered means the after reflection was sent.
"""

import time as clock
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Avg,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone

from assessments.models import GoalRating, Phase, Response, ScaleScore
from assessments.reflections.follow_up import AT_A_POINT, POINT, point_sums
from cms.bulk import rows_write
from cms.models import ModulePage, ProgrammePage
from courses.models import (
    Attendance,
    ChangeFigures,
    CohortFigures,
    CourseRun,
    Enrolment,
    FiguresRefresh,
    LastingFigures,
    LessonProgress,
    Session,
    SessionFigures,
    TutorKind,
)
from courses.reflections.administrations import MODULE_MODEL, RUN_MODEL, evaluating
from courses.workshops.readiness import Rule, readiness_of, sessions_for_rules

# How often the scheduler has the figures worked out again (courses.tasks; the page says so). A
# divisor of 60, so the schedule is "every 10 minutes past the hour" as well.
REFRESH_MINUTES = 10
REFRESH_EVERY = timedelta(minutes=REFRESH_MINUTES)
# A lead may ask for the figures again at most once a minute, whether or not a worker has run
# the last request yet (ten presses while the worker is busy queue one task, not ten).
REFRESH_PAUSE = timedelta(minutes=1)
REFRESH_REQUESTED = "courses:figures-refresh-requested"
# How far ahead the dashboard looks for sessions without a ready pair of tutors; the figures
# check a day more, so the window is covered until the next refresh.
NEXT_WEEKS = 8
CHECK_AHEAD = timedelta(weeks=NEXT_WEEKS, days=1)

# Why a place in a session is not ready, in words for a lead (no names: downloads carry these).
RULE_WORDS = {
    None: "missing",
    Rule.KIND: "the wrong kind of tutor",
    Rule.INACTIVE: "no longer active",
    Rule.ACCREDITATION: "not accredited then",
    Rule.AVAILABILITY: "not available then",
    Rule.DOUBLE_BOOKING: "booked elsewhere then",
    Rule.MONTHLY_CAP: "over their monthly limit",
}

# Each condition checks one kind of enrolment, so that a set of enrolments filtered by it is a
# semi-join the database can hash, and a course booking never probes lesson progress.
RUN_STARTED = Q(
    Q(run__isnull=False),
    Exists(Attendance.objects.filter(enrolment=OuterRef("pk"), status=Attendance.Status.PRESENT)),
)
MODULE_STARTED = Q(
    Q(module__isnull=False), Exists(LessonProgress.objects.filter(enrolment=OuterRef("pk")))
)
STARTED = RUN_STARTED | MODULE_STARTED

_AFTER = Response.objects.filter(
    respondent=OuterRef("trainee_id"),
    status=Response.Status.SUBMITTED,
    administration__phase=Phase.AFTER,
)
RUN_ANSWERED = Q(
    Q(run__isnull=False),
    Exists(
        _AFTER.filter(
            evaluating(RUN_MODEL, "administration__"), administration__target_id=OuterRef("run_id")
        )
    ),
)
MODULE_ANSWERED = Q(
    Q(module__isnull=False),
    Exists(
        _AFTER.filter(
            evaluating(MODULE_MODEL, "administration__"),
            administration__target_id=OuterRef("module_id"),
        )
    ),
)
ANSWERED = RUN_ANSWERED | MODULE_ANSWERED
COMPLETED = Q(status=Enrolment.Status.COMPLETED)


def _counted() -> QuerySet[Enrolment]:
    return Enrolment.objects.exclude(status=Enrolment.Status.WAITLISTED)


def _per(queryset, *keys, **figures) -> dict:
    """{(key values...): {figure: value}} of a grouped aggregate."""
    rows = queryset.order_by().values(*keys).annotate(**figures)
    return {tuple(row[key] for key in keys): row for row in rows}


def _module_programmes() -> dict[int, tuple[int, str]]:
    """Each e-learning module's programme and track, by the tree path of its parent page."""
    programmes = {
        (page["path"], page["depth"]): (page["pk"], page["track"])
        for page in ProgrammePage.objects.values("pk", "path", "depth", "track")
    }
    found = {}
    for module in ModulePage.objects.values("pk", "path", "depth"):
        parent_depth = module["depth"] - 1
        steps = parent_depth * ModulePage.steplen
        parent = programmes.get((module["path"][:steps], parent_depth))
        if parent is not None:
            found[module["pk"]] = parent
    return found


WHERE = ("site_id", "programme_id", "track", "starts_on")
COHORT_COLUMNS = WHERE + (
    "run_id",
    "module_id",
    "first_start",
    "last_end",
    "enrolled",
    "started",
    "completed",
    "answered",
)
SESSION_COLUMNS = WHERE + (
    "session_id",
    "number",
    "starts_at",
    "booked",
    "marked",
    "present",
    "checked",
    "problems",
)
SUMS = (
    "n",
    "sum_before",
    "sum_after",
    "sum_change",
    "sum_change_squares",
    "improved",
    "shift_n",
    "sum_retrospective",
    "sum_shift",
    "sum_shift_squares",
    "generated",
)
CHANGE_COLUMNS = WHERE + ("scale_key", "scale_label", "first_seen") + SUMS


def _run_cohorts() -> tuple[list[tuple], dict[int, tuple]]:
    """A row per run that is not cancelled, and each run's filter values."""
    runs = CourseRun.objects.exclude(status=CourseRun.Status.CANCELLED).values_list(
        "pk", "site_id", "programme_id", "programme__track"
    )
    dates = _per(
        Session.objects.all(), "run_id", first_start=Min("starts_at"), last_end=Max("ends_at")
    )
    on_runs = _counted().filter(run__isnull=False)
    counts = _per(on_runs, "run_id", enrolled=Count("pk"), completed=Count("pk", filter=COMPLETED))
    started = _per(on_runs.filter(RUN_STARTED), "run_id", n=Count("pk"))
    answered = _per(on_runs.filter(RUN_ANSWERED), "run_id", n=Count("pk"))
    cohorts, by_run = [], {}
    for run_id, site_id, programme_id, track in runs:
        key = (run_id,)
        first_start = dates.get(key, {}).get("first_start")
        starts_on = timezone.localdate(first_start) if first_start else None
        by_run[run_id] = (site_id, programme_id, track, starts_on)
        cohorts.append(
            by_run[run_id]
            + (
                run_id,
                None,
                first_start,
                dates.get(key, {}).get("last_end"),
                counts.get(key, {}).get("enrolled", 0),
                started.get(key, {}).get("n", 0),
                counts.get(key, {}).get("completed", 0),
                answered.get(key, {}).get("n", 0),
            )
        )
    return cohorts, by_run


def _elearning_cohorts(programmes: dict[int, tuple[int, str]]) -> list[tuple]:
    rows = (
        _counted()
        .filter(module__isnull=False, site__isnull=False)
        .annotate(day=TruncDate("enrolled_at"))
        .order_by()
        .values("module_id", "site_id", "day")
        .annotate(
            enrolled=Count("pk"),
            started=Count("pk", filter=MODULE_STARTED),
            completed=Count("pk", filter=COMPLETED),
            answered=Count("pk", filter=MODULE_ANSWERED),
        )
    )
    return [
        (row["site_id"], *programmes[row["module_id"]], row["day"])
        + (None, row["module_id"], None, None)
        + (row["enrolled"], row["started"], row["completed"], row["answered"])
        for row in rows
        if row["module_id"] in programmes
    ]


def why_not_ready(broken: list[tuple[str, Rule | None]]) -> str:
    """ "Lay tutor: missing; clinical tutor: not accredited then, over their monthly limit"."""
    places: dict[str, list[str]] = {}
    for kind, rule in broken:
        places.setdefault(kind, []).append(RULE_WORDS[rule])
    text = "; ".join(
        f"{TutorKind(kind).label.lower()}: {', '.join(words)}" for kind, words in places.items()
    )
    return text[:1].upper() + text[1:]


def _problems_ahead() -> dict[int, str]:
    """The readiness of every session from now to CHECK_AHEAD (the rules' own check, in a fixed
    number of queries): "" when ready, otherwise why not."""
    now = timezone.now()
    sessions = list(
        sessions_for_rules()
        .filter(starts_at__gte=now, starts_at__lt=now + CHECK_AHEAD)
        .exclude(run__status=CourseRun.Status.CANCELLED)
    )
    return {
        readiness.session.pk: why_not_ready(readiness.broken)
        for readiness in readiness_of(sessions)
    }


def _on_the_course_then(enrolment: str, starts_at: str) -> Q:
    """Booked or completed, or withdrew after the session began."""
    return Q(**{f"{enrolment}status__in": Enrolment.ON_THE_COURSE}) | Q(
        **{
            f"{enrolment}status": Enrolment.Status.WITHDRAWN,
            f"{enrolment}withdrawn_at__gt": F(starts_at),
        }
    )


def _sessions(by_run: dict[int, tuple]) -> list[tuple]:
    sessions = Session.objects.exclude(run__status=CourseRun.Status.CANCELLED)
    on_the_course = sessions.filter(_on_the_course_then("run__enrolments__", "starts_at"))
    booked = _per(on_the_course, "pk", n=Count("pk"))
    # The register's lines of the same people: someone with no line is not marked yet.
    register = _per(
        Attendance.objects.filter(_on_the_course_then("enrolment__", "session__starts_at")),
        "session_id",
        marked=Count("pk"),
        present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
    )
    problems = _problems_ahead()
    return [
        by_run[run_id]
        + (
            pk,
            number,
            starts_at,
            booked.get((pk,), {}).get("n", 0),
            register.get((pk,), {}).get("marked", 0),
            register.get((pk,), {}).get("present", 0),
            pk in problems,
            problems.get(pk, ""),
        )
        for pk, run_id, number, starts_at in sessions.values_list(
            "pk", "run_id", "number", "starts_at"
        )
        if run_id in by_run
    ]


def _sums() -> dict:
    change = F("score") - F("before_score")
    shift = F("retrospective_score") - F("before_score")
    return {
        "label": Max("scale_label"),
        "first_seen": Min("pk"),
        "n": Count("pk"),
        "sum_before": Sum("before_score"),
        "sum_after": Sum("score"),
        "sum_change": Sum(change),
        "sum_change_squares": Sum(change * change),
        "improved": Count("pk", filter=Q(score__gt=F("before_score"))),
        "shift_n": Count("pk", filter=Q(retrospective_score__isnull=False)),
        "sum_retrospective": Sum("retrospective_score"),
        "sum_shift": Sum(shift),
        "sum_shift_squares": Sum(shift * shift),
        "generated": Count("pk", filter=Q(response__generated=True)),
    }


def _change_row(row: dict, where: tuple) -> tuple:
    # Sums over no looking-back answers are NULL in SQL; as figures they are 0.
    return (
        where
        + (row["scale_key"], row["label"], row["first_seen"])
        + tuple(row[name] or 0 for name in SUMS)
    )


def _cohort_rows(
    rows: QuerySet,
    keys: tuple[str, ...],
    figures: dict,
    by_run: dict[int, tuple],
    programmes: dict[int, tuple[int, str]],
    *,
    administration: str,
    aliases: dict | None = None,
) -> list[tuple[tuple, dict]]:
    """(the cohort's filter values, row) per group of `keys` of each cohort, in two queries: a
    run's survey belongs to the run; an e-learning module's to the respondent's enrolment on
    the module (its site and the day they enrolled). `administration` is the path from the rows
    to their administration ("administration__", "response__administration__"); every row has a
    `response`. A cancelled
    run's answers are left out, as its other figures."""
    aliases = aliases or {}
    target = f"{administration}target_id"
    found = []
    run_rows = (
        rows.filter(evaluating(RUN_MODEL, administration))
        .order_by()
        .values(target, *keys, **aliases)
        .annotate(**figures)
    )
    for row in run_rows:
        where = by_run.get(row[target])
        if where is not None:
            found.append((where, row))
    enrolment = Enrolment.objects.filter(
        trainee=OuterRef("response__respondent_id"),
        module_id=OuterRef(target),
    ).exclude(status=Enrolment.Status.WAITLISTED)
    module_rows = (
        rows.filter(evaluating(MODULE_MODEL, administration))
        .annotate(
            cohort_site=Subquery(enrolment.values("site_id")[:1], output_field=IntegerField()),
            cohort_day=Subquery(enrolment.annotate(day=TruncDate("enrolled_at")).values("day")[:1]),
        )
        .filter(cohort_site__isnull=False)
        .order_by()
        .values(target, "cohort_site", "cohort_day", *keys, **aliases)
        .annotate(**figures)
    )
    for row in module_rows:
        module_id = row[target]
        if module_id in programmes:
            found.append(((row["cohort_site"], *programmes[module_id], row["cohort_day"]), row))
    return found


def _change(by_run: dict[int, tuple], programmes: dict[int, tuple[int, str]]) -> list[tuple]:
    """Per cohort and scale, sums over the after scores that have a matching before score."""
    matched = ScaleScore.objects.filter(
        administration__phase=Phase.AFTER,
        before_score__isnull=False,
        response__status=Response.Status.SUBMITTED,
    )
    return [
        _change_row(row, where)
        for where, row in _cohort_rows(
            matched, ("scale_key",), _sums(), by_run, programmes, administration="administration__"
        )
    ]


LASTING_SUMS = ("n", "total", "squares", "kept_n", "kept_total", "kept_squares", "generated")
LASTING_COLUMNS = WHERE + ("goals", "scale_key", "scale_label", "first_seen", "phase", "months")
LASTING_COLUMNS += LASTING_SUMS


def _lasting_scales(by_run, programmes) -> list[tuple]:
    """Per cohort, scale and time point: the sums of `follow_up.point_sums`."""
    scores = ScaleScore.objects.filter(AT_A_POINT, response__status=Response.Status.SUBMITTED)
    return [
        where
        + (False, row["scale_key"], row["label"], row["first_seen"], row["phase"], row["months"])
        + tuple(row[name] or 0 for name in LASTING_SUMS)
        for where, row in _cohort_rows(
            scores,
            ("scale_key",),
            point_sums(),
            by_run,
            programmes,
            administration="administration__",
            aliases=POINT,
        )
    ]


def _lasting_goals(by_run, programmes) -> list[tuple]:
    """Per cohort and time point, the people's own goals: each person's score is the mean rating
    of their goals that are still important (at after and follow-up only those rated before
    too); "kept" is the mean of each goal's follow-up rating minus its after rating. Worked out
    per person in the database, then summed per cohort."""
    ratings = GoalRating.objects.filter(
        response__status=Response.Status.SUBMITTED,
        rating__isnull=False,
        no_longer_important=False,
    ).filter(
        Q(response__administration__phase=Phase.BEFORE)
        | Q(
            response__administration__phase__in=[Phase.AFTER, Phase.FOLLOW_UP],
            before_rating__isnull=False,
        )
    )
    kept = Q(response__administration__phase=Phase.FOLLOW_UP, after_rating__isnull=False)
    people = _cohort_rows(
        ratings,
        ("response_id",),
        {
            "score": Avg("rating"),
            "kept": Avg(F("rating") - F("after_rating"), filter=kept),
            "first_seen": Min("pk"),
            "generated": Max(Cast("response__generated", IntegerField())),
        },
        by_run,
        programmes,
        administration="response__administration__",
        aliases={
            "phase": F("response__administration__phase"),
            "months": F("response__administration__months"),
        },
    )
    sums: dict[tuple, dict] = {}
    for where, row in people:
        point = sums.setdefault(
            where + (row["phase"], row["months"]),
            dict.fromkeys(LASTING_SUMS, 0) | {"first_seen": row["first_seen"]},
        )
        score = float(row["score"])
        point["first_seen"] = min(point["first_seen"], row["first_seen"])
        point["n"] += 1
        point["total"] += score
        point["squares"] += score * score
        point["generated"] += row["generated"] or 0
        if row["kept"] is not None:
            kept_score = float(row["kept"])
            point["kept_n"] += 1
            point["kept_total"] += kept_score
            point["kept_squares"] += kept_score * kept_score
    return [
        key[:4]
        + (True, "", "", point["first_seen"], key[4], key[5])
        + tuple(point[name] for name in LASTING_SUMS)
        for key, point in sums.items()
    ]


@transaction.atomic
def figures_refresh() -> FiguresRefresh:
    """Work out every figure of the dashboard again, replacing the last ones in one transaction
    (readers see the old figures until it commits). Two at once take turns."""
    started = clock.perf_counter()
    FiguresRefresh.objects.get_or_create(
        pk=1, defaults={"finished_at": timezone.now(), "seconds": 0, "rows": 0}
    )
    record = FiguresRefresh.objects.select_for_update().get(pk=1)
    programmes = _module_programmes()
    run_cohorts, by_run = _run_cohorts()
    tables = (
        (CohortFigures, COHORT_COLUMNS, run_cohorts + _elearning_cohorts(programmes)),
        (SessionFigures, SESSION_COLUMNS, _sessions(by_run)),
        (ChangeFigures, CHANGE_COLUMNS, _change(by_run, programmes)),
        (
            LastingFigures,
            LASTING_COLUMNS,
            _lasting_scales(by_run, programmes) + _lasting_goals(by_run, programmes),
        ),
    )
    for model, _columns, _rows in reversed(tables):
        model.objects.all().delete()
    record.rows = sum(rows_write(model, columns, rows) for model, columns, rows in tables)
    record.finished_at = timezone.now()
    record.seconds = clock.perf_counter() - started
    record.save()
    return record


def figures_refresh_claim() -> bool:
    """True, once a minute at most, when a refresh may be queued: the figures are older than
    REFRESH_PAUSE and nobody asked for them in the last REFRESH_PAUSE. The claim is an atomic
    cache add, so two presses at the same moment queue one task."""
    refreshed_at = figures_refreshed_at()
    if refreshed_at is not None and timezone.now() - refreshed_at < REFRESH_PAUSE:
        return False
    return cache.add(REFRESH_REQUESTED, True, timeout=REFRESH_PAUSE.total_seconds())


def figures_refreshed_at():
    """When the figures were last worked out, or None if never."""
    return FiguresRefresh.objects.filter(pk=1).values_list("finished_at", flat=True).first()
