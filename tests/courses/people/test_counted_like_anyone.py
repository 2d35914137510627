"""A phone-only person added and booked by staff is counted like anyone: on the register, given a
certificate when they complete (told by text, or not at all, never a crash) and in the
dashboard's figures."""

from datetime import time, timedelta

import pytest
from django.core import mail

from cms.models import ContactChannel
from courses.dashboard.figures import figures_refresh
from courses.models import Attendance, Certificate, CohortFigures, CourseRun, Enrolment, TutorKind
from courses.people.services import PersonDetails, person_add
from courses.workshops.booking import run_book
from courses.workshops.teaching import attendance_mark, register_for
from tests.factories import AGREED, TutorFactory, days_from_today

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_a_phone_only_person_booked_by_staff_is_on_the_register_certified_and_counted(
    workshop, people, client, django_capture_on_commit_callbacks
):
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.completion_sessions = 1
    run.save()
    person = person_add(
        site=workshop["site"],
        details=PersonDetails(
            first_name="Margaret",
            last_name="Hughes",
            audience="condition",
            mobile="07700 900123",
            contact_by=ContactChannel.TEXT,
        ),
        added_by=people["lead"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = run_book(
            trainee=person, run_id=run.pk, answers=AGREED, booked_by=people["lead"]
        )
    # The course has begun: its first session was yesterday morning.
    session = workshop["sessions"][0]
    session.starts_at = days_from_today(-1, at=time(10, 0))
    session.ends_at = session.starts_at + timedelta(hours=3)
    session.save()
    lay = TutorFactory(
        user=people["lay_tutor"],
        site=workshop["site"],
        kind=TutorKind.LAY,
        accredited_for=[run.programme],
    )
    session.lay_tutor = lay
    session.save()

    assert [line.trainee for line in register_for(session)] == [person]
    client.force_login(people["lay_tutor"])
    register = client.get(f"/teach/sessions/{session.pk}/register/").content.decode()
    assert "Margaret Hughes" in register and "None" not in register

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attendance_mark(
            session=session,
            marks={enrolment.pk: Attendance.Status.PRESENT},
            marked_by=people["lay_tutor"],
            unmarked_confirmed=True,
        )

    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert Certificate.objects.get(enrolment=enrolment).holder_name == "Margaret Hughes"
    assert mail.outbox == []  # no email address: nobody emailed, nothing broke

    figures_refresh()
    row = CohortFigures.objects.get(run=run)
    assert (row.enrolled, row.started, row.completed) == (1, 1, 1)

    client.force_login(people["lead"])
    page = client.get(f"/sites/riverside/runs/{run.pk}/").content.decode()
    assert "Margaret Hughes (completed)" in page
