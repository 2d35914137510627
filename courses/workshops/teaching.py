"""The tutors' side of a workshop: who leads each activity of a session (the session plan), the
register, and the run's completion rule that the register drives.

Services first (writes, one transaction each, refusing with a `TeachingError` that changes
nothing), then the selectors the tutors' pages and the lead's run page read. Who may call them
(the session's two tutors, a lead of the run's site) is checked by the views through
`session_for_teaching` and `session_taught_by` below; the rules (dates, values) live here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page as PageOfSessions
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from wagtail.models import Page

from cms.curricula.vocabulary import SuggestedLead
from cms.models import LessonPage
from cms.queries import count_rows
from cms.roles import Role, has_any_role
from courses import errors
from courses.common.curricula import module_lessons
from courses.errors import CoursesError
from courses.models import (
    ActivityLead,
    ActivityLeadChange,
    Attendance,
    CourseRun,
    Enrolment,
    Session,
    Tutor,
)
from courses.sites.scope import sites_for
from courses.workshops.certificates import certificates_apply_for_run

# Sessions that have ended, on each page of My teaching's "Taught" section.
PAST_PER_PAGE = 10


class TeachingError(CoursesError):
    """A refused change to a session plan or a register."""


class PlanChanged(TeachingError):
    """The plan changed after the tutor loaded it: their choices would overwrite the other's."""


class RegisterIncomplete(TeachingError):
    """Saving would leave people on the register not marked, and nobody confirmed it."""

    def __init__(self, *, unmarked: int, booked: int):
        self.unmarked, self.booked = unmarked, booked
        super().__init__(
            errors.REGISTER_UNMARKED.format(
                unmarked=unmarked,
                booked=booked,
                people=("person" if booked == 1 else "people")
                + (" is" if unmarked == 1 else " are"),
            )
        )


@dataclass(frozen=True)
class Activity:
    """One activity block of a session's lessons, as the tutor manual describes it."""

    id: str
    title: str
    minutes: int
    suggested_lead: str
    tutor_notes: str
    participant_notes: str
    lesson_title: str


def _suggested_label(value) -> str:
    try:
        return SuggestedLead(value).label
    except ValueError:
        return SuggestedLead.EITHER.label


def activities_of(lessons) -> list[Activity]:
    """The `activity` blocks of the lessons, in the order given; the block id is the activity's
    id, stable across edits of the lesson."""
    return [
        Activity(
            id=block.id,
            title=block.value["title"],
            minutes=block.value["minutes"] or 0,
            suggested_lead=_suggested_label(block.value["suggested_lead"]),
            tutor_notes=block.value["tutor_notes"],
            participant_notes=block.value["participant_notes"],
            lesson_title=lesson.title,
        )
        for lesson in lessons
        for block in lesson.body
        if block.block_type == "activity"
    ]


def module_activities(module) -> list[Activity]:
    """The activities of a module's live lessons in tree order: one query."""
    return activities_of(module_lessons(module))


# A lesson lists what the tutors bring under an ordinary "## What you need" heading
# (content/README.md), which runs until the next "## " heading.
_WHAT_YOU_NEED = re.compile(
    r"^##[ \t]+What you need[^\n]*\n(?P<list>.*?)(?=^##[ \t]|\Z)", re.M | re.S
)


def materials_of(lessons) -> list[str]:
    """The Markdown of each lesson's "What you need" section, in the order given."""
    found = []
    for lesson in lessons:
        for block in lesson.body:
            if block.block_type != "markdown":
                continue
            for match in _WHAT_YOU_NEED.finditer(block.value or ""):
                if match.group("list").strip():
                    found.append(match.group("list").strip())
    return found


def lead_label(lead: str | None, session: Session) -> str:
    """Who leads, in the tutors' own names: "Alan Reid (lay tutor)", "Both together"."""
    Lead = ActivityLead.Lead
    tutor = {Lead.LAY: session.lay_tutor, Lead.CLINICAL: session.clinical_tutor}.get(lead)
    if not lead:
        return "Not decided yet"
    if lead == Lead.SHARED:
        return "Both together"
    kind = Lead(lead).label.lower()
    return f"{tutor.name} ({kind})" if tutor is not None else f"The {kind} (not assigned yet)"


def may_change_plan(user, session: Session) -> bool:
    """Only the session's two tutors agree who leads what; a lead of the site sees the plan."""
    return session.is_taught_by(user.pk)


def _person(user) -> str:
    if user is None:
        return "Someone no longer registered"
    return user.get_full_name() or user.email


# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def session_plan_set(
    *, session: Session, leads: dict[str, str], updated_by, seen_version: int
) -> int:
    """Record who leads each activity of a session: {activity id: "lay" | "clinical" | "shared"},
    each change kept in the plan's history. Returns how many activities changed lead.

    Only the session's two tutors may change it. `seen_version` is the plan's version
    (`session_plan_for`'s, its newest change) when the tutor loaded the page: if the other tutor changed the plan since,
    nothing is saved and the refusal says what they chose. Activities not named keep their
    lead. An activity that is not in the session's lessons, or a lead that is not one of the
    three, refuses the whole plan.
    """
    # The session row is the plan's lock: two tutors saving at once save one after the other,
    # and the second finds the first's change newer than the version it loaded.
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("run", "module", "lay_tutor__user", "clinical_tutor__user")
        .filter(pk=session.pk)
        .first()
    )
    if session is None:
        raise TeachingError("That session no longer exists.")
    if not may_change_plan(updated_by, session):
        raise TeachingError(errors.PLAN_TUTORS_ONLY)
    if session.run.status == CourseRun.Status.CANCELLED:
        raise TeachingError(errors.RUN_CANCELLED)
    if session.module is None:
        raise TeachingError(errors.PLAN_NO_MODULE)
    activities = {activity.id: activity for activity in module_activities(session.module)}
    newer = list(
        ActivityLeadChange.objects.filter(session=session, pk__gt=seen_version)
        .select_related("changed_by")
        .order_by("-pk")
    )
    if newer:
        latest = {}
        for change in newer:  # newest first: the lead each activity has now
            latest.setdefault(change.activity_id, change)
        said = " ".join(
            errors.PLAN_CHANGE.format(
                name=_person(change.changed_by),
                lead=lead_label(change.new_lead, session),
                activity=activities[change.activity_id].title
                if change.activity_id in activities
                else "an activity no longer in the lessons",
            )
            for change in sorted(latest.values(), key=lambda change: change.pk)
        )
        raise PlanChanged(errors.PLAN_CHANGED_MEANWHILE.format(changes=said))
    if not leads:
        raise TeachingError(errors.PLAN_NOTHING_CHOSEN)
    if any(not isinstance(key, str) or key not in activities for key in leads):
        raise TeachingError(errors.PLAN_UNKNOWN_ACTIVITY)
    if any(lead not in ActivityLead.Lead.values for lead in leads.values()):
        raise TeachingError(errors.PLAN_BAD_LEAD)

    now = timezone.now()
    existing = {
        row.activity_id: row
        for row in ActivityLead.objects.filter(session=session, activity_id__in=list(leads))
    }
    new, changed, history = [], [], []
    for activity_id, lead in leads.items():
        row = existing.get(activity_id)
        if row is not None and row.lead == lead:
            continue
        history.append(
            ActivityLeadChange(
                session=session,
                activity_id=activity_id,
                old_lead=row.lead if row is not None else "",
                new_lead=lead,
                changed_by=updated_by,
                changed_at=now,
            )
        )
        if row is None:
            new.append(
                ActivityLead(
                    session=session, activity_id=activity_id, lead=lead, updated_by=updated_by
                )
            )
        else:
            row.lead, row.updated_by, row.updated_at = lead, updated_by, now
            changed.append(row)
    ActivityLead.objects.bulk_create(new)
    ActivityLead.objects.bulk_update(changed, ["lead", "updated_by", "updated_at"])
    ActivityLeadChange.objects.bulk_create(history)
    return len(history)


@dataclass(frozen=True)
class RegisterSaved:
    """What saving a register did: lines written, and people marked of those booked."""

    lines_saved: int
    marked: int
    booked: int

    @property
    def unmarked(self) -> int:
        return self.booked - self.marked


@transaction.atomic
def attendance_mark(
    *, session: Session, marks: dict[int, str], marked_by, unmarked_confirmed: bool = False
) -> RegisterSaved:
    """Mark the register: {enrolment id: "present" | "absent" | "apologies"}. Then apply the run's
    completion rule to the people marked.

    Nobody is marked by default: someone left out stays "not marked", never absent. Saving
    while anyone booked would still be not marked needs `unmarked_confirmed`; without it,
    `RegisterIncomplete` says how many, and nothing is saved."""
    session = Session.objects.select_related("run").filter(pk=session.pk).first()
    if session is None:
        raise TeachingError("That session no longer exists.")
    run = session.run
    if run.status == CourseRun.Status.CANCELLED:
        raise TeachingError(errors.RUN_CANCELLED)
    if session.starts_at > timezone.now():
        raise TeachingError(errors.REGISTER_TOO_EARLY)
    if not marks:
        raise TeachingError(errors.REGISTER_NOTHING_MARKED)
    if any(status not in Attendance.Status.values for status in marks.values()):
        raise TeachingError(errors.REGISTER_BAD_MARK)
    if any(not isinstance(key, int) or isinstance(key, bool) for key in marks):
        raise TeachingError(errors.REGISTER_UNKNOWN_TRAINEE)
    # Locking the people marked keeps two tutors marking at once from writing a line twice, and
    # from deciding completion on counts the other is changing.
    found = set(
        Enrolment.objects.select_for_update()
        .filter(run=run, pk__in=list(marks))
        .on_the_course()
        .values_list("pk", flat=True)
    )
    if found != set(marks):
        raise TeachingError(errors.REGISTER_UNKNOWN_TRAINEE)
    booked = set(Enrolment.objects.filter(run=run).on_the_course().values_list("pk", flat=True))
    lines = {
        row.enrolment_id: row
        for row in Attendance.objects.filter(session=session, enrolment_id__in=list(booked))
    }
    unmarked = booked - set(lines) - set(marks)
    if unmarked and not unmarked_confirmed:
        raise RegisterIncomplete(unmarked=len(unmarked), booked=len(booked))

    now = timezone.now()
    existing = {
        enrolment_id: lines[enrolment_id] for enrolment_id in marks if enrolment_id in lines
    }
    new, changed = [], []
    for enrolment_id, status in marks.items():
        row = existing.get(enrolment_id)
        if row is None:
            new.append(
                Attendance(
                    session=session, enrolment_id=enrolment_id, status=status, marked_by=marked_by
                )
            )
        else:
            row.status, row.marked_by, row.marked_at = status, marked_by, now
            changed.append(row)
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["status", "marked_by", "marked_at"])
    apply_completion_rule(run=run, enrolment_ids=list(marks), now=now)
    return RegisterSaved(
        lines_saved=len(new) + len(changed), marked=len(booked) - len(unmarked), booked=len(booked)
    )


def _attended(run):
    """Sessions of `run` an enrolment was marked present at, counted by the database."""
    return Count(
        "attendance",
        filter=Q(
            attendance__status=Attendance.Status.PRESENT,
            attendance__session__run=run,
        ),
    )


def apply_completion_rule(*, run: CourseRun, enrolment_ids: list[int], now) -> None:
    """Attended at least `run.completion_sessions`: completed, with a certificate of attendance.
    A corrected register that takes someone below it: booked again, the certificate withdrawn
    (`courses.workshops.certificates`)."""
    counted = Enrolment.objects.filter(pk__in=enrolment_ids).annotate(attended=_attended(run))
    reached, dropped = [], []
    for pk, status, attended in counted.values_list("pk", "status", "attended"):
        if status == Enrolment.Status.BOOKED and attended >= run.completion_sessions:
            reached.append(pk)
        elif status == Enrolment.Status.COMPLETED and attended < run.completion_sessions:
            dropped.append(pk)
    if reached:
        Enrolment.objects.filter(pk__in=reached).update(
            status=Enrolment.Status.COMPLETED, completed_at=now
        )
    if dropped:
        Enrolment.objects.filter(pk__in=dropped).update(
            status=Enrolment.Status.BOOKED, completed_at=None
        )
    certificates_apply_for_run(run=run, enrolment_ids=enrolment_ids, now=now)


# --- who may see a session -----------------------------------------------------------------------


def _sessions_with_people():
    return Session.objects.select_related(
        "run__site", "venue", "module", "lay_tutor__user", "clinical_tutor__user"
    )


def session_for_teaching(user, session_id) -> Session:
    """A session whose plan and register `user` may see and change: its two tutors, a programme
    lead of the run's site (or a superuser). Anyone else: 404."""
    session = _sessions_with_people().filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    if user.is_superuser or session.is_taught_by(user.pk):
        return session
    if (
        has_any_role(user, Role.PROGRAMME_LEAD)
        and sites_for(user).filter(pk=session.run.site_id).exists()
    ):
        return session
    raise Http404("No such session.")


def session_taught_by(user, session_id) -> tuple[Session, Tutor]:
    """A session `user` teaches, and the Tutor they teach it as. Anyone else: 404."""
    session = _sessions_with_people().filter(pk=session_id).first()
    if session is None or not session.is_taught_by(user.pk):
        raise Http404("No such session.")
    # They teach it, so if they are not its lay tutor they are its clinical tutor.
    if session.lay_tutor is not None and session.lay_tutor.user_id == user.pk:
        return session, session.lay_tutor
    return session, session.clinical_tutor


# --- selectors -----------------------------------------------------------------------------------


def _with_register_counts(sessions):
    return sessions.annotate(
        booked=count_rows(Enrolment.objects.filter(run=OuterRef("run")).on_the_course()),
        marked=count_rows(
            Attendance.objects.filter(
                session=OuterRef("pk"), enrolment__status__in=Enrolment.ON_THE_COURSE
            )
        ),
    )


def _activity_ids_by_module(modules) -> dict[int, list[str]]:
    """The activity ids of each module's live lessons, for many modules in one query."""
    modules = list({module.pk: module for module in modules}.values())
    if not modules:
        return {}
    under = Q()
    for module in modules:
        under |= Q(path__startswith=module.path, depth=module.depth + 1)
    by_path = {module.path: module.pk for module in modules}
    result: dict[int, list[str]] = {module.pk: [] for module in modules}
    for lesson in LessonPage.objects.live().filter(under).order_by("path"):
        module_id = by_path[lesson.path[: -Page.steplen]]
        result[module_id] += [activity.id for activity in activities_of([lesson])]
    return result


def _register_text(*, started: bool, booked: int, marked: int) -> str:
    if not started:
        return f"{booked} {'person' if booked == 1 else 'people'} booked."
    if not booked:
        return "Nobody is booked."
    if not marked:
        return f"Register not marked: {booked} booked."
    if marked >= booked:
        return f"Register: {marked} of {booked} marked."
    return f"Register: {marked} of {booked} marked, {booked - marked} not marked."


@dataclass
class TeachingSession:
    """A session on a tutor's My teaching page: coming up (with its plan's state) or taught."""

    session: Session
    kind: str  # the tutor's place: "lay" or "clinical"
    co_tutor: Tutor | None
    booked: int
    marked: int
    started: bool
    activity_count: int = 0
    planned_count: int = 0

    @property
    def plan_agreed(self) -> bool:
        return self.activity_count > 0 and self.planned_count >= self.activity_count

    @property
    def register_marked(self) -> bool:
        return self.booked > 0 and self.marked >= self.booked

    @property
    def register_unmarked(self) -> int:
        """People booked with no mark for this session: not marked, never counted absent."""
        return max(self.booked - self.marked, 0)

    @property
    def register_text(self) -> str:
        return _register_text(started=self.started, booked=self.booked, marked=self.marked)


def _rows(sessions, tutor, now, activity_ids=None, planned=None) -> list[TeachingSession]:
    rows = []
    for session in sessions:
        ids = (activity_ids or {}).get(session.module_id, [])
        rows.append(
            TeachingSession(
                session=session,
                kind="lay" if session.lay_tutor_id == tutor.pk else "clinical",
                co_tutor=session.co_tutor_of(tutor.user_id),
                booked=session.booked,
                marked=session.marked,
                started=session.starts_at <= now,
                activity_count=len(ids),
                planned_count=len((planned or {}).get(session.pk, set()) & set(ids)),
            )
        )
    return rows


@dataclass
class Taught:
    """One page of the sessions a tutor has taught, newest first."""

    page: PageOfSessions
    rows: list[TeachingSession]


def teaching_for(user, *, past_page=None) -> dict:
    """A tutor's sessions: those not yet over, soonest first, with venue, run, co-tutor, whether
    the plan is agreed and the register marked; and one page (`past_page`, PAST_PER_PAGE a
    page) of those that have ended, newest first, with their register. A fixed number of
    queries, however many sessions."""
    tutor = Tutor.objects.filter(user=user).select_related("site").first()
    if tutor is None:
        return {"tutor": None, "upcoming": [], "taught": None}
    now = timezone.now()
    mine = (
        _sessions_with_people()
        .filter(Q(lay_tutor=tutor) | Q(clinical_tutor=tutor))
        .exclude(run__status=CourseRun.Status.CANCELLED)
    )
    upcoming = list(
        _with_register_counts(mine.filter(ends_at__gte=now)).order_by("starts_at", "pk")
    )
    activity_ids = _activity_ids_by_module(
        session.module for session in upcoming if session.module is not None
    )
    planned: dict[int, set[str]] = {}
    if upcoming:
        for session_id, activity_id in ActivityLead.objects.filter(
            session__in=[session.pk for session in upcoming]
        ).values_list("session_id", "activity_id"):
            planned.setdefault(session_id, set()).add(activity_id)
    page = Paginator(
        _with_register_counts(mine.filter(ends_at__lt=now)).order_by("-starts_at", "-pk"),
        PAST_PER_PAGE,
    ).get_page(past_page)
    return {
        "tutor": tutor,
        "upcoming": _rows(upcoming, tutor, now, activity_ids, planned),
        "taught": Taught(page=page, rows=_rows(page.object_list, tutor, now)),
    }


@dataclass
class PlanChangeShown:
    """One change in a plan's history, in words."""

    change: ActivityLeadChange
    activity_title: str
    by: str
    old_label: str
    new_label: str


@dataclass
class PlannedActivity:
    activity: Activity
    lead: str | None  # "lay", "clinical", "shared", or None while nobody is chosen
    lead_label: str
    starts: datetime
    ends: datetime
    last_change: PlanChangeShown | None = None


def session_plan_for(session: Session) -> dict:
    """The session's activities in teaching order, each with its clock times (from the session's
    start, one after another, by their minutes), the lead chosen (in the tutors' names) and who
    chose it when; the lessons' materials; the plan's history, newest first, and its version;
    and minutes per tutor: the lay tutor's and the clinical tutor's totals each count shared
    activities. Three queries."""
    lessons = list(module_lessons(session.module)) if session.module_id else []
    activities = activities_of(lessons)
    titles = {activity.id: activity.title for activity in activities}
    leads = dict(ActivityLead.objects.filter(session=session).values_list("activity_id", "lead"))
    history = [
        PlanChangeShown(
            change=change,
            activity_title=titles.get(change.activity_id, "An activity no longer in the lessons"),
            by=_person(change.changed_by),
            old_label=lead_label(change.old_lead, session),
            new_label=lead_label(change.new_lead, session),
        )
        for change in ActivityLeadChange.objects.filter(session=session)
        .select_related("changed_by")
        .order_by("-pk")
    ]
    last_change: dict[str, PlanChangeShown] = {}
    for shown in history:
        last_change.setdefault(shown.change.activity_id, shown)
    rows, clock = [], timezone.localtime(session.starts_at)
    for activity in activities:
        ends = clock + timedelta(minutes=activity.minutes)
        rows.append(
            PlannedActivity(
                activity=activity,
                lead=leads.get(activity.id),
                lead_label=lead_label(leads.get(activity.id), session),
                starts=clock,
                ends=ends,
                last_change=last_change.get(activity.id),
            )
        )
        clock = ends

    def minutes(*chosen):
        return sum(row.activity.minutes for row in rows if row.lead in chosen)

    Lead = ActivityLead.Lead
    return {
        "session": session,
        "activities": rows,
        "materials": materials_of(lessons),
        "history": history,
        "version": history[0].change.pk if history else 0,
        "lead_choices": [(lead, lead_label(lead, session)) for lead in Lead.values],
        "total_minutes": sum(row.activity.minutes for row in rows),
        "lay_minutes": minutes(Lead.LAY, Lead.SHARED),
        "clinical_minutes": minutes(Lead.CLINICAL, Lead.SHARED),
        "shared_minutes": minutes(Lead.SHARED),
        "unassigned_minutes": minutes(None),
        "agreed": bool(rows) and all(row.lead for row in rows),
    }


def register_for(session: Session) -> list[Enrolment]:
    """The people booked on the session's run, each with `mark` (their register line for this
    session, or None) and `attended` (sessions of the run they were present at). One query."""
    return list(
        Enrolment.objects.filter(run_id=session.run_id)
        .on_the_course()
        .select_related("trainee")
        .annotate(
            mark=Subquery(
                Attendance.objects.filter(enrolment=OuterRef("pk"), session=session).values(
                    "status"
                )[:1]
            ),
            attended=count_rows(
                Attendance.objects.filter(
                    enrolment=OuterRef("pk"),
                    session__run_id=session.run_id,
                    status=Attendance.Status.PRESENT,
                )
            ),
        )
        .order_by("trainee__last_name", "trainee__first_name", "trainee__email")
    )


@dataclass(frozen=True)
class RegisterSummary:
    booked: int
    marked: int

    @property
    def unmarked(self) -> int:
        return self.booked - self.marked

    @property
    def text(self) -> str:
        return _register_text(started=True, booked=self.booked, marked=self.marked)


def register_summary(register: list[Enrolment]) -> RegisterSummary:
    """How many of the people on `register_for`'s list have a mark for the session."""
    return RegisterSummary(
        booked=len(register), marked=sum(1 for enrolment in register if enrolment.mark)
    )


@dataclass(frozen=True)
class SessionAttendance:
    """One point of a run's attrition curve."""

    session: Session
    booked: int
    present: int
    absent: int
    apologies: int
    unmarked: int

    @property
    def number(self) -> int:
        return self.session.number


def attendance_by_session(run: CourseRun) -> list[SessionAttendance]:
    """Per session of the run: people booked now, present, absent, sent apologies, and booked
    people not yet marked. Counted by the database in one query, however many sessions or
    people."""
    status = Attendance.Status
    sessions = (
        Session.objects.filter(run=run)
        .annotate(
            booked=count_rows(Enrolment.objects.filter(run=OuterRef("run")).on_the_course()),
            present=Count("attendance", filter=Q(attendance__status=status.PRESENT)),
            absent=Count("attendance", filter=Q(attendance__status=status.ABSENT)),
            apologies=Count("attendance", filter=Q(attendance__status=status.APOLOGIES)),
            marked=Count(
                "attendance", filter=Q(attendance__enrolment__status__in=Enrolment.ON_THE_COURSE)
            ),
        )
        .order_by("number")
    )
    return [
        SessionAttendance(
            session=session,
            booked=session.booked,
            present=session.present,
            absent=session.absent,
            apologies=session.apologies,
            unmarked=max(session.booked - session.marked, 0),
        )
        for session in sessions
    ]
