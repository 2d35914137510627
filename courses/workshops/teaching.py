"""The tutors' side of a workshop: who leads each activity of a session (the session plan), the
register, and the run's completion rule that the register drives.

Services first (writes, one transaction each, refusing with a `TeachingError` that changes
nothing), then the selectors the tutors' pages and the lead's run page read. Who may call them
(the session's two tutors, a lead of the run's site) is checked by the views through
`session_for_teaching` and `session_taught_by` below; the rules (dates, values) live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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
from courses.models import ActivityLead, Attendance, CourseRun, Enrolment, Session, Tutor
from courses.sites.scope import sites_for
from courses.workshops.certificates import certificates_apply_for_run

# Enrolments that hold a place on a run: they are on the register and count as booked.
RECENT_DAYS = 14


class TeachingError(CoursesError):
    """A refused change to a session plan or a register."""


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


# --- services ----------------------------------------------------------------------------------


@transaction.atomic
def session_plan_set(*, session: Session, leads: dict[str, str], updated_by) -> Session:
    """Record who leads each activity of a session: {activity id: "lay" | "clinical" | "shared"}.

    Activities not named keep their lead. An activity that is not in the session's lessons, or a
    lead that is not one of the three, refuses the whole plan.
    """
    # The session row is the plan's lock: two tutors saving at once save one after the other.
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("run", "module")
        .filter(pk=session.pk)
        .first()
    )
    if session is None:
        raise TeachingError("That session no longer exists.")
    if session.run.status == CourseRun.Status.CANCELLED:
        raise TeachingError(errors.RUN_CANCELLED)
    if session.module is None:
        raise TeachingError(errors.PLAN_NO_MODULE)
    if not leads:
        raise TeachingError(errors.PLAN_NOTHING_CHOSEN)
    known = {activity.id for activity in module_activities(session.module)}
    if any(not isinstance(key, str) or key not in known for key in leads):
        raise TeachingError(errors.PLAN_UNKNOWN_ACTIVITY)
    if any(lead not in ActivityLead.Lead.values for lead in leads.values()):
        raise TeachingError(errors.PLAN_BAD_LEAD)

    now = timezone.now()
    existing = {
        row.activity_id: row
        for row in ActivityLead.objects.filter(session=session, activity_id__in=list(leads))
    }
    new, changed = [], []
    for activity_id, lead in leads.items():
        row = existing.get(activity_id)
        if row is None:
            new.append(
                ActivityLead(
                    session=session, activity_id=activity_id, lead=lead, updated_by=updated_by
                )
            )
        elif row.lead != lead:
            row.lead, row.updated_by, row.updated_at = lead, updated_by, now
            changed.append(row)
    ActivityLead.objects.bulk_create(new)
    ActivityLead.objects.bulk_update(changed, ["lead", "updated_by", "updated_at"])
    return session


@transaction.atomic
def attendance_mark(*, session: Session, marks: dict[int, str], marked_by) -> int:
    """Mark the register: {enrolment id: "present" | "absent" | "apologies"}. Then apply the run's
    completion rule to the people marked. Returns the register lines saved."""
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

    now = timezone.now()
    existing = {
        row.enrolment_id: row
        for row in Attendance.objects.filter(session=session, enrolment_id__in=list(marks))
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
    return len(new) + len(changed)


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


@dataclass
class TeachingSession:
    """A session on a tutor's My teaching page."""

    session: Session
    kind: str  # the tutor's place: "lay" or "clinical"
    co_tutor: Tutor | None
    activity_count: int
    planned_count: int
    booked: int
    marked: int
    started: bool

    @property
    def plan_agreed(self) -> bool:
        return self.activity_count > 0 and self.planned_count >= self.activity_count

    @property
    def register_marked(self) -> bool:
        return self.booked > 0 and self.marked >= self.booked


def teaching_for(user) -> dict:
    """A tutor's upcoming sessions and those of the last 14 days, with venue, run, co-tutor, and
    whether the plan is agreed and the register marked. Four queries, however many sessions."""
    tutor = Tutor.objects.filter(user=user).select_related("site").first()
    if tutor is None:
        return {"tutor": None, "upcoming": [], "recent": []}
    now = timezone.now()
    sessions = list(
        _with_register_counts(
            _sessions_with_people()
            .filter(Q(lay_tutor=tutor) | Q(clinical_tutor=tutor))
            .filter(starts_at__gte=now - timedelta(days=RECENT_DAYS))
            .exclude(run__status=CourseRun.Status.CANCELLED)
        ).order_by("starts_at", "pk")
    )
    activity_ids = _activity_ids_by_module(
        session.module for session in sessions if session.module is not None
    )
    planned: dict[int, set[str]] = {}
    if sessions:
        for session_id, activity_id in ActivityLead.objects.filter(
            session__in=[session.pk for session in sessions]
        ).values_list("session_id", "activity_id"):
            planned.setdefault(session_id, set()).add(activity_id)
    rows = []
    for session in sessions:
        ids = activity_ids.get(session.module_id, [])
        is_lay = session.lay_tutor_id == tutor.pk
        rows.append(
            TeachingSession(
                session=session,
                kind="lay" if is_lay else "clinical",
                co_tutor=session.co_tutor_of(tutor.user_id),
                activity_count=len(ids),
                planned_count=len(planned.get(session.pk, set()) & set(ids)),
                booked=session.booked,
                marked=session.marked,
                started=session.starts_at <= now,
            )
        )
    return {
        "tutor": tutor,
        "upcoming": [row for row in rows if row.session.ends_at >= now],
        "recent": sorted(
            (row for row in rows if row.session.ends_at < now),
            key=lambda row: row.session.starts_at,
            reverse=True,
        ),
    }


@dataclass
class PlannedActivity:
    activity: Activity
    lead: str | None  # "lay", "clinical", "shared", or None while nobody is chosen

    @property
    def lead_label(self) -> str:
        return ActivityLead.Lead(self.lead).label if self.lead else "Not decided yet"


def session_plan_for(session: Session) -> dict:
    """The session's activities in teaching order with the lead chosen for each, and minutes per
    tutor: the lay tutor's and the clinical tutor's totals each count shared activities. Two
    queries."""
    activities = module_activities(session.module) if session.module_id else []
    leads = dict(ActivityLead.objects.filter(session=session).values_list("activity_id", "lead"))
    rows = [
        PlannedActivity(activity=activity, lead=leads.get(activity.id)) for activity in activities
    ]

    def minutes(*chosen):
        return sum(row.activity.minutes for row in rows if row.lead in chosen)

    Lead = ActivityLead.Lead
    return {
        "session": session,
        "activities": rows,
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
