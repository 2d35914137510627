"""Course delivery's part of erasure (courses/privacy/erasure.py): bookings to come are withdrawn
through the booking service so the waiting list moves; a tutor with sessions to come is refused
with the sessions named; a tutor with only past sessions stays in the history, without a name."""

import pytest

from cms.privacy.erasure import ERASED_NAME, ErasureRefused, person_erase
from courses.models import (
    CourseRun,
    Enrolment,
    PlaceOffer,
    Session,
    Tutor,
    WeeklyAvailability,
)
from tests.factories import UserFactory


@pytest.fixture
def full_run(workshop):
    run = workshop["run"]
    run.capacity = 1
    run.status = CourseRun.Status.OPEN
    run.save()
    booked = Enrolment.objects.create(trainee=UserFactory(), run=run, site=run.site)
    waiting = Enrolment.objects.create(
        trainee=UserFactory(), run=run, site=run.site, status=Enrolment.Status.WAITLISTED
    )
    return run, booked, waiting


def test_a_booking_to_come_is_withdrawn_and_the_place_offered(full_run):
    run, booked, waiting = full_run
    booked.access_needs = ["wheelchair"]
    booked.save()

    record = person_erase(person=booked.trainee, erased_by=None, reason="Written request.")

    booked.refresh_from_db()
    waiting.refresh_from_db()
    assert booked.status == Enrolment.Status.WITHDRAWN
    assert booked.access_needs == []
    # Offered, not handed over (courses.workshops.offers).
    assert waiting.status == Enrolment.Status.WAITLISTED
    assert waiting.offers.get().status == PlaceOffer.Status.OPEN
    assert record.counts["bookings withdrawn"] == 1


def test_a_place_on_the_waiting_list_is_withdrawn(full_run):
    run, booked, waiting = full_run
    person_erase(person=waiting.trainee, erased_by=None, reason="Written request.")
    waiting.refresh_from_db()
    booked.refresh_from_db()
    assert waiting.status == Enrolment.Status.WITHDRAWN
    assert booked.status == Enrolment.Status.BOOKED


def test_a_tutor_with_sessions_to_come_is_refused_with_the_sessions_named(workshop):
    tutor = workshop["lay"]
    Session.objects.filter(pk=workshop["sessions"][0].pk).update(lay_tutor=tutor)

    with pytest.raises(ErasureRefused) as refused:
        person_erase(person=tutor.user, erased_by=None, reason="Written request.")

    (reason,) = refused.value.reasons
    assert reason.startswith(
        "This person is the tutor of 1 session to come: Spring group session 1"
    )
    assert "give these sessions to another tutor first" in reason
    tutor.user.refresh_from_db()
    assert tutor.user.is_active and tutor.user.first_name != ERASED_NAME


def test_a_tutor_of_past_sessions_only_is_kept_in_the_history_without_a_name(workshop):
    tutor = workshop["lay"]
    person_erase(person=tutor.user, erased_by=None, reason="Written request.")
    tutor = Tutor.objects.get(pk=tutor.pk)
    assert tutor.name == ERASED_NAME
    assert not tutor.is_active
    assert not WeeklyAvailability.objects.filter(tutor=tutor).exists()
