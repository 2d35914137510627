"""The rules a booking keeps beyond places: courses are for one group (unless a lead makes an
exception), no two overlapping runs, the booking terms agreed, and the booking questions kept
for the run's tutors and leads and changeable until the course starts."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from cms.models import Audience
from cms.roles import Role
from courses import errors
from courses.common import wording
from courses.models import CourseRun, Enrolment, GroupException
from courses.workshops import booking
from courses.workshops.booking import BookingAnswers, BookingError, run_book
from tests.factories import (
    AGREED,
    CourseRunFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

TERMS = {"agreed_to_terms": "on"}


def person(audience=Audience.CONDITION, **fields):
    return UserFactory(roles=[Role.TRAINEE.value], audience=audience, **fields)


@pytest.fixture
def open_run(riverside, programmes):
    """Builds open runs at Riverside with a 10:00 session on each of `days` (days from today)."""

    def build(*days, programme="patient", title=None, capacity=10):
        run = CourseRunFactory(
            site=riverside,
            venue=VenueFactory(site=riverside),
            programme=programmes[programme],
            status=CourseRun.Status.OPEN,
            opened_at=timezone.now(),
            capacity=capacity,
            **({"title": title} if title else {}),
        )
        for number, day in enumerate(days, start=1):
            start = days_from_today(day, at=time(10, 0))
            SessionFactory(
                run=run, number=number, starts_at=start, ends_at=start + timedelta(hours=3)
            )
        return run

    return build


def book(trainee, run, answers=AGREED):
    return run_book(trainee=trainee, run_id=run.pk, answers=answers)


# --- who a course is for ---------------------------------------------------------------------


def test_a_patient_course_is_refused_to_a_professional_with_who_it_is_for(open_run):
    run = open_run(7, 14, title="Moving on Together, Riverside")

    with pytest.raises(BookingError) as refused:
        book(person(Audience.PROFESSIONAL), run)

    assert refused.value.message == errors.NOT_YOUR_GROUP.format(
        course="Moving on Together, Riverside",
        group="people living with a long-term condition",
        you="you work in health or care",
    )
    assert not Enrolment.objects.exists()


def test_a_professional_course_and_its_waiting_list_are_refused_to_a_patient(open_run):
    run = open_run(7, programme="professional", capacity=1)
    book(person(Audience.PROFESSIONAL), run)

    with pytest.raises(BookingError) as refused:
        book(person(Audience.CONDITION), run)

    assert "people who work in health or care" in refused.value.message
    assert Enrolment.objects.filter(status=Enrolment.Status.WAITLISTED).count() == 0


def test_someone_in_both_groups_may_book_either(open_run):
    both = person(Audience.BOTH)

    assert book(both, open_run(7)).status == Enrolment.Status.BOOKED
    assert book(both, open_run(30, programme="professional")).status == Enrolment.Status.BOOKED


def test_someone_who_has_not_said_who_they_are_is_asked_to_say_first(open_run):
    with pytest.raises(BookingError) as refused:
        book(person(audience=""), open_run(7))

    assert refused.value.message == errors.SAY_WHO_YOU_ARE


def test_a_leads_exception_lets_one_person_from_the_other_group_book(open_run, people):
    run = open_run(7)
    carer = person(Audience.PROFESSIONAL, email="carer@example.com")
    other = person(Audience.PROFESSIONAL)

    exception = booking.group_exception_create(
        run=run,
        address="Carer@Example.com ",
        reason="Supports her husband",
        decided_by=people["lead"],
    )

    assert (exception.trainee, exception.decided_by) == (carer, people["lead"])
    assert exception.reason == "Supports her husband"
    assert book(carer, run).status == Enrolment.Status.BOOKED
    with pytest.raises(BookingError):
        book(other, run)


def test_an_exception_finds_someone_added_by_phone_by_their_mobile(open_run, people):
    run = open_run(7)
    carer = person(Audience.PROFESSIONAL, email=None, verified=False, mobile="+447700900456")

    exception = booking.group_exception_create(
        run=run, address="07700 900456", reason="Supports her husband", decided_by=people["lead"]
    )

    assert exception.trainee == carer
    assert book(carer, run).status == Enrolment.Status.BOOKED


@pytest.mark.parametrize(
    "email, reason, message",
    [
        ("carer@example.com", "  ", errors.EXCEPTION_REASON_REQUIRED),
        (
            "nobody@example.com",
            "A reason",
            errors.EXCEPTION_NO_SUCH_PERSON.format(address="nobody@example.com"),
        ),
        ("patient@example.com", "A reason", errors.EXCEPTION_NOT_NEEDED.format(name="Pat Patient")),
        ("carer@example.com", "Two\nlines", None),
        ("07700", "A reason", errors.EXCEPTION_NO_SUCH_PERSON.format(address="07700")),
    ],
)
def test_an_exception_needs_a_reason_and_someone_from_the_other_group(
    open_run, people, email, reason, message
):
    person(Audience.PROFESSIONAL, email="carer@example.com")
    person(Audience.CONDITION, email="patient@example.com", first_name="Pat", last_name="Patient")

    with pytest.raises(BookingError) as refused:
        booking.group_exception_create(
            run=open_run(7), address=email, reason=reason, decided_by=people["lead"]
        )

    if message:
        assert refused.value.message == message
    assert not GroupException.objects.exists()


# --- overlapping runs --------------------------------------------------------------------------


def test_a_run_that_overlaps_one_the_person_holds_is_refused_naming_it(open_run):
    first = open_run(7, 14, 21, title="Moving on Together, Tuesdays")
    overlapping = open_run(10, 17, 24, title="Moving on Together, Fridays")
    trainee = person()
    book(trainee, first)

    with pytest.raises(BookingError) as refused:
        book(trainee, overlapping)

    sessions = list(first.sessions.order_by("starts_at"))
    assert refused.value.message == errors.OVERLAPS.format(
        other="Moving on Together, Tuesdays",
        dates=wording.date_span(sessions[0].starts_at, sessions[-1].ends_at),
        held="booked on",
    )
    assert Enrolment.objects.filter(trainee=trainee).count() == 1


def test_waiting_for_a_place_also_counts_as_holding_the_dates(open_run):
    full = open_run(7, 14, capacity=1)
    book(person(), full)
    trainee = person()
    book(trainee, full)  # waiting

    with pytest.raises(BookingError) as refused:
        book(trainee, open_run(8, 15))

    assert "which you are waiting for" in refused.value.message


def test_runs_that_do_not_overlap_or_were_left_do_not_stop_a_booking(open_run):
    trainee = person()
    earlier = open_run(7, 14)
    book(trainee, earlier)
    left = open_run(20, 27)
    booking.booking_withdraw(enrolment=book(trainee, left))
    cancelled = open_run(40, 47)
    book(trainee, cancelled)
    CourseRun.objects.filter(pk=cancelled.pk).update(status=CourseRun.Status.CANCELLED)

    assert book(trainee, open_run(15, 22)).status == Enrolment.Status.BOOKED
    assert book(trainee, open_run(41, 48)).status == Enrolment.Status.BOOKED


# --- the booking questions ---------------------------------------------------------------------


def test_booking_needs_the_terms_agreed(open_run):
    with pytest.raises(BookingError) as refused:
        book(person(), open_run(7), BookingAnswers(agreed_to_terms=False))

    assert refused.value.message == errors.TERMS_NOT_AGREED
    assert not Enrolment.objects.exists()


def test_the_answers_are_kept_with_the_booking(open_run):
    answers = BookingAnswers(
        agreed_to_terms=True,
        access_needs=("hearing_loop", "companion"),
        adjustments="  I need a break every hour. ",
    )

    enrolment = book(person(), open_run(7), answers)

    enrolment.refresh_from_db()
    assert enrolment.access_needs == ["hearing_loop", "companion"]
    assert enrolment.adjustments == "I need a break every hour."
    assert enrolment.terms_agreed_at == enrolment.enrolled_at
    assert enrolment.access_need_labels == [
        "I need a hearing loop",
        "Someone is coming with me (a carer or supporter)",
    ]


@pytest.mark.parametrize(
    "needs, adjustments, message",
    [
        (("teleport",), "", errors.ACCESS_NEED_UNKNOWN),
        ((), "x" * 1001, None),
        ((), "Ring me\x07", None),
    ],
)
def test_answers_that_cannot_be_kept_refuse_the_booking(open_run, needs, adjustments, message):
    answers = BookingAnswers(agreed_to_terms=True, access_needs=needs, adjustments=adjustments)

    with pytest.raises(BookingError) as refused:
        book(person(), open_run(7), answers)

    if message:
        assert refused.value.message == message
    assert not Enrolment.objects.exists()


def test_answers_can_be_changed_until_the_course_starts(open_run):
    run = open_run(7)
    enrolment = book(person(), run)

    booking.booking_answers_update(
        enrolment=enrolment,
        answers=BookingAnswers(agreed_to_terms=False, access_needs=("wheelchair",)),
    )

    enrolment.refresh_from_db()
    assert enrolment.access_needs == ["wheelchair"]
    run.sessions.update(
        starts_at=days_from_today(-1, at=time(10, 0)), ends_at=days_from_today(-1, at=time(13, 0))
    )
    with pytest.raises(BookingError) as refused:
        booking.booking_answers_update(enrolment=enrolment, answers=AGREED)
    assert refused.value.message == errors.ANSWERS_CLOSED
    enrolment.refresh_from_db()
    assert enrolment.access_needs == ["wheelchair"]


def test_answers_of_a_place_given_up_cannot_be_changed(open_run):
    enrolment = book(person(), open_run(7))
    booking.booking_withdraw(enrolment=enrolment)

    with pytest.raises(BookingError) as refused:
        booking.booking_answers_update(
            enrolment=enrolment,
            answers=BookingAnswers(agreed_to_terms=False, access_needs=("wheelchair",)),
        )

    assert refused.value.message == errors.ANSWERS_NOT_BOOKED
    enrolment.refresh_from_db()
    assert enrolment.access_needs == []


# --- the pages ---------------------------------------------------------------------------------


def test_the_booking_page_asks_the_questions_and_shows_the_sites_terms(client, open_run):
    run = open_run(7)
    run.site.booking_terms = "Tell us if you cannot come."
    run.site.save()
    client.force_login(person())

    page = client.get(f"/courses/{run.pk}/book/").text

    assert "Do you need anything to take part?" in page
    assert "I use a wheelchair" in page
    assert "Tell us if you cannot come." in page
    assert "I agree to the booking terms" in page


def test_the_booking_page_says_why_before_the_person_fills_it_in(client, open_run):
    run = open_run(7)
    client.force_login(person(Audience.PROFESSIONAL))

    page = client.get(f"/courses/{run.pk}/book/").text

    assert "You cannot book this course" in page
    assert "people living with a long-term condition" in page
    assert "Book my place" not in page


def test_booking_without_agreeing_shows_the_message_by_the_box_and_books_nothing(client, open_run):
    run = open_run(7)
    client.force_login(person())

    response = client.post(f"/courses/{run.pk}/book/", {"access_needs": ["wheelchair"]})

    assert response.status_code == 400
    assert errors.TERMS_NOT_AGREED in response.text
    assert not Enrolment.objects.exists()


def test_booking_with_answers_from_the_page(client, open_run, django_capture_on_commit_callbacks):
    run = open_run(7)
    trainee = person()
    client.force_login(trainee)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/courses/{run.pk}/book/",
            {**TERMS, "access_needs": ["large_print"], "adjustments": "A seat near the door"},
            follow=True,
        )

    assert response.redirect_chain == [(f"/courses/{run.pk}/", 302)]
    assert "I need handouts in large print" in response.text
    assert "A seat near the door" in response.text
    enrolment = Enrolment.objects.get(trainee=trainee)
    assert enrolment.access_needs == ["large_print"]


def test_changing_answers_from_the_page(client, open_run):
    run = open_run(7)
    trainee = person()
    book(trainee, run, BookingAnswers(agreed_to_terms=True, access_needs=("wheelchair",)))
    client.force_login(trainee)

    form = client.get(f"/courses/{run.pk}/answers/").text
    response = client.post(f"/courses/{run.pk}/answers/", {"adjustments": "Step-free route"})

    assert re.search(r'<input[^>]*value="wheelchair"[^>]*checked', form)
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(trainee=trainee)
    assert (enrolment.access_needs, enrolment.adjustments) == ([], "Step-free route")


def test_answers_of_someone_not_booked_are_not_found(client, open_run):
    run = open_run(7)
    book(person(), run)
    client.force_login(person())

    assert client.get(f"/courses/{run.pk}/answers/").status_code == 404


def test_the_lead_sees_what_people_need_and_can_make_an_exception(client, open_run, people):
    run = open_run(7)
    trainee = person(first_name="Ann", last_name="Needs")
    book(trainee, run, BookingAnswers(agreed_to_terms=True, access_needs=("hearing_loop",)))
    person(Audience.PROFESSIONAL, email="carer@example.com")
    client.force_login(people["lead"])
    url = f"/sites/{run.site.slug}/runs/{run.pk}/"

    page = client.get(url).text
    refused = client.post(f"{url}exceptions/", {"address": "carer@example.com", "reason": ""})
    made = client.post(f"{url}exceptions/", {"address": "carer@example.com", "reason": "Carer"})

    assert "Ann Needs</strong>: I need a hearing loop" in page
    assert refused.status_code == 400
    assert made.status_code == 302
    assert GroupException.objects.get().reason == "Carer"
    assert "Carer" in client.get(url).text


def test_another_sites_lead_cannot_make_an_exception(client, open_run, people):
    run = open_run(7)
    person(Audience.PROFESSIONAL, email="carer@example.com")
    client.force_login(people["other_lead"])

    response = client.post(
        f"/sites/{run.site.slug}/runs/{run.pk}/exceptions/",
        {"address": "carer@example.com", "reason": "Carer"},
    )

    assert response.status_code == 404
    assert not GroupException.objects.exists()
