"""The last place offered to everyone waiting is safe when they accept at once (PostgreSQL).

In the last day before a course starts, a freed place is offered to everyone waiting and the
first to accept takes it (courses.workshops.offers). Here two people, each on their own database
connection, are released together by a barrier and accept their offers of the run's one free
place. With the run's row locked, exactly one is booked and the other is refused because the
place has been taken. The control switches the lock off (booking.LOCK_RUN_ROW) and shows both
booked, the run over its capacity: it is the lock, not luck, that keeps the count right. Both
widen the window between reading the offer and saving with the same pause (booking.after_count).
Modelled on test_booking_race.py.
"""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from courses import errors
from courses.models import CourseRun, Enrolment, PlaceOffer
from courses.workshops import booking, offers
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks are proven on PostgreSQL: run with DATABASE_URL=postgres://... (CI does)",
    ),
    pytest.mark.ticking_clock,
]
RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAUSE_SECONDS = 0.2
CONTROL_ATTEMPTS = 3


@pytest.fixture
def last_place(workshop):
    """A run of 2 places: 1 booked, 1 freed and offered to the 2 people waiting at once."""
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.capacity = 2
    run.minimum_group = 1
    run.save()

    def offer_to_all():
        Enrolment.objects.filter(run=run).delete()
        Enrolment.objects.create(trainee=UserFactory(roles=["trainee"]), run=run, site=run.site)
        place = uuid.uuid4()
        made = []
        for _ in range(2):
            waiting = Enrolment.objects.create(
                trainee=UserFactory(roles=["trainee"]),
                run=run,
                site=run.site,
                status=Enrolment.Status.WAITLISTED,
            )
            made.append(
                PlaceOffer.objects.create(
                    run=run,
                    enrolment=waiting,
                    place=place,
                    to_all=True,
                    expires_at=timezone.now() + timedelta(hours=1),
                )
            )
        assert booking.places_taken(run) == 2
        return made

    return run, offer_to_all


@pytest.fixture
def pause_after_count(monkeypatch):
    monkeypatch.setattr(booking, "after_count", lambda run: time.sleep(PAUSE_SECONDS))


def accept_all_at_once(made):
    """Each offer is accepted in its own thread, released together. Returns the errors raised."""
    barrier = threading.Barrier(len(made))
    failures = []

    def accept(offer):
        try:
            barrier.wait(timeout=20)
            offers.offer_accept(offer_id=offer.pk)
        except Exception as error:  # noqa: BLE001 - reported by the test, whatever it is
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(offer,)) for offer in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an answer never finished"
    return failures


def booked(run):
    return Enrolment.objects.filter(run=run, status=Enrolment.Status.BOOKED).count()


@RACE
def test_two_people_accepting_the_last_place_at_once_give_one_booking(
    last_place, pause_after_count
):
    run, offer_to_all = last_place
    made = offer_to_all()

    failures = accept_all_at_once(made)

    assert booked(run) == run.capacity
    (refusal,) = failures
    assert isinstance(refusal, offers.OfferError)
    assert refusal.message == errors.OFFER_TAKEN.format(position=1)
    statuses = sorted(PlaceOffer.objects.filter(run=run).values_list("status", flat=True))
    assert statuses == ["accepted", "taken"]
    assert Enrolment.objects.filter(run=run, status=Enrolment.Status.WAITLISTED).count() == 1


@RACE
def test_control_without_the_lock_both_are_booked(last_place, pause_after_count, monkeypatch):
    run, offer_to_all = last_place
    monkeypatch.setattr(booking, "LOCK_RUN_ROW", False)

    booked_per_attempt = []
    for _ in range(CONTROL_ATTEMPTS):
        made = offer_to_all()
        assert accept_all_at_once(made) == []
        booked_per_attempt.append(booked(run))
        if booked_per_attempt[-1] > run.capacity:
            break

    assert max(booked_per_attempt) > run.capacity, (
        f"without the lock every attempt still booked at most {run.capacity}: {booked_per_attempt}"
    )
