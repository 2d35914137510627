"""A run's phase follows its status, its dates and its places, worked out by the database."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.roles import Role
from courses.models import CourseRun, Enrolment
from tests.factories import CourseRunFactory, SessionFactory, UserFactory, days_from_today

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def run_with_sessions(programmes):
    """A run of the patient programme with a 10:00 to 13:00 session on each of `days` (days from
    today; negative: ago)."""

    def build(*days, status=CourseRun.Status.OPEN, capacity=2):
        run = CourseRunFactory(status=status, capacity=capacity, programme=programmes["patient"])
        for number, day in enumerate(days, start=1):
            start = days_from_today(day, at=time(10, 0))
            SessionFactory(
                run=run, number=number, starts_at=start, ends_at=start + timedelta(hours=3)
            )
        return run

    return build


def phase_of(run):
    return CourseRun.objects.with_dates().get(pk=run.pk).phase


def book(run, count):
    for _ in range(count):
        Enrolment.objects.create(
            trainee=UserFactory(roles=[Role.TRAINEE.value]), run=run, site=run.site
        )


def test_an_open_run_still_to_start_is_open_until_its_places_are_taken(run_with_sessions):
    run = run_with_sessions(7, 14)
    assert phase_of(run) == CourseRun.Phase.OPEN

    book(run, 2)

    assert phase_of(run) == CourseRun.Phase.FULL
    assert CourseRun.objects.with_dates().get(pk=run.pk).places_left == 0


def test_a_run_is_in_progress_from_its_first_session_and_finished_after_its_last(run_with_sessions):
    assert phase_of(run_with_sessions(-7, 7)) == CourseRun.Phase.IN_PROGRESS
    assert phase_of(run_with_sessions(-14, -7)) == CourseRun.Phase.FINISHED


def test_a_finished_run_is_never_open_for_booking_whatever_its_status_says(run_with_sessions):
    run = run_with_sessions(-21, -14)

    run = CourseRun.objects.with_dates().get(pk=run.pk)

    assert run.status == CourseRun.Status.OPEN
    assert run.phase_label == "Finished"
    assert not run.is_bookable


def test_cancelled_and_planning_runs_say_so_whatever_their_dates(run_with_sessions):
    assert phase_of(run_with_sessions(-7, 7, status=CourseRun.Status.CANCELLED)) == "cancelled"
    assert phase_of(run_with_sessions(7, 14, status=CourseRun.Status.PLANNING)) == "planning"


def test_runs_in_date_order_put_the_first_session_first_and_runs_without_sessions_last(
    run_with_sessions, programmes
):
    later = run_with_sessions(90)
    sooner = run_with_sessions(40)
    no_sessions = CourseRunFactory(programme=programmes["patient"])

    ordered = list(CourseRun.objects.with_dates().in_date_order())

    assert ordered == [sooner, later, no_sessions]


def test_dates_places_and_phase_take_one_query_however_many_runs(run_with_sessions):
    for _ in range(5):
        run_with_sessions(7, 14, 21)

    with CaptureQueriesContext(connection) as queries:
        runs = list(CourseRun.objects.with_dates())

    assert len(runs) == 5
    assert len(queries) == 1
    assert {run.session_count for run in runs} == {3}
