"""Before-and-after reflections, as delivery sees them.

`assessments` asks the questions and keeps the answers; it knows nothing of runs, modules or
sites. This module tells it three things:
- which administration belongs to which run or e-learning module (made when a run is planned or
  opened and when someone enrols on a module);
- when each is open to a person (the window resolvers, registered at start-up);
- which answers fall in a lead's or a tutor's scope.

Windows:
- a course run: before opens at booking and closes when the first session starts; after opens
  when the last session starts and closes at the end of the day `closes_after_days` later.
  Booked and completed people only; a cancelled run closes its surveys when it was cancelled.
- an e-learning module: before opens at enrolment and closes when the first lesson is done;
  after opens at completion and closes at the end of the day `closes_after_days` later.
- follow-up (each of the programme's points, `Administration.months`): opens that many months
  after the course ended for the person (the run's last session ended; their completion of the
  module) and closes at the end of the day `closes_after_days` later. Completed people only.

An after survey closes at the end of a local day, so its deadline reads as a date ("by Tuesday
3 February") that is true until midnight, never as the clock time someone finished (20:26).
"""

import calendar
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac

from assessments.models import (
    Administration,
    Goal,
    GoalsShared,
    Item,
    ItemKind,
    Phase,
    ReflectionReminder,
    Response,
)
from assessments.reflections import windows
from assessments.reflections.instruments import version_for_programme
from cms.models import ModulePage, ProgrammePage
from cms.queries import count_rows
from courses.models import CourseRun, Enrolment, Session

RUN_MODEL = "courses.courserun"
MODULE_MODEL = "cms.modulepage"


def after_closes(administration: Administration, opens: datetime) -> datetime:
    """When an after survey that opened at `opens` closes: the end of the local day
    `closes_after_days` after it opened (the first moment of the next day)."""
    last_day = timezone.localtime(opens).date() + timedelta(days=administration.closes_after_days)
    return datetime.combine(
        last_day + timedelta(days=1), time(0, 0), tzinfo=timezone.get_current_timezone()
    )


def evaluating(label: str, prefix: str = "") -> Q:
    """Administrations (or, with a prefix such as "administration__", rows of them) whose target
    is of the model `label` ("courses.courserun")."""
    app_label, model = label.split(".")
    return Q(**{f"{prefix}target_type__app_label": app_label, f"{prefix}target_type__model": model})


def _content_type(label: str):
    app_label, model = label.split(".")
    return ContentType.objects.get_by_natural_key(app_label, model)


# --- writes ------------------------------------------------------------------------------------


def _ensure(*, label_of_model, target_id, programme_id, label) -> list[Administration]:
    version = version_for_programme(programme_id)
    if version is None:
        return []
    content_type = _content_type(label_of_model)
    made = []
    for phase in (Phase.BEFORE, Phase.AFTER):
        administration, _ = Administration.objects.get_or_create(
            target_type=content_type,
            target_id=target_id,
            phase=phase,
            months=0,
            defaults={"version": version, "programme_id": programme_id, "label": label[:300]},
        )
        made.append(administration)
    _ensure_follow_ups(after=made[-1])
    return made


def _ensure_follow_ups(*, after: Administration) -> list[Administration]:
    """The follow-up surveys of the target whose after survey is `after`, one per follow-up
    point of its programme, each asking the after survey's version (so the scores match).
    Points removed from the programme later keep the surveys already made."""
    programme = ProgrammePage.objects.filter(pk=after.programme_id).only("follow_up_months").first()
    if programme is None:
        return []
    made = []
    for months in programme.follow_up_points:
        administration, _ = Administration.objects.get_or_create(
            target_type_id=after.target_type_id,
            target_id=after.target_id,
            phase=Phase.FOLLOW_UP,
            months=months,
            defaults={
                "version_id": after.version_id,
                "programme_id": after.programme_id,
                "label": after.label,
            },
        )
        made.append(administration)
    return made


@transaction.atomic
def follow_ups_ensure() -> int:
    """Follow-up surveys for the runs and modules that have an after survey but lack some of
    their programme's follow-up points (made before the points were set, or before follow-up
    existed). Run by the scheduler before the reminders; returns how many it made."""
    points = {
        programme.pk: programme.follow_up_points
        for programme in ProgrammePage.objects.only("follow_up_months")
    }
    have = set(
        Administration.objects.filter(phase=Phase.FOLLOW_UP).values_list(
            "target_type_id", "target_id", "months"
        )
    )
    made = 0
    for after in Administration.objects.filter(phase=Phase.AFTER, programme__isnull=False):
        missing = [
            months
            for months in points.get(after.programme_id, [])
            if (after.target_type_id, after.target_id, months) not in have
        ]
        if missing:
            made += len(
                [
                    administration
                    for administration in _ensure_follow_ups(after=after)
                    if administration.months in missing
                ]
            )
    return made


def add_months(moment: datetime, months: int) -> datetime:
    """The same local time `months` months later; the 31st becomes the last day of a shorter
    month (31 January + 1 month = 28 or 29 February)."""
    local = timezone.localtime(moment)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = datetime.combine(local.replace(year=year, month=month, day=day).date(), local.time())
    return timezone.make_aware(naive)


def follow_up_opens(administration: Administration, ended: datetime) -> datetime:
    """When a follow-up survey opens for someone whose course ended at `ended`."""
    return add_months(ended, administration.months)


@transaction.atomic
def administrations_ensure_for_run(*, run: CourseRun) -> list[Administration]:
    """The run's before and after surveys, asking the latest version of its programme's
    questionnaire, and its follow-up surveys (one per follow-up point of the programme, asking
    the after survey's version). Existing ones are kept as they are (a cohort answers one
    version). Returns the before and after surveys."""
    return _ensure(
        label_of_model=RUN_MODEL,
        target_id=run.pk,
        programme_id=run.programme_id,
        label=run.title or str(run),
    )


@transaction.atomic
def administrations_ensure_for_module(*, module: ModulePage) -> list[Administration]:
    programme = module.get_parent()
    return _ensure(
        label_of_model=MODULE_MODEL,
        target_id=module.pk,
        programme_id=programme.pk if programme else None,
        label=module.title,
    )


# --- windows -----------------------------------------------------------------------------------


def _session_start(order: str, *, run: str = "pk"):
    """The first ("starts_at") or last ("-starts_at") session start of the run named by the
    outer query's `run` field, as a subquery."""
    return Subquery(
        Session.objects.filter(run=OuterRef(run)).order_by(order).values("starts_at")[:1]
    )


def _last_session_end(*, run: str = "pk"):
    """When the last session of the run named by the outer query's `run` field ends: the end
    of the course, from which follow-up months count."""
    return Subquery(
        Session.objects.filter(run=OuterRef(run)).order_by("-ends_at").values("ends_at")[:1]
    )


def _follow_up_window(administration: Administration, ended: datetime) -> windows.Window:
    opens = follow_up_opens(administration, ended)
    return windows.Window(opens, after_closes(administration, opens))


def run_windows(person, administrations) -> dict[int, windows.Window]:
    by_run: dict[int, list[Administration]] = {}
    for administration in administrations:
        by_run.setdefault(administration.target_id, []).append(administration)
    enrolments = (
        Enrolment.objects.filter(
            trainee=person, run_id__in=by_run, status__in=Enrolment.ON_THE_COURSE
        )
        .annotate(
            first_start=_session_start("starts_at", run="run_id"),
            last_start=_session_start("-starts_at", run="run_id"),
            last_end=_last_session_end(run="run_id"),
        )
        .select_related("run")
    )
    found = {}
    for enrolment in enrolments:
        if enrolment.first_start is None:
            continue
        cancelled_at = enrolment.run.cancelled_at
        for administration in by_run[enrolment.run_id]:
            if administration.phase == Phase.BEFORE:
                closes = enrolment.first_start
                if cancelled_at is not None:
                    closes = min(closes, cancelled_at)
                found[administration.pk] = windows.Window(enrolment.enrolled_at, closes)
            elif administration.phase == Phase.AFTER:
                if cancelled_at is None or cancelled_at > enrolment.last_start:
                    opens = enrolment.last_start
                    found[administration.pk] = windows.Window(
                        opens, after_closes(administration, opens)
                    )
            elif (
                # Only people who completed the course are asked again.
                administration.phase == Phase.FOLLOW_UP
                and enrolment.status == Enrolment.Status.COMPLETED
                and cancelled_at is None
            ):
                found[administration.pk] = _follow_up_window(administration, enrolment.last_end)
            # Other phases (after a session, tutors' debrief) are not a run's to answer.
    return found


def module_windows(person, administrations) -> dict[int, windows.Window]:
    by_module: dict[int, list[Administration]] = {}
    for administration in administrations:
        by_module.setdefault(administration.target_id, []).append(administration)
    enrolments = Enrolment.objects.filter(
        trainee=person, module_id__in=by_module, status__in=Enrolment.ON_THE_COURSE
    ).annotate(first_done=Min("progress__completed_at"))
    found = {}
    for enrolment in enrolments:
        for administration in by_module[enrolment.module_id]:
            if administration.phase == Phase.BEFORE:
                found[administration.pk] = windows.Window(
                    enrolment.enrolled_at, enrolment.first_done
                )
                continue
            if enrolment.status != Enrolment.Status.COMPLETED or not enrolment.completed_at:
                continue
            if administration.phase == Phase.AFTER:
                opens = enrolment.completed_at
                found[administration.pk] = windows.Window(
                    opens, after_closes(administration, opens)
                )
            elif administration.phase == Phase.FOLLOW_UP:
                found[administration.pk] = _follow_up_window(administration, enrolment.completed_at)
    return found


def candidates_for(person) -> QuerySet[Administration]:
    """Administrations of every run and e-learning module the person is (or was) booked on."""
    enrolments = Enrolment.objects.filter(trainee=person, status__in=Enrolment.ON_THE_COURSE)
    return (
        Administration.objects.filter(
            (
                evaluating(RUN_MODEL)
                & Q(target_id__in=enrolments.filter(run__isnull=False).values("run_id"))
            )
            | (
                evaluating(MODULE_MODEL)
                & Q(target_id__in=enrolments.filter(module__isnull=False).values("module_id"))
            )
        )
        .select_related("target_type")
        .order_by("pk")
    )


def register() -> None:
    """Called from CoursesConfig.ready()."""
    windows.register(RUN_MODEL, run_windows)
    windows.register(MODULE_MODEL, module_windows)
    windows.register_candidates(candidates_for)


# --- scope -------------------------------------------------------------------------------------


def responses_in_scope(*, sites, programme_id=None, run_id=None) -> QuerySet[Response]:
    """Submitted responses a lead of `sites` may count: those to the surveys of runs at those
    sites, and to e-learning modules' surveys from people enrolled on them at those sites.

    The two parts are a UNION of ids rather than one WHERE ... OR ...: PostgreSQL estimated the
    OR at a few hundred rows where there were 100,000 and walked the scores index by index
    (2.5 s for the national figures); the union is planned as two hash joins."""
    submitted = Response.objects.filter(status=Response.Status.SUBMITTED)
    runs = CourseRun.objects.filter(site__in=sites)
    if programme_id is not None:
        runs = runs.filter(programme_id=programme_id)
    if run_id is not None:
        runs = runs.filter(pk=run_id)
    run_surveys = Administration.objects.filter(
        evaluating(RUN_MODEL), target_id__in=runs.values("pk")
    )
    in_scope = submitted.filter(administration__in=run_surveys).values("pk")
    if run_id is None:
        enrolled_here = Enrolment.objects.filter(
            trainee=OuterRef("respondent_id"),
            module_id=OuterRef("administration__target_id"),
            site__in=sites,
        )
        module_surveys = Administration.objects.filter(evaluating(MODULE_MODEL))
        if programme_id is not None:
            module_surveys = module_surveys.filter(programme_id=programme_id)
        in_scope = in_scope.union(
            submitted.filter(administration__in=module_surveys)
            .filter(Exists(enrolled_here))
            .values("pk")
        )
    return Response.objects.filter(pk__in=in_scope)


def shared_reflections_query(run: CourseRun) -> QuerySet[Response]:
    """Submitted responses to the run's surveys whose authors agreed to share their written
    answers with the tutors."""
    return Response.objects.filter(
        evaluating(RUN_MODEL, "administration__"),
        administration__target_id=run.pk,
        status=Response.Status.SUBMITTED,
        share_with_tutors=True,
    )


@dataclass(frozen=True)
class BeforeReflection:
    administration: Administration
    asks_goals: bool
    sent: bool


def before_reflection_for(person, run: CourseRun) -> BeforeReflection | None:
    """The run's before reflection while it is open to the person (from booking until the
    first session), saying whether it asks for their own goals and whether they sent it."""
    administration = (
        Administration.objects.filter(evaluating(RUN_MODEL), target_id=run.pk, phase=Phase.BEFORE)
        .select_related("target_type")
        .first()
    )
    if administration is None:
        return None
    window = windows.window_for(person, administration)
    if window is None or not window.is_open():
        return None
    return BeforeReflection(
        administration=administration,
        asks_goals=Item.objects.filter(
            version_id=administration.version_id, kind=ItemKind.GOALS
        ).exists(),
        sent=Response.objects.filter(
            administration=administration,
            respondent=person,
            status=Response.Status.SUBMITTED,
        ).exists(),
    )


def goal_reference(goal_id: int) -> str:
    """How a page names one of a group's goals to the tutors' forms: not its id, which would
    tell which anonymous goals one person wrote, and in what order people sent them."""
    return salted_hmac(
        "courses.reflections.group-goal", str(goal_id), algorithm="sha256"
    ).hexdigest()[:24]


@dataclass(frozen=True)
class GroupGoal:
    text: str
    name: str  # "" unless the person chose to share their name with the goal
    reference: str  # goal_reference(): for the form that tags it with a theme
    theme_id: int | None


@dataclass(frozen=True)
class GroupGoals:
    """The goals a run's people wrote before the course and agreed their tutors may see."""

    on_the_course: int
    shared_by: int  # people who shared at least one goal
    goals: list[GroupGoal]


def shared_goals(run: CourseRun) -> QuerySet[Goal]:
    """The goals the people on the course shared with its tutors, from their sent before
    reflection (empty words, after retention, left out)."""
    on_the_course = Enrolment.objects.filter(run=run, status__in=Enrolment.ON_THE_COURSE)
    return Goal.objects.filter(
        evaluating(RUN_MODEL, "response__administration__"),
        response__administration__target_id=run.pk,
        response__administration__phase=Phase.BEFORE,
        response__status=Response.Status.SUBMITTED,
        response__goals_shared__in=[GoalsShared.WITHOUT_NAME, GoalsShared.WITH_NAME],
        response__respondent_id__in=on_the_course.values("trainee_id"),
    ).exclude(text="")


def group_goals_for(run: CourseRun) -> GroupGoals:
    """For the run's two tutors only (the caller checks): the goals of the people on the course
    who chose to share them, from their sent before reflection. Goals without a name come in
    the order of their words, never in an order that could be matched to the register. Two
    queries."""
    on_the_course = Enrolment.objects.filter(run=run, status__in=Enrolment.ON_THE_COURSE)
    goals = list(
        shared_goals(run).values(
            "pk",
            "text",
            "theme_id",
            "response_id",
            "response__goals_shared",
            "response__respondent__first_name",
            "response__respondent__last_name",
        )
    )
    shown = []
    for row in goals:
        named = row["response__goals_shared"] == GoalsShared.WITH_NAME
        name = (
            " ".join(
                part
                for part in (
                    row["response__respondent__first_name"],
                    row["response__respondent__last_name"],
                )
                if part
            )
            if named
            else ""
        )
        shown.append(
            GroupGoal(
                text=row["text"],
                name=name,
                reference=goal_reference(row["pk"]),
                theme_id=row["theme_id"],
            )
        )
    shown.sort(key=lambda goal: (goal.name == "", goal.name, goal.text.casefold()))
    return GroupGoals(
        on_the_course=on_the_course.count(),
        shared_by=len({row["response_id"] for row in goals}),
        goals=shown,
    )


# --- reminders ---------------------------------------------------------------------------------

# A run's before survey is recalled this long before the first session, to those yet to answer.
BEFORE_RECALL = timedelta(days=3)
# No after survey stays open longer than this (Administration.closes_after_days is smaller).
LONGEST_AFTER = timedelta(days=366)


@dataclass(frozen=True)
class ReflectionDue:
    administration: Administration
    person: object  # a User
    closes_at: datetime | None

    @property
    def key(self) -> tuple[int, int]:
        return (self.administration.pk, self.person.pk)


def answered_or_reminded(administrations) -> set[tuple[int, int]]:
    """(administration id, person id) of everyone who sent these surveys or was already
    reminded of them: nobody is reminded twice, nor after answering. Two queries."""
    return set(
        Response.objects.filter(
            administration__in=administrations, status=Response.Status.SUBMITTED
        ).values_list("administration_id", "respondent_id")
    ) | set(
        ReflectionReminder.objects.filter(administration__in=administrations).values_list(
            "administration_id", "person_id"
        )
    )


def reflection_reminders_due(now: datetime) -> list[ReflectionDue]:
    """One email per survey and person, not yet sent and not yet answered: a run's before
    survey in the last days before the first session; a run's after survey once its last
    session has started; a module's after survey once the person completed it. Five queries
    however many runs and people."""
    runs = CourseRun.objects.exclude(status=CourseRun.Status.CANCELLED).annotate(
        first_start=_session_start("starts_at"),
        last_start=_session_start("-starts_at"),
    )
    starting_soon = runs.filter(
        status=CourseRun.Status.OPEN, first_start__gt=now, first_start__lte=now + BEFORE_RECALL
    )
    ended = runs.filter(last_start__lte=now, last_start__gt=now - LONGEST_AFTER)
    administrations = list(
        Administration.objects.filter(
            (
                evaluating(RUN_MODEL)
                & (
                    Q(phase=Phase.BEFORE, target_id__in=starting_soon.values("pk"))
                    | Q(phase=Phase.AFTER, target_id__in=ended.values("pk"))
                )
            )
            | (evaluating(MODULE_MODEL) & Q(phase=Phase.AFTER))
        ).select_related("target_type")
    )
    if not administrations:
        return []
    runs_by_id = {
        run.pk: run
        for run in runs.filter(
            pk__in=[a.target_id for a in administrations if a.target_type.model == "courserun"]
        )
    }
    by_target = {(a.target_type.model, a.target_id, a.phase): a for a in administrations}
    module_ids = [a.target_id for a in administrations if a.target_type.model == "modulepage"]
    enrolments = Enrolment.objects.filter(
        Q(run_id__in=list(runs_by_id), status__in=Enrolment.ON_THE_COURSE)
        | Q(
            module_id__in=module_ids,
            status=Enrolment.Status.COMPLETED,
            completed_at__lte=now,
            completed_at__gt=now - LONGEST_AFTER,
        ),
        trainee__is_active=True,
    ).select_related("trainee")
    done = answered_or_reminded(administrations)

    due = []
    for enrolment in enrolments:
        for found in _due_for_enrolment(enrolment, runs_by_id, by_target, now):
            if found.person.email and found.key not in done:
                due.append(found)
    return due


# The longest a follow-up can come after the course (ProgrammePage's limit), plus its window.
LONGEST_FOLLOW_UP = timedelta(days=31 * 36) + LONGEST_AFTER


def follow_up_reminders_due(now: datetime) -> list[ReflectionDue]:
    """One email per follow-up survey and person who completed the course, once it has opened
    for them and while it is open, not yet sent and not yet answered. Five queries however many
    runs and people."""
    administrations = list(
        Administration.objects.filter(phase=Phase.FOLLOW_UP).select_related("target_type")
    )
    if not administrations:
        return []
    run_ids = [a.target_id for a in administrations if a.target_type.model == "courserun"]
    module_ids = [a.target_id for a in administrations if a.target_type.model == "modulepage"]
    runs_ended = {
        run.pk: run.last_end
        for run in CourseRun.objects.filter(pk__in=run_ids, cancelled_at__isnull=True)
        .exclude(status=CourseRun.Status.CANCELLED)
        .annotate(last_end=_last_session_end())
        .filter(last_end__lte=now, last_end__gt=now - LONGEST_FOLLOW_UP)
    }
    by_target: dict[tuple[str, int], list[Administration]] = {}
    for administration in administrations:
        key = (administration.target_type.model, administration.target_id)
        by_target.setdefault(key, []).append(administration)
    enrolments = Enrolment.objects.filter(
        Q(run_id__in=list(runs_ended)) | Q(module_id__in=module_ids),
        status=Enrolment.Status.COMPLETED,
        trainee__is_active=True,
    ).select_related("trainee")
    done = answered_or_reminded(administrations)
    due = []
    for enrolment in enrolments:
        if enrolment.module_id is not None:
            key, ended = ("modulepage", enrolment.module_id), enrolment.completed_at
        else:
            key, ended = ("courserun", enrolment.run_id), runs_ended[enrolment.run_id]
        if ended is None:
            continue
        for administration in by_target.get(key, []):
            window = _follow_up_window(administration, ended)
            found = ReflectionDue(administration, enrolment.trainee, window.closes_at)
            if window.is_open(now) and found.person.email and found.key not in done:
                due.append(found)
    return due


def _due_for_enrolment(enrolment, runs_by_id, by_target, now):
    if enrolment.module_id is not None:
        administration = by_target.get(("modulepage", enrolment.module_id, Phase.AFTER))
        if administration is not None:
            closes = after_closes(administration, enrolment.completed_at)
            if now < closes:
                yield ReflectionDue(administration, enrolment.trainee, closes)
        return
    run = runs_by_id[enrolment.run_id]
    before = by_target.get(("courserun", run.pk, Phase.BEFORE))
    booked = enrolment.status == Enrolment.Status.BOOKED
    if before is not None and booked and run.first_start and now < run.first_start:
        yield ReflectionDue(before, enrolment.trainee, run.first_start)
    after = by_target.get(("courserun", run.pk, Phase.AFTER))
    if after is not None and run.last_start and run.last_start <= now:
        closes = after_closes(after, run.last_start)
        if now < closes:
            yield ReflectionDue(after, enrolment.trainee, closes)


# --- a lead's view of a run's surveys ------------------------------------------------------------


@dataclass(frozen=True)
class RunSurvey:
    administration: Administration
    answered: int
    started: int  # drafts not yet sent
    opens_at: datetime | None  # None: from each person's booking
    closes_at: datetime | None


def run_surveys(run: CourseRun, *, first_start, last_start) -> list[RunSurvey]:
    """The run's before and after surveys with how many have answered, in one query. Counts
    only: who answered what is never shown to a lead."""

    responses = Response.objects.filter(administration=OuterRef("pk"))
    administrations = (
        Administration.objects.filter(evaluating(RUN_MODEL), target_id=run.pk)
        .annotate(
            answered=count_rows(responses.filter(status=Response.Status.SUBMITTED)),
            started=count_rows(responses.filter(status=Response.Status.DRAFT)),
        )
        .select_related("version__instrument")
        .defer("version__definition", "version__instrument__definition")
        .order_by("-phase")  # before, then after
    )
    surveys = []
    for administration in administrations:
        if administration.phase == Phase.BEFORE:
            opens, closes = None, first_start
        else:
            opens = last_start
            closes = after_closes(administration, last_start) if opens else None
        surveys.append(
            RunSurvey(
                administration, administration.answered, administration.started, opens, closes
            )
        )
    return surveys
