"""My learning (/learn/): everything a trainee is doing or did, in sections, in a fixed number of
queries."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.elearning.selectors import my_learning
from courses.models import Attendance, CourseRun, Enrolment
from courses.workshops.teaching import attendance_mark
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


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
