"""The last place on a run is safe when many people book at once (proven on PostgreSQL).

Twenty trainees, each on their own database connection, are released together by a barrier and
book a run with five places. With the run's row locked, exactly five are booked and fifteen wait,
in the order they reached the lock. The control switches the lock off (booking.LOCK_RUN_ROW) and
shows the run overbooked, so it is the lock, not luck, that keeps the count right. Both widen the
window between counting and saving with the same small pause (booking.after_count).
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from courses import errors
from courses.models import CourseRun, Enrolment
from courses.workshops import booking
from tests.factories import AGREED, UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are proven on PostgreSQL: run with DATABASE_URL=postgres://... (CI does)",
    ),
    # First come, first served is checked by the time each booking was made.
    pytest.mark.ticking_clock,
]
# Real transactions (each thread commits on its own connection). Each test ends by flushing the
# database; serialized_rollback puts back what the migrations made (Wagtail's root page).
RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PEOPLE = 20
PLACES = 5
PAUSE_SECONDS = 0.05
CONTROL_ATTEMPTS = 3


@pytest.fixture
def open_run(workshop):
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.capacity = PLACES
    run.minimum_group = 1
    run.save()
    return run


@pytest.fixture
def pause_after_count(monkeypatch):
    monkeypatch.setattr(booking, "after_count", lambda run: time.sleep(PAUSE_SECONDS))


def book_all_at_once(run, trainees):
    """Every trainee books in their own thread, released together. Returns the errors raised."""
    barrier = threading.Barrier(len(trainees))
    failures = []

    def book(trainee):
        try:
            barrier.wait(timeout=20)
            booking.run_book(trainee=trainee, run_id=run.pk, answers=AGREED)
        except Exception as error:  # noqa: BLE001 - reported by the test, whatever it is
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(trainee,)) for trainee in trainees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a booking never finished"
    return failures


def trainees(count):
    return [UserFactory(roles=["trainee"]) for _ in range(count)]


@RACE
def test_twenty_bookings_at_once_for_five_places_give_five_places_and_a_waiting_list_in_order(
    open_run, pause_after_count
):
    failures = book_all_at_once(open_run, trainees(PEOPLE))

    assert failures == []
    enrolments = list(Enrolment.objects.filter(run=open_run).order_by("enrolled_at", "pk"))
    statuses = [enrolment.status for enrolment in enrolments]
    assert statuses.count(Enrolment.Status.BOOKED) == PLACES
    assert statuses.count(Enrolment.Status.WAITLISTED) == PEOPLE - PLACES
    # First come, first served: everyone booked reached the lock before everyone waiting.
    assert statuses == [Enrolment.Status.BOOKED] * PLACES + [Enrolment.Status.WAITLISTED] * (
        PEOPLE - PLACES
    )
    waiting = [enrolment for enrolment in enrolments if enrolment.status == "waitlisted"]
    assert [booking.waiting_position(enrolment) for enrolment in waiting] == list(
        range(1, PEOPLE - PLACES + 1)
    )
    assert len({enrolment.enrolled_at for enrolment in enrolments}) == PEOPLE


@RACE
def test_control_without_the_lock_the_run_is_overbooked(open_run, pause_after_count, monkeypatch):
    monkeypatch.setattr(booking, "LOCK_RUN_ROW", False)

    booked_per_attempt = []
    for _ in range(CONTROL_ATTEMPTS):
        Enrolment.objects.filter(run=open_run).delete()
        assert book_all_at_once(open_run, trainees(PEOPLE)) == []
        booked_per_attempt.append(
            Enrolment.objects.filter(run=open_run, status=Enrolment.Status.BOOKED).count()
        )
        if booked_per_attempt[-1] > PLACES:
            break

    assert max(booked_per_attempt) > PLACES, (
        f"without the lock every attempt still booked at most {PLACES}: {booked_per_attempt}"
    )


@RACE
def test_a_booking_that_cannot_get_the_lock_in_time_is_refused_clearly(open_run, monkeypatch):
    monkeypatch.setattr(booking, "LOCK_TIMEOUT", "200ms")
    locked, release = threading.Event(), threading.Event()

    def hold_the_run():
        try:
            with transaction.atomic():
                CourseRun.objects.select_for_update().get(pk=open_run.pk)
                locked.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_run)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(booking.BookingError) as refusal:
            booking.run_book(
                trainee=UserFactory(roles=["trainee"]), run_id=open_run.pk, answers=AGREED
            )
    finally:
        release.set()
        holder.join(timeout=20)

    assert refusal.value.message == errors.BOOKING_BUSY
    assert not Enrolment.objects.filter(run=open_run).exists()
