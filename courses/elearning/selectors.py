"""Reads for the e-learning pages (My learning, a lesson, progress, certificates, invitation
codes), each shaped for one page with a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assessments.models import Administration, Phase, Response
from assessments.reflections.responses import due_for
from cms.curricula.vocabulary import ModuleFormat
from cms.models import LessonPage, ModulePage
from cms.queries import count_rows
from courses.common.curricula import lesson_count_for_module, module_lessons
from courses.models import (
    Attendance,
    Certificate,
    CourseRun,
    Enrolment,
    InvitationCode,
    LessonProgress,
    Session,
)
from courses.reflections.administrations import after_closes, evaluating
from courses.reflections.session_feedback import LOOK_BACK, NOT_THERE, SESSION_MODEL
from courses.sites.scope import sites_for
from courses.workshops.booking import waiting_position_annotation

# --- e-learning -------------------------------------------------------------------------------


def with_lesson_counts(enrolments):
    """Annotate each enrolment with its module's live lessons and how many of them are done."""
    live_lesson_ids = LessonPage.objects.live().values("pk")
    return enrolments.annotate(
        lessons_total=Coalesce(lesson_count_for_module("module"), 0),
        lessons_done=Count(
            "progress", filter=Q(progress__lesson_id__in=live_lesson_ids), distinct=True
        ),
    )


def learning_for(user):
    """Everything on a trainee's /learn/ page, in a fixed number of queries."""
    enrolments = list(
        with_lesson_counts(
            Enrolment.objects.filter(trainee=user, module__isnull=False)
            .exclude(status=Enrolment.Status.WAITLISTED)
            .select_related("module", "certificate")
        ).order_by("status", "-enrolled_at")
    )
    next_lessons = _next_lessons(enrolments)
    for enrolment in enrolments:
        enrolment.next_lesson = next_lessons.get(enrolment.pk)
        enrolment.percent_done = (
            round(100 * enrolment.lessons_done / enrolment.lessons_total)
            if enrolment.lessons_total
            else 0
        )
    return {
        "active": [
            enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.BOOKED
        ],
        "completed": [
            enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.COMPLETED
        ],
        "withdrawn": [
            enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.WITHDRAWN
        ],
    }


def _run_enrolments(user):
    """The user's places on course runs (booked, waiting, completed or cancelled), each with its
    run (`with_dates()`: phase, dates, sessions), next session, sessions attended, place on the
    waiting list, certificate, and `not_marked`: sessions that have started where the register has
    no line for them yet. Two queries, however many."""
    now = timezone.now()
    upcoming = Session.objects.filter(run=OuterRef("run"), ends_at__gt=now).order_by(
        "starts_at", "pk"
    )
    enrolments = list(
        Enrolment.objects.filter(trainee=user, run__isnull=False)
        .select_related("certificate")
        .annotate(
            next_start=Subquery(upcoming.values("starts_at")[:1]),
            next_end=Subquery(upcoming.values("ends_at")[:1]),
            attended=count_rows(
                Attendance.objects.filter(
                    enrolment=OuterRef("pk"),
                    session__run=OuterRef("run"),
                    status=Attendance.Status.PRESENT,
                )
            ),
            position=waiting_position_annotation(),
            # Sessions that have started, and those of them the person has a register line
            # for: the rest are "not marked", never counted as missed.
            started_sessions=count_rows(
                Session.objects.filter(run=OuterRef("run"), starts_at__lte=now)
            ),
            marked_sessions=count_rows(
                Attendance.objects.filter(
                    enrolment=OuterRef("pk"),
                    session__run=OuterRef("run"),
                    session__starts_at__lte=now,
                )
            ),
        )
    )
    for enrolment in enrolments:
        enrolment.not_marked = max(enrolment.started_sessions - enrolment.marked_sessions, 0)
    runs = {
        run.pk: run
        for run in CourseRun.objects.with_dates()
        .filter(pk__in=[enrolment.run_id for enrolment in enrolments])
        .select_related("venue")
    }
    for enrolment in enrolments:
        enrolment.course = runs[enrolment.run_id]
    return enrolments


def my_learning(user):
    """Everything a trainee has learnt or is learning, for /learn/, in sections: now (in
    progress), coming up (booked, not started), waiting list, finished (completed, or a course
    that ended without completing it) and cancelled (by a lead, or by the trainee). E-learning
    and courses together; a course's section follows its run's phase. Five queries at most,
    however many enrolments."""
    modules = learning_for(user)
    Status, Phase = Enrolment.Status, CourseRun.Phase
    sections = {
        "now": list(modules["active"]),
        "coming_up": [],
        "waiting": [],
        "finished": list(modules["completed"]),
        "cancelled": list(modules["withdrawn"]),
    }
    for enrolment in _run_enrolments(user):
        phase = enrolment.course.phase
        if phase == Phase.CANCELLED or enrolment.status == Status.WITHDRAWN:
            section = "cancelled"
        elif phase == Phase.FINISHED:
            section = "finished"
        elif enrolment.status == Status.WAITLISTED:
            section = "waiting"
        elif phase == Phase.IN_PROGRESS:
            section = "now"
        else:
            section = "coming_up"
        sections[section].append(enrolment)
    sections["now"].sort(key=_soonest)
    sections["coming_up"].sort(key=_soonest)
    sections["waiting"].sort(key=_soonest)
    sections["finished"].sort(key=_latest_end, reverse=True)
    sections["cancelled"].sort(key=_latest_end, reverse=True)
    return sections


def reflections_due_for(user):
    """The before, after and follow-up reflections due now (session feedback is listed apart,
    with its session: `session_forms_for`)."""
    return [reflection for reflection in due_for(user) if not reflection.is_after_a_session]


@dataclass(frozen=True)
class SessionForm:
    """A trainee's open feedback form after one session of their course."""

    administration_id: int
    session_number: int
    course: str  # the programme, e.g. "Moving on Together"
    session_starts_at: datetime
    closes_at: datetime
    started: bool


def session_forms_for(user) -> list[SessionForm]:
    """The feedback forms of sessions of the user's courses that are open to them now and not
    sent yet (the same rule as the form's own window: on the course, not marked absent or sent
    apologies, the run not cancelled, until the end of the day some days after the session),
    soonest closing first. One query, however many courses and sessions."""
    now = timezone.now()
    marked_not_there = Attendance.objects.filter(
        session=OuterRef("pk"), enrolment__trainee=user, status__in=NOT_THERE
    )
    sessions = (
        Session.objects.filter(
            run__in=Enrolment.objects.filter(
                trainee=user, run__isnull=False, status__in=Enrolment.ON_THE_COURSE
            ).values("run_id"),
            ends_at__lte=now,
            ends_at__gt=now - LOOK_BACK,
        )
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .exclude(Exists(marked_not_there))
    )
    session = Session.objects.filter(pk=OuterRef("target_id"))
    theirs = Response.objects.filter(administration=OuterRef("pk"), respondent=user)
    administrations = (
        Administration.objects.filter(
            evaluating(SESSION_MODEL),
            phase=Phase.SESSION,
            target_id__in=sessions.values("pk"),
        )
        .exclude(Exists(theirs.filter(status=Response.Status.SUBMITTED)))
        .annotate(
            started=Exists(theirs.filter(status=Response.Status.DRAFT)),
            session_number=Subquery(session.values("number")[:1]),
            session_starts_at=Subquery(session.values("starts_at")[:1]),
            session_ends_at=Subquery(session.values("ends_at")[:1]),
            course=Subquery(session.values("run__programme__title")[:1]),
        )
        .only("pk", "closes_after_days")
    )
    forms = []
    for administration in administrations:
        closes_at = after_closes(administration, administration.session_ends_at)
        if now >= closes_at:
            continue
        forms.append(
            SessionForm(
                administration_id=administration.pk,
                session_number=administration.session_number,
                course=administration.course,
                session_starts_at=administration.session_starts_at,
                closes_at=closes_at,
                started=administration.started,
            )
        )
    forms.sort(key=lambda form: (form.closes_at, form.session_starts_at, form.administration_id))
    return forms


def _soonest(enrolment):
    course = getattr(enrolment, "course", None)
    moment = (getattr(enrolment, "next_start", None) or course.first_start) if course else None
    return (moment is None, moment or enrolment.enrolled_at)


def _latest_end(enrolment):
    course = getattr(enrolment, "course", None)
    return (course.last_end if course else None) or enrolment.completed_at or enrolment.enrolled_at


def _next_lessons(enrolments):
    """The first lesson not yet finished, per active enrolment: one query for all of them."""
    active = [enrolment for enrolment in enrolments if enrolment.status == Enrolment.Status.BOOKED]
    if not active:
        return {}
    paths = Q()
    for enrolment in active:
        paths |= Q(path__startswith=enrolment.module.path, depth=enrolment.module.depth + 1)
    lessons = list(
        LessonPage.objects.live().filter(paths).order_by("path").only("pk", "title", "path")
    )
    done = set(
        LessonProgress.objects.filter(enrolment__in=active).values_list("enrolment_id", "lesson_id")
    )
    result = {}
    for enrolment in active:
        for lesson in lessons:
            if (
                lesson.path.startswith(enrolment.module.path)
                and (enrolment.pk, lesson.pk) not in done
            ):
                result[enrolment.pk] = lesson
                break
    return result


def enrolment_for(user, module_id):
    """The user's enrolment on a module, or 404."""
    return get_object_or_404(
        Enrolment.objects.select_related("module", "trainee"), trainee=user, module_id=module_id
    )


def lesson_for_learner(*, enrolment, lesson_id):
    """A lesson of the enrolment's module with its neighbours and what the trainee has done."""
    lessons = list(
        module_lessons(enrolment.module).only("pk", "title", "path", "url_path", "minutes")
    )
    position = next((index for index, lesson in enumerate(lessons) if lesson.pk == lesson_id), None)
    if position is None:
        raise Http404("That lesson is not part of this module.")
    lesson = LessonPage.objects.get(pk=lesson_id)
    done = set(enrolment.progress.values_list("lesson_id", flat=True))
    return {
        "lesson": lesson,
        "lessons": [(item, item.pk in done) for item in lessons],
        "position": position + 1,
        "lesson_count": len(lessons),
        "previous_lesson": lessons[position - 1] if position > 0 else None,
        "next_lesson": lessons[position + 1] if position + 1 < len(lessons) else None,
        "is_done": lesson.pk in done,
    }


def first_unfinished_lesson(enrolment):
    return (
        _next_lessons([enrolment]).get(enrolment.pk)
        if enrolment.status == Enrolment.Status.BOOKED
        else None
    )


def progress_rows_for(user):
    """E-learning enrolments in the user's scope (their sites), with lessons done, for tutors
    and leads. One query, however many rows."""
    enrolments = Enrolment.objects.filter(module__isnull=False)
    if not user.is_superuser:
        enrolments = enrolments.filter(site__in=sites_for(user))
    return with_lesson_counts(
        enrolments.select_related("trainee", "module", "site", "certificate")
    ).order_by("module__title", "trainee__last_name", "trainee__first_name", "trainee__email")


def certificate_for_owner(user, code):
    return get_object_or_404(
        Certificate.objects.select_related("enrolment"), code=code, enrolment__trainee=user
    )


def certificate_public(code):
    return Certificate.objects.filter(code=code).first()


def certificate_in_scope(user, code):
    """A certificate a lead may revoke: an e-learning one of their sites' learners, or a course
    one of a run at their sites. Anyone else's: 404."""
    certificates = Certificate.objects.select_related(
        "enrolment__trainee", "enrolment__site", "enrolment__run__site"
    )
    if not user.is_superuser:
        sites = sites_for(user)
        certificates = certificates.filter(
            Q(enrolment__run__isnull=True, enrolment__site__in=sites)
            | Q(enrolment__run__site__in=sites)
        )
    return get_object_or_404(certificates, code=code)


def invitation_codes_for(user):
    codes = InvitationCode.objects.select_related("site", "module").annotate(
        uses=Count("enrolments")
    )
    if not user.is_superuser:
        codes = codes.filter(site__in=sites_for(user))
    return codes.order_by("-created_at")


def elearning_modules():
    return ModulePage.objects.live().filter(format=ModuleFormat.ELEARNING).order_by("title")
