"""Staff booking a person, moving them to another run of the same course and taking them off:
the same rules as a person booking themselves, who did it, and the person told once by their
channel."""

from datetime import timedelta

import pytest
from django.core import mail

from cms.models import ContactChannel
from courses import errors
from courses.models import CourseRun, Enrolment, GroupException, Letter, PlaceOffer
from courses.people.services import PersonDetails, person_add
from courses.workshops import booking
from courses.workshops.booking import BookingAnswers, BookingError, booking_move, run_book
from tests.factories import (
    AGREED,
    CourseRunFactory,
    SessionFactory,
    UserFactory,
    next_weekday,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def _open(run, *, capacity=2):
    run.status = CourseRun.Status.OPEN
    run.capacity = capacity
    run.save()
    return run


@pytest.fixture
def runs(workshop):
    """The workshop's Spring group (Tuesdays from next week) and a Summer group of the same
    course at the same site (Tuesdays from 8 weeks ahead), both open with 2 places."""
    spring = _open(workshop["run"])
    summer = _open(
        CourseRunFactory(
            site=workshop["site"],
            venue=workshop["venue"],
            programme=workshop["programme"],
            title="Summer group",
        )
    )
    for number in (1, 2):
        SessionFactory(run=summer, number=number, starts_at=next_weekday(1, weeks_ahead=7 + number))
    return {"spring": spring, "summer": summer}


@pytest.fixture
def phone_person(riverside, people):
    return person_add(
        site=riverside,
        details=PersonDetails(
            first_name="Margaret",
            last_name="Hughes",
            audience="condition",
            mobile="07700 900123",
            contact_by=ContactChannel.TEXT,
        ),
        added_by=people["lead"],
    )


@pytest.fixture
def texts(monkeypatch):
    sent = []
    monkeypatch.setattr("courses.common.channels.send_text", lambda **kwargs: sent.append(kwargs))
    return sent


def test_staff_booking_records_who_booked_and_applies_the_same_rules(runs, phone_person, people):
    enrolment = run_book(
        trainee=phone_person, run_id=runs["spring"].pk, answers=AGREED, booked_by=people["lead"]
    )

    assert (enrolment.status, enrolment.booked_by) == (Enrolment.Status.BOOKED, people["lead"])
    with pytest.raises(BookingError) as refused:
        run_book(
            trainee=phone_person,
            run_id=runs["spring"].pk,
            answers=AGREED,
            booked_by=people["lead"],
        )
    assert refused.value.message == errors.ALREADY_BOOKED


def test_staff_booking_refuses_a_course_for_the_other_group_without_an_exception(
    workshop, programmes, phone_person, people
):
    run = _open(
        CourseRunFactory(
            site=workshop["site"], venue=workshop["venue"], programme=programmes["professional"]
        )
    )
    SessionFactory(run=run, number=1)

    with pytest.raises(BookingError) as refused:
        run_book(trainee=phone_person, run_id=run.pk, answers=AGREED, booked_by=people["lead"])

    assert "people who work in health or care" in refused.value.message
    GroupException.objects.create(
        run=run, trainee=phone_person, reason="Asked", decided_by=people["lead"]
    )
    assert (
        run_book(
            trainee=phone_person, run_id=run.pk, answers=AGREED, booked_by=people["lead"]
        ).booked_by
        == people["lead"]
    )


def test_staff_booking_refuses_without_the_terms_read_to_them(runs, phone_person, people):
    with pytest.raises(BookingError) as refused:
        run_book(
            trainee=phone_person,
            run_id=runs["spring"].pk,
            answers=BookingAnswers(agreed_to_terms=False),
            booked_by=people["lead"],
        )
    assert refused.value.message == errors.TERMS_NOT_AGREED
    assert not Enrolment.objects.exists()


def test_a_move_offers_the_old_place_to_the_first_waiting_and_tells_the_person_once_by_text(
    runs, phone_person, people, texts, django_capture_on_commit_callbacks
):
    spring, summer = runs["spring"], runs["summer"]
    old = run_book(
        trainee=phone_person,
        run_id=spring.pk,
        answers=BookingAnswers(agreed_to_terms=True, access_needs=["hearing_loop"]),
        booked_by=people["lead"],
    )
    run_book(trainee=UserFactory(), run_id=spring.pk, answers=AGREED)
    waiting = run_book(trainee=UserFactory(), run_id=spring.pk, answers=AGREED)
    assert waiting.status == Enrolment.Status.WAITLISTED
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        moved = booking_move(enrolment=old, to_run_id=summer.pk, moved_by=people["site_admin"])

    old.refresh_from_db()
    waiting.refresh_from_db()
    assert (old.status, old.withdrawn_by) == (Enrolment.Status.WITHDRAWN, people["site_admin"])
    assert (moved.run, moved.status, moved.booked_by) == (
        summer,
        Enrolment.Status.BOOKED,
        people["site_admin"],
    )
    assert moved.access_needs == ["hearing_loop"]
    # The freed place is offered to the first person waiting (courses.workshops.offers).
    assert waiting.status == Enrolment.Status.WAITLISTED
    assert PlaceOffer.objects.get(status=PlaceOffer.Status.OPEN).enrolment == waiting
    assert len(texts) == 1
    assert texts[0]["to"] == "+447700900123"
    assert "Summer group" in texts[0]["body"] and "Spring group" in texts[0]["body"]
    assert len(texts[0]["body"]) < 300
    # The person offered the place is emailed; the moved person is not emailed at all.
    assert [message.to for message in mail.outbox] == [[waiting.trainee.email]]


def test_a_move_to_a_full_run_joins_its_waiting_list_and_a_letter_says_so(
    runs, riverside, people, django_capture_on_commit_callbacks
):
    person = person_add(
        site=riverside,
        details=PersonDetails(
            first_name="Ann",
            last_name="Lee",
            audience="condition",
            postal_address="1 High Street\nRiverton RV1 1AA",
            contact_by=ContactChannel.LETTER,
        ),
        added_by=people["lead"],
    )
    summer = runs["summer"]
    summer.capacity = 1
    summer.save()
    run_book(trainee=UserFactory(), run_id=summer.pk, answers=AGREED)
    old = run_book(trainee=person, run_id=runs["spring"].pk, answers=AGREED)

    with django_capture_on_commit_callbacks(execute=True):
        moved = booking_move(enrolment=old, to_run_id=summer.pk, moved_by=people["lead"])

    assert moved.status == Enrolment.Status.WAITLISTED
    letter = Letter.objects.get(person=person)
    assert letter.subject == "You have been moved to the waiting list for Summer group"
    assert "number 1 on the list" in letter.body
    assert letter.site == riverside


def test_a_move_is_refused_to_the_same_run_or_another_course(
    runs, workshop, programmes, phone_person, people
):
    old = run_book(trainee=phone_person, run_id=runs["spring"].pk, answers=AGREED)
    other = _open(
        CourseRunFactory(
            site=workshop["site"], venue=workshop["venue"], programme=programmes["professional"]
        )
    )
    SessionFactory(run=other, number=9)

    for to_run, message in [
        (runs["spring"], errors.MOVE_SAME_RUN),
        (other, errors.MOVE_OTHER_PROGRAMME),
    ]:
        with pytest.raises(BookingError) as refused:
            booking_move(enrolment=old, to_run_id=to_run.pk, moved_by=people["lead"])
        assert refused.value.message == message
    old.refresh_from_db()
    assert old.status == Enrolment.Status.BOOKED
    assert Enrolment.objects.filter(trainee=phone_person).count() == 1


def test_a_move_is_refused_by_the_new_runs_own_rules(runs, phone_person, people):
    old = run_book(trainee=phone_person, run_id=runs["spring"].pk, answers=AGREED)
    summer = runs["summer"]

    summer.status = CourseRun.Status.PLANNING
    summer.save()
    with pytest.raises(BookingError) as refused:
        booking_move(enrolment=old, to_run_id=summer.pk, moved_by=people["lead"])
    assert refused.value.message == errors.RUN_NOT_OPEN

    summer.status = CourseRun.Status.OPEN
    summer.save()
    started = summer.sessions.order_by("starts_at").first()
    started.starts_at = started.starts_at - timedelta(weeks=20)
    started.ends_at = started.starts_at + timedelta(hours=3)
    started.save()
    with pytest.raises(BookingError) as refused:
        booking_move(enrolment=old, to_run_id=summer.pk, moved_by=people["lead"])
    assert refused.value.message.startswith("Booking has closed for this course")
    old.refresh_from_db()
    assert old.status == Enrolment.Status.BOOKED


def test_a_move_ignores_the_run_being_left_but_not_another_overlapping_one(
    runs, workshop, phone_person, people
):
    spring = runs["spring"]
    # Same dates as Spring group: only the run being left overlaps, so the move is allowed.
    twin = _open(
        CourseRunFactory(
            site=workshop["site"],
            venue=workshop["venue"],
            programme=workshop["programme"],
            title="Spring twin",
        )
    )
    for session in spring.sessions.all():
        SessionFactory(
            run=twin, number=session.number, starts_at=session.starts_at, ends_at=session.ends_at
        )
    old = run_book(trainee=phone_person, run_id=spring.pk, answers=AGREED)

    moved = booking_move(enrolment=old, to_run_id=twin.pk, moved_by=people["lead"])
    assert moved.run == twin

    with pytest.raises(BookingError) as refused:
        run_book(trainee=phone_person, run_id=spring.pk, answers=AGREED)
    assert "Spring twin" in refused.value.message


def test_a_move_of_a_withdrawn_or_completed_booking_is_refused(runs, phone_person, people):
    old = run_book(trainee=phone_person, run_id=runs["spring"].pk, answers=AGREED)
    booking.booking_withdraw(enrolment=old, withdrawn_by=people["lead"])

    with pytest.raises(BookingError) as refused:
        booking_move(enrolment=old, to_run_id=runs["summer"].pk, moved_by=people["lead"])
    assert refused.value.message == errors.MOVE_NOT_BOOKED

    Enrolment.objects.filter(pk=old.pk).update(status=Enrolment.Status.COMPLETED)
    with pytest.raises(BookingError) as refused:
        booking_move(enrolment=old, to_run_id=runs["summer"].pk, moved_by=people["lead"])
    assert refused.value.message == errors.ALREADY_COMPLETED


def test_taking_off_records_who_did_it_and_booking_again_clears_it(runs, phone_person, people):
    old = run_book(trainee=phone_person, run_id=runs["spring"].pk, answers=AGREED)

    booking.booking_withdraw(enrolment=old, withdrawn_by=people["lead"])
    old.refresh_from_db()
    assert (old.status, old.withdrawn_by) == (Enrolment.Status.WITHDRAWN, people["lead"])

    again = run_book(trainee=phone_person, run_id=runs["spring"].pk, answers=AGREED)
    assert (again.pk, again.withdrawn_by, again.booked_by) == (old.pk, None, None)
