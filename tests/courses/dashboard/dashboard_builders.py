"""The small hand-built programme the dashboard tests count, with the figures worked out by hand.

Riverside (sessions at 10:00 local time, weeks from today):
- Run A "Riverside spring", patient, sessions 1-3 ten, nine and eight weeks ago (finished).
  p1, p2 completed; p3 booked; p4 withdrew one day after session 1; p5 on the waiting list.
  Session 1: p1, p2, p3, p4 present. Sessions 2 and 3: p1, p2 present, p3 absent / apologies.
  p1 and p2 sent the after reflection.
- Run B "Riverside autumn", patient, session 1 a week ago (lay and clinical tutor), session 2
  in a week (clinical only), session 3 in two weeks (nobody). q1, q2 booked; q1 came to
  session 1, q2 was absent.
- Run C "Partnership workshop", professional, one session in three weeks (lay and clinical
  tutor); r1 booked.
- Run D "Riverside cancelled", patient, cancelled: x1 booked (never counted).
- E-learning module "Preparing for partnership" (professional, two lessons): e1 enrolled
  15 January 2025, finished both lessons and completed, sent the after reflection; e2, e3
  enrolled 10 February 2025, e2 finished one lesson.
- Tutors: Lay Lee (lay, cap 4; patient accreditation ends in 30 days), Clare Clinic
  (clinical, cap 3; accreditation ends in 200 days), Lou Renewed (lay; an accreditation
  ending in 20 days renewed by one ending in two years).
Hillside:
- Run H "Hillside winter", patient, sessions 1-2 six and five weeks ago: h1 completed, h2
  booked, both present at session 1. Run H2 "Hillside next", patient, one session in two
  weeks with a lay tutor only (a gap). E-learning: he1 completed (enrolled 3 March 2025).
- Tutor Hal Hill (lay) whose accreditation ends in 10 days.
"""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from assessments.models import Phase, Response
from cms.curricula.vocabulary import ModuleFormat, Theme
from cms.models import LessonPage, ModulePage
from courses.dashboard.figures import figures_refresh
from courses.models import (
    Accreditation,
    Attendance,
    CourseRun,
    Enrolment,
    LessonProgress,
    Session,
    TutorKind,
)
from tests.assessments.matched_builders import answered_both
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import (
    CourseRunFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

WEEK = timedelta(weeks=1)


def weeks_from_today(weeks):
    """A session's start: `weeks` weeks from today (negative: ago), at 10:00 local time."""
    return days_from_today(7 * weeks)


def person(key, first, last):
    return UserFactory(email=f"{key}@example.com", first_name=first, last_name=last)


def session(run, number, starts_at, *, lay=None, clinical=None):
    return Session.objects.create(
        run=run,
        number=number,
        venue=run.venue,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        lay_tutor=lay,
        clinical_tutor=clinical,
    )


def enrol(trainee, *, run=None, module=None, site=None, status=Enrolment.Status.BOOKED, **kw):
    return Enrolment.objects.create(
        trainee=trainee,
        run=run,
        module=module,
        site=site or (run.site if run else None),
        status=status,
        **kw,
    )


def mark(session_, enrolment, status=Attendance.Status.PRESENT):
    return Attendance.objects.create(session=session_, enrolment=enrolment, status=status)


def tutor(site, kind, first, last, *, cap=4):
    user = UserFactory(first_name=first, last_name=last, email=f"{first.lower()}@example.com")
    return TutorFactory(user=user, site=site, kind=kind, monthly_cap=cap)


def accredit(tutor_, programme, *, ends_in_days):
    today = timezone.localdate()
    return Accreditation.objects.create(
        tutor=tutor_,
        programme=programme,
        accredited_on=today - timedelta(days=700),
        expires_on=today + timedelta(days=ends_in_days),
    )


def elearning_module(programme, *, lessons=2):
    module = ModulePage(
        title="Preparing for partnership",
        slug="preparing-for-partnership",
        theme=Theme.AGENDA_SETTING,
        format=ModuleFormat.ELEARNING,
        summary="Before the workshop.",
    )
    programme.add_child(instance=module)
    made = []
    for number in range(1, lessons + 1):
        lesson = LessonPage(title=f"Lesson {number}", slug=f"lesson-{number}", minutes=10)
        module.add_child(instance=lesson)
        made.append(lesson)
    return module, made


def after_response(trainee, after):
    return Response.objects.create(
        administration=after,
        respondent=trainee,
        status=Response.Status.SUBMITTED,
        submitted_at=datetime(2026, 3, 10, 12, tzinfo=UTC),
    )


def build(riverside, hillside, programmes):
    now = timezone.now()
    patient, professional = programmes["patient"], programmes["professional"]
    venue = VenueFactory(site=riverside, name="Riverside Library")
    hill_venue = VenueFactory(site=hillside, name="Hillside Hall")

    lee = tutor(riverside, TutorKind.LAY, "Lay", "Lee", cap=4)
    clare = tutor(riverside, TutorKind.CLINICAL, "Clare", "Clinic", cap=3)
    lou = tutor(riverside, TutorKind.LAY, "Lou", "Renewed")
    hal = tutor(hillside, TutorKind.LAY, "Hal", "Hill")
    accredit(lee, patient, ends_in_days=30)
    accredit(clare, professional, ends_in_days=200)
    accredit(lou, patient, ends_in_days=20)
    accredit(lou, patient, ends_in_days=730)
    accredit(hal, patient, ends_in_days=10)

    def run(site, where, title, programme, **kw):
        return CourseRunFactory(site=site, venue=where, title=title, programme=programme, **kw)

    # Run A: finished.
    run_a = run(riverside, venue, "Riverside spring", patient, status=CourseRun.Status.OPEN)
    a_sessions = [
        session(run_a, n, weeks_from_today(n - 11), lay=lee, clinical=clare) for n in (1, 2, 3)
    ]
    p = {key: person(key, key.upper(), "Spring") for key in ["p1", "p2", "p3", "p4", "p5"]}
    a = {
        "p1": enrol(p["p1"], run=run_a, status=Enrolment.Status.COMPLETED),
        "p2": enrol(p["p2"], run=run_a, status=Enrolment.Status.COMPLETED),
        "p3": enrol(p["p3"], run=run_a),
        "p4": enrol(
            p["p4"],
            run=run_a,
            status=Enrolment.Status.WITHDRAWN,
            withdrawn_at=a_sessions[0].starts_at + timedelta(days=1),
        ),
        "p5": enrol(p["p5"], run=run_a, status=Enrolment.Status.WAITLISTED),
    }
    for key in ["p1", "p2", "p3", "p4"]:
        mark(a_sessions[0], a[key])
    for index, p3_status in [(1, Attendance.Status.ABSENT), (2, Attendance.Status.APOLOGIES)]:
        mark(a_sessions[index], a["p1"])
        mark(a_sessions[index], a["p2"])
        mark(a_sessions[index], a["p3"], p3_status)

    # Run B: under way, two gaps ahead.
    run_b = run(riverside, venue, "Riverside autumn", patient, status=CourseRun.Status.OPEN)
    b1 = session(run_b, 1, weeks_from_today(-1), lay=lee, clinical=clare)
    session(run_b, 2, weeks_from_today(1), clinical=clare)
    session(run_b, 3, weeks_from_today(2))
    q1 = enrol(person("q1", "Q1", "Autumn"), run=run_b)
    q2 = enrol(person("q2", "Q2", "Autumn"), run=run_b)
    mark(b1, q1)
    mark(b1, q2, Attendance.Status.ABSENT)

    # Run C: professional workshop in three weeks.
    run_c = run(riverside, venue, "Partnership workshop", professional)
    session(run_c, 1, weeks_from_today(3), lay=lee, clinical=clare)
    enrol(person("r1", "R1", "Workshop"), run=run_c)

    # Run D: cancelled.
    run_d = run(
        riverside,
        venue,
        "Riverside cancelled",
        patient,
        status=CourseRun.Status.CANCELLED,
        cancelled_at=now,
    )
    session(run_d, 1, weeks_from_today(-2))
    enrol(person("x1", "X1", "Cancelled"), run=run_d)

    # E-learning.
    module, lessons = elearning_module(professional)
    e1 = enrol(
        person("e1", "E1", "Online"),
        module=module,
        site=riverside,
        status=Enrolment.Status.COMPLETED,
        enrolled_at=datetime(2025, 1, 15, 10, tzinfo=UTC),
        completed_at=datetime(2025, 1, 20, 10, tzinfo=UTC),
    )
    e2 = enrol(
        person("e2", "E2", "Online"),
        module=module,
        site=riverside,
        enrolled_at=datetime(2025, 2, 10, 10, tzinfo=UTC),
    )
    enrol(
        person("e3", "E3", "Online"),
        module=module,
        site=riverside,
        enrolled_at=datetime(2025, 2, 10, 11, tzinfo=UTC),
    )
    for lesson in lessons:
        LessonProgress.objects.create(enrolment=e1, lesson=lesson)
    LessonProgress.objects.create(enrolment=e2, lesson=lessons[0])

    # Hillside.
    run_h = run(hillside, hill_venue, "Hillside winter", patient, status=CourseRun.Status.OPEN)
    h_sessions = [session(run_h, n, weeks_from_today(n - 7), lay=hal) for n in (1, 2)]
    h1 = enrol(person("h1", "H1", "Hill"), run=run_h, status=Enrolment.Status.COMPLETED)
    h2 = enrol(person("h2", "H2", "Hill"), run=run_h)
    mark(h_sessions[0], h1)
    mark(h_sessions[0], h2)
    run_h2 = run(hillside, hill_venue, "Hillside next", patient)
    session(run_h2, 1, weeks_from_today(2), lay=hal)
    he1 = enrol(
        person("he1", "HE1", "Hill"),
        module=module,
        site=hillside,
        status=Enrolment.Status.COMPLETED,
        enrolled_at=datetime(2025, 3, 3, 10, tzinfo=UTC),
    )

    # After reflections.
    version = version_with_items(programme=patient)
    after_a = administration(version, Phase.AFTER, run_a, programme=patient)
    administration(version, Phase.BEFORE, run_a, programme=patient)
    after_module = administration(
        version_with_items(slug="professional-skills", programme=professional),
        Phase.AFTER,
        module,
        programme=professional,
    )
    after_response(p["p1"], after_a)
    after_response(p["p2"], after_a)
    after_response(e1.trainee, after_module)
    # p3 answered the module's survey, not the run's: it does not count for run A.
    after_response(p["p3"], after_module)
    after_h = administration(version, Phase.AFTER, run_h, programme=patient)
    after_response(h1.trainee, after_h)
    after_response(he1.trainee, after_module)

    return {
        "runs": {"a": run_a, "b": run_b, "c": run_c, "d": run_d, "h": run_h, "h2": run_h2},
        "module": module,
        "tutors": {"lee": lee, "clare": clare, "lou": lou, "hal": hal},
        "now": now,
    }


def build_and_work_out(riverside, hillside, programmes):
    """build(), then the dashboard's figures worked out for it (as the scheduled task would)."""
    built = build(riverside, hillside, programmes)
    figures_refresh()
    return built


def matched_group(site, programme, answers, version, run=None):
    """People on a run (a new one unless given) who answered both its reflections: `answers` is
    a list of (before, after) answers as in tests/assessments/matched_builders.py's SEVEN."""
    run = run or CourseRunFactory(site=site, programme=programme)
    before = administration(version, Phase.BEFORE, run, programme=programme)
    after = administration(version, Phase.AFTER, run, programme=programme)
    for before_answers, after_answers in answers:
        trainee = UserFactory()
        Enrolment.objects.create(trainee=trainee, run=run, site=site)
        answered_both(trainee, before, after, before_answers, after_answers)
    return run


def grow(site, programme, *, runs=3, people=6, start=0):
    """More of everything at `site`: finished runs with people, attendance and answers, more
    e-learning, more gaps and tutors. The dashboard's query count must not notice."""
    venue = VenueFactory(site=site)
    for index in range(runs):
        the_run = CourseRunFactory(site=site, venue=venue, programme=programme)
        sessions = [session(the_run, n, days_from_today(7 * (n - 12) - index)) for n in range(1, 8)]
        session(
            CourseRunFactory(site=site, venue=venue, programme=programme), 1, weeks_from_today(1)
        )
        for number in range(people):
            trainee = UserFactory()
            status = Enrolment.Status.COMPLETED if number % 2 else Enrolment.Status.BOOKED
            enrolment = enrol(trainee, run=the_run, status=status)
            for a_session in sessions[: number + 1]:
                mark(a_session, enrolment)
        TutorFactory(site=site, kind=TutorKind.CLINICAL)
