"""My learning (/learn/): everything a trainee is doing or did, in sections, in a fixed number of
queries."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Response
from cms.templatetags.wording import deadline
from courses.elearning.selectors import my_learning, session_forms_for
from courses.models import Attendance, CourseRun, Enrolment
from courses.reflections.session_feedback import session_administrations_ensure
from courses.workshops.teaching import attendance_mark
from tests.courses.reflections import test_session_feedback
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

# The programme's one-minute form and tutors' debrief (fixtures of the session feedback tests).
questionnaires = test_session_feedback.questionnaires


def _run(site, programme, title, days, *, status=CourseRun.Status.OPEN, capacity=10):
    run = CourseRunFactory(
        site=site,
        venue=VenueFactory(site=site, name=f"{title} hall"),
        programme=programme,
        title=title,
        status=status,
        capacity=capacity,
        minimum_group=1,
        completion_sessions=2,
    )
    for number, day in enumerate(days, start=1):
        start = days_from_today(day, at=time(10, 0))
        SessionFactory(run=run, number=number, starts_at=start, ends_at=start + timedelta(hours=3))
    return run


def _enrol(run, trainee, status=Enrolment.Status.BOOKED, **extra):
    return Enrolment.objects.create(trainee=trainee, run=run, site=run.site, status=status, **extra)


@pytest.fixture
def everything(elearning, riverside, programmes, people):
    """One of each: e-learning in progress (the `elearning` fixture), a course in progress, one
    coming up, a waiting list (second in line), a course completed with its certificate, one
    finished after coming to 1 of 3 sessions, one a lead cancelled, one place the trainee
    cancelled."""
    trainee, patient = people["trainee"], programmes["patient"]
    now_run = _run(riverside, patient, "Now group", [-7, 7])
    _enrol(now_run, trainee)
    _enrol(_run(riverside, patient, "Coming group", [14, 21]), trainee)
    full = _run(riverside, patient, "Full group", [28, 35], capacity=1)
    _enrol(full, UserFactory())
    _enrol(
        full,
        UserFactory(),
        Enrolment.Status.WAITLISTED,
        enrolled_at=timezone.now() - timedelta(days=2),
    )
    _enrol(full, trainee, Enrolment.Status.WAITLISTED)
    done = _run(riverside, patient, "Done group", [-21, -14, -7])
    finished = _run(riverside, patient, "Missed group", [-22, -15, -8])
    for run, present in ((done, 3), (finished, 1)):
        enrolment = _enrol(run, trainee)
        for session in run.sessions.order_by("number")[:present]:
            attendance_mark(
                session=session,
                marks={enrolment.pk: Attendance.Status.PRESENT},
                marked_by=people["lay_tutor"],
            )
    _enrol(
        _run(riverside, patient, "Called off group", [30], status=CourseRun.Status.CANCELLED),
        trainee,
    )
    _enrol(
        _run(riverside, patient, "Left group", [40]),
        trainee,
        Enrolment.Status.WITHDRAWN,
        withdrawn_at=timezone.now(),
    )
    return {"now_run": now_run}


def _titles(rows):
    return [row.course.title if row.run_id else row.module.title for row in rows]


def test_each_enrolment_is_in_its_section(everything, people):
    sections = my_learning(people["trainee"])

    assert _titles(sections["now"]) == ["Now group", "Preparing for partnership"]
    assert _titles(sections["coming_up"]) == ["Coming group"]
    assert _titles(sections["waiting"]) == ["Full group"]
    assert sections["waiting"][0].position == 2
    assert _titles(sections["finished"]) == ["Done group", "Missed group"]
    done = sections["finished"][0]
    assert done.status == Enrolment.Status.COMPLETED and done.certificate.is_valid
    assert sections["finished"][1].attended == 1
    assert sorted(_titles(sections["cancelled"])) == ["Called off group", "Left group"]


def test_the_page_says_what_happened_in_words(client, everything, people):
    client.force_login(people["trainee"])

    text = client.get("/learn/").text

    for heading in ("Now", "Coming up", "Waiting list", "Finished", "Cancelled"):
        assert f'<h2 class="nhsuk-heading-m">{heading}</h2>' in text
    assert "You are number 2 on the waiting list" in text
    waiting = text[text.index(">Waiting list</h2>") : text.index(">Finished</h2>")]
    assert "Next session" not in waiting
    assert "You came to 1 of 3 sessions" in text
    assert "View your certificate" in text
    assert "The organisers cancelled this course" in text
    assert "You cancelled your place" in text
    first = everything["now_run"].sessions.order_by("number").last().starts_at
    assert f"Next session: {timezone.localtime(first):%A} {timezone.localtime(first).day}" in text
    assert ", 10:00 to 13:00" in text


def test_my_learning_takes_the_same_queries_however_many_enrolments(
    client, everything, riverside, programmes, people
):
    client.force_login(people["trainee"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/learn/").status_code == 200
        return len(queries)

    before = count()
    for n in range(4):
        _enrol(
            _run(riverside, programmes["patient"], f"More {n}", [-3 + n * 5, 10 + n]),
            people["trainee"],
        )
    assert count() == before


# --- feedback after sessions ------------------------------------------------------------------


def _feedback_forms(run):
    """Each ended session's feedback form (and debrief), as the scheduler makes them."""
    made = {}
    for session in run.sessions.filter(ends_at__lte=timezone.now()).order_by("number"):
        feedback, _debrief = session_administrations_ensure(session=session)
        made[session.number] = feedback
    return made


@pytest.fixture
def taught(riverside, programmes, people, questionnaires):
    """A course whose sessions 1 and 2 were two days ago and yesterday (10:00 to 13:00), with
    session 3 next week; the trainee is booked on it."""
    run = _run(riverside, programmes["patient"], "Autumn group", [-2, -1, 6])
    enrolment = _enrol(run, people["trainee"])
    return {"run": run, "enrolment": enrolment, "forms": _feedback_forms(run)}


def test_the_open_session_forms_are_listed_with_their_session_and_closing_day(taught, people):
    forms = session_forms_for(people["trainee"])

    # Session 1's closes a day before session 2's, so it comes first.
    assert [(form.session_number, form.course) for form in forms] == [
        (1, "Moving on Together"),
        (2, "Moving on Together"),
    ]
    assert [form.administration_id for form in forms] == [
        taught["forms"][1].pk,
        taught["forms"][2].pk,
    ]
    first_session = taught["run"].sessions.get(number=1)
    assert forms[0].session_starts_at == first_session.starts_at
    # Open to the end of the day three days after the session.
    last_day = timezone.localdate(first_session.ends_at) + timedelta(days=3)
    assert timezone.localtime(forms[0].closes_at).date() == last_day + timedelta(days=1)
    assert not forms[0].started


def test_a_form_sent_is_no_longer_to_do_and_a_draft_is_started(taught, people):
    trainee = people["trainee"]
    Response.objects.create(
        administration=taught["forms"][1],
        respondent=trainee,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    Response.objects.create(administration=taught["forms"][2], respondent=trainee)

    forms = session_forms_for(trainee)

    assert [(form.session_number, form.started) for form in forms] == [(2, True)]


@pytest.mark.parametrize("status", [Attendance.Status.ABSENT, Attendance.Status.APOLOGIES])
def test_a_session_the_trainee_missed_asks_nothing(taught, people, status):
    missed = taught["run"].sessions.get(number=2)
    Attendance.objects.create(session=missed, enrolment=taught["enrolment"], status=status)

    assert [form.session_number for form in session_forms_for(people["trainee"])] == [1]


@pytest.mark.parametrize(
    "change",
    ["waiting", "withdrawn", "cancelled", "someone else"],
)
def test_only_the_courses_people_are_on_are_asked(taught, people, change):
    enrolment, run = taught["enrolment"], taught["run"]
    if change == "waiting":
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.WAITLISTED)
    elif change == "withdrawn":
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.WITHDRAWN)
    elif change == "cancelled":
        CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.CANCELLED)

    person = UserFactory() if change == "someone else" else people["trainee"]
    assert session_forms_for(person) == []


def test_a_form_closed_is_not_listed(riverside, programmes, people, questionnaires):
    # Ended five days ago: its form closed at the end of the day before yesterday.
    run = _run(riverside, programmes["patient"], "Old group", [-5])
    _enrol(run, people["trainee"])
    for session in run.sessions.all():
        session_administrations_ensure(session=session)

    assert session_forms_for(people["trainee"]) == []


def test_my_learning_lists_the_forms_with_a_link_and_leaves_the_reflections_alone(
    client, taught, people
):
    client.force_login(people["trainee"])
    Response.objects.create(administration=taught["forms"][2], respondent=people["trainee"])

    text = client.get("/learn/").text

    section = text[text.index('id="session-feedback-due"') :]
    section = section[: section.index("</ul>")]
    first = timezone.localtime(taught["run"].sessions.get(number=1).starts_at)
    assert f"Session 1 of Moving on Together, {first:%A} {first.day} {first:%B}</strong>" in section
    assert f'href="/reflections/{taught["forms"][1].pk}/"' in section
    closes = session_forms_for(people["trainee"])[0].closes_at
    assert f"Please answer by {deadline(closes)}." in section
    assert "Started" in section  # the draft of session 2's
    # A started session form is not also listed as a reflection of the course.
    assert 'id="reflections-due"' not in text


def test_my_learning_takes_the_same_queries_however_many_session_forms(
    client, taught, riverside, programmes, people
):
    client.force_login(people["trainee"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            text = client.get("/learn/").text
        return len(queries), text.count("of Moving on Together, ")

    before, listed = count()
    for n in range(3):
        run = _run(riverside, programmes["patient"], f"Extra {n}", [-3, -2, -1])
        _enrol(run, people["trainee"])
        _feedback_forms(run)

    assert count() == (before, listed + 9)
