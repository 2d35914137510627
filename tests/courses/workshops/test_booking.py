"""Booking a course run and its waiting list: the services (each refusal and its message, the
order of the waiting list, offers of a freed place, the emails, sent on commit only) and the
trainees' pages. The race for the last place is proven on PostgreSQL in test_booking_race.py."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from icalendar import Calendar

from cms.roles import Role
from courses import errors
from courses.models import CourseRun, Enrolment, PlaceOffer
from courses.workshops import booking
from courses.workshops.booking import BookingError, booking_withdraw, run_book, waiting_position
from tests.factories import (
    AGREED,
    CourseRunFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    next_weekday,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


TERMS = {"agreed_to_terms": "on"}
"""The booking page's form: terms agreed, nothing needed."""


def trainee():
    return UserFactory(roles=[Role.TRAINEE.value])


@pytest.fixture
def run(workshop):
    """The workshop's Riverside run (three Tuesday sessions from next week), open, 2 places."""
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.capacity = 2
    run.minimum_group = 1
    run.save()
    return run


def statuses(run):
    return dict(
        Enrolment.objects.filter(run=run).values_list("trainee__email", "status").order_by()
    )


def waiting_emails(run):
    return list(
        Enrolment.objects.filter(run=run, status=Enrolment.Status.WAITLISTED)
        .order_by("enrolled_at", "pk")
        .values_list("trainee__email", flat=True)
    )


def book(person, run, callbacks_fixture):
    with callbacks_fixture(execute=True):
        return run_book(trainee=person, run_id=run.pk, answers=AGREED)


def withdraw(enrolment, callbacks_fixture):
    with callbacks_fixture(execute=True):
        return booking_withdraw(enrolment=enrolment)


# --- booking ------------------------------------------------------------------------------------


def test_booking_with_places_left_gives_a_place_at_the_runs_site(
    run, django_capture_on_commit_callbacks
):
    person = trainee()

    enrolment = book(person, run, django_capture_on_commit_callbacks)

    assert enrolment.status == Enrolment.Status.BOOKED
    assert enrolment.site == run.site
    assert enrolment.run == run
    assert waiting_position(enrolment) is None


def test_a_full_run_puts_people_on_the_waiting_list_in_the_order_they_came(
    run, django_capture_on_commit_callbacks
):
    people = [trainee() for n in range(5)]

    enrolments = [book(person, run, django_capture_on_commit_callbacks) for person in people]

    assert [enrolment.status for enrolment in enrolments] == ["booked"] * 2 + ["waitlisted"] * 3
    assert [waiting_position(enrolment) for enrolment in enrolments] == [None, None, 1, 2, 3]
    assert waiting_emails(run) == [person.email for person in people[2:]]


def test_a_booking_never_exceeds_the_capacity(run, django_capture_on_commit_callbacks):
    people = [trainee() for _ in range(6)]
    for person in people:
        book(person, run, django_capture_on_commit_callbacks)
    for enrolment in Enrolment.objects.filter(run=run).order_by("?")[:3]:
        withdraw(enrolment, django_capture_on_commit_callbacks)
        book(enrolment.trainee, run, django_capture_on_commit_callbacks)

        assert booking.places_taken(run) == run.capacity

    # A place given up is held by its offer to the first person waiting, not handed over.
    booked = Enrolment.objects.filter(run=run, status="booked").count()
    assert booked + PlaceOffer.objects.filter(run=run, status="open").count() == run.capacity


@pytest.mark.parametrize("status", [CourseRun.Status.PLANNING, CourseRun.Status.CANCELLED])
def test_a_run_not_open_cannot_be_booked(run, status):
    run.status = status
    run.save()

    with pytest.raises(BookingError) as refusal:
        run_book(trainee=trainee(), run_id=run.pk, answers=AGREED)

    assert refusal.value.message == errors.RUN_NOT_OPEN
    assert not Enrolment.objects.exists()


def test_a_run_that_does_not_exist_cannot_be_booked(db):
    with pytest.raises(BookingError) as refusal:
        run_book(trainee=trainee(), run_id=987654, answers=AGREED)

    assert refusal.value.message == errors.RUN_NOT_OPEN


def test_a_run_without_sessions_cannot_be_booked(run):
    run.sessions.all().delete()

    with pytest.raises(BookingError) as refusal:
        run_book(trainee=trainee(), run_id=run.pk, answers=AGREED)

    assert refusal.value.message == errors.RUN_NOT_OPEN


def test_booking_closes_when_the_first_session_starts(run, workshop):
    first = workshop["sessions"][0]
    first.starts_at = timezone.now() - timedelta(minutes=5)
    first.ends_at = first.starts_at + timedelta(hours=3)
    first.save()

    with pytest.raises(BookingError) as refusal:
        run_book(trainee=trainee(), run_id=run.pk, answers=AGREED)

    expected_date = date_format(timezone.localtime(first.starts_at), "l j F Y")
    assert refusal.value.message == errors.BOOKING_CLOSED.format(date=expected_date)
    assert refusal.value.message.startswith("Booking has closed")
    assert not Enrolment.objects.exists()


def test_booking_twice_is_refused(run, django_capture_on_commit_callbacks):
    person = trainee()
    book(person, run, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with pytest.raises(BookingError) as refusal:
        book(person, run, django_capture_on_commit_callbacks)

    assert (
        refusal.value.message
        == errors.ALREADY_BOOKED
        == ("You already have a place on this course.")
    )
    assert Enrolment.objects.filter(run=run).count() == 1
    assert mail.outbox == []


def test_joining_the_waiting_list_twice_is_refused_with_the_persons_number(
    run, django_capture_on_commit_callbacks
):
    for _ in range(3):
        book(trainee(), run, django_capture_on_commit_callbacks)
    person = trainee()
    book(person, run, django_capture_on_commit_callbacks)

    with pytest.raises(BookingError) as refusal:
        run_book(trainee=person, run_id=run.pk, answers=AGREED)

    assert refusal.value.message == (
        "You are already on the waiting list for this course, number 2."
    )
    assert refusal.value.message == errors.ALREADY_WAITING.format(position=2)


def test_someone_who_completed_the_course_cannot_book_it_again(run):
    person = trainee()
    Enrolment.objects.create(trainee=person, run=run, status=Enrolment.Status.COMPLETED)

    with pytest.raises(BookingError) as refusal:
        run_book(trainee=person, run_id=run.pk, answers=AGREED)

    assert refusal.value.message == errors.ALREADY_COMPLETED


# --- withdrawing and the waiting list --------------------------------------------------------


def offered(run):
    """The emails of the people with an open offer of a place on the run, in waiting order."""
    return list(
        PlaceOffer.objects.filter(run=run, status="open")
        .order_by("enrolment__enrolled_at", "enrolment__pk")
        .values_list("enrolment__trainee__email", flat=True)
    )


def test_a_withdrawal_offers_the_place_to_the_first_person_waiting_and_tells_them(
    run, django_capture_on_commit_callbacks
):
    # The place is offered, not handed over (courses.workshops.offers, tested in test_offers.py).
    booked = [book(trainee(), run, django_capture_on_commit_callbacks) for n in range(2)]
    waiting = [trainee() for n in range(3)]
    for person in waiting:
        book(person, run, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    withdraw(booked[0], django_capture_on_commit_callbacks)

    assert statuses(run)[waiting[0].email] == "waitlisted"
    assert offered(run) == [waiting[0].email]
    assert waiting_emails(run) == [person.email for person in waiting]
    assert booking.places_taken(run) == 2  # one booked, one held by the offer
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {booked[0].trainee.email, waiting[0].email}
    offer = sent[waiting[0].email]
    assert f"A place has come up on {run.title}: accept it by" in offer.subject
    assert "/offers/" in offer.body
    assert "You have cancelled your place" in sent[booked[0].trainee.email].subject


def test_offers_follow_the_waiting_list_order_withdrawal_after_withdrawal(
    run, django_capture_on_commit_callbacks
):
    booked = [book(trainee(), run, django_capture_on_commit_callbacks) for _ in range(2)]
    waiting = [trainee() for _ in range(3)]
    for person in waiting:
        book(person, run, django_capture_on_commit_callbacks)

    withdraw(booked[1], django_capture_on_commit_callbacks)
    after_one = offered(run)
    withdraw(booked[0], django_capture_on_commit_callbacks)
    after_two = offered(run)

    assert after_one == [waiting[0].email]
    assert after_two == [waiting[0].email, waiting[1].email]
    assert waiting_emails(run) == [person.email for person in waiting]


def test_every_free_place_is_offered_to_the_next_people_waiting(
    run, django_capture_on_commit_callbacks
):
    booked = [book(trainee(), run, django_capture_on_commit_callbacks) for _ in range(2)]
    waiting = [trainee() for n in range(3)]
    for person in waiting:
        book(person, run, django_capture_on_commit_callbacks)
    run.capacity = 3  # a lead found a bigger room
    run.save()
    mail.outbox.clear()

    withdraw(booked[0], django_capture_on_commit_callbacks)

    assert offered(run) == [waiting[0].email, waiting[1].email]
    assert booking.places_taken(run) == 3
    told = sorted(m.to[0] for m in mail.outbox if "A place has come up" in m.subject)
    assert told == sorted([waiting[0].email, waiting[1].email])


def test_leaving_the_waiting_list_moves_the_people_behind_up_and_offers_nobody_a_place(
    run, django_capture_on_commit_callbacks
):
    for _ in range(2):
        book(trainee(), run, django_capture_on_commit_callbacks)
    first, second = (book(trainee(), run, django_capture_on_commit_callbacks) for _ in range(2))
    mail.outbox.clear()

    withdraw(first, django_capture_on_commit_callbacks)

    second.refresh_from_db()
    assert waiting_position(second) == 1
    assert booking.places_taken(run) == 2
    (message,) = mail.outbox
    assert message.to == [first.trainee.email]
    assert message.subject.endswith(f"You have left the waiting list for {run.title}")


def test_withdrawing_twice_changes_nothing_the_second_time(run, django_capture_on_commit_callbacks):
    enrolment = book(trainee(), run, django_capture_on_commit_callbacks)
    waiting = book(trainee(), run, django_capture_on_commit_callbacks)
    waiting2 = book(trainee(), run, django_capture_on_commit_callbacks)
    first = withdraw(enrolment, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    again = withdraw(enrolment, django_capture_on_commit_callbacks)

    assert again.status == Enrolment.Status.WITHDRAWN
    assert again.withdrawn_at == first.withdrawn_at
    assert mail.outbox == []
    # The one place given up is offered once, to the first person waiting.
    assert statuses(run)[waiting.trainee.email] == "booked"
    assert statuses(run)[waiting2.trainee.email] == "waitlisted"
    assert offered(run) == [waiting2.trainee.email]


def test_rejoining_after_withdrawing_reuses_the_enrolment_and_goes_to_the_back(
    run, django_capture_on_commit_callbacks, frozen_clock
):
    for _ in range(2):
        book(trainee(), run, django_capture_on_commit_callbacks)
    person = trainee()
    first = book(person, run, django_capture_on_commit_callbacks)
    later = book(trainee(), run, django_capture_on_commit_callbacks)
    withdraw(first, django_capture_on_commit_callbacks)
    frozen_clock.shift(timedelta(minutes=10))

    again = book(person, run, django_capture_on_commit_callbacks)

    assert again.pk == first.pk
    assert again.enrolled_at > first.enrolled_at
    assert again.withdrawn_at is None
    assert waiting_emails(run) == [later.trainee.email, person.email]
    assert waiting_position(again) == 2


def test_nobody_is_offered_a_place_once_the_course_has_started(
    run, workshop, django_capture_on_commit_callbacks
):
    booked = book(trainee(), run, django_capture_on_commit_callbacks)
    book(trainee(), run, django_capture_on_commit_callbacks)
    waiting = book(trainee(), run, django_capture_on_commit_callbacks)
    first = workshop["sessions"][0]
    first.starts_at = timezone.now() - timedelta(hours=1)
    first.save()

    withdraw(booked, django_capture_on_commit_callbacks)

    waiting.refresh_from_db()
    assert waiting.status == Enrolment.Status.WAITLISTED
    assert offered(run) == []


def test_a_completed_course_cannot_be_withdrawn_from(run):
    enrolment = Enrolment.objects.create(
        trainee=trainee(), run=run, status=Enrolment.Status.COMPLETED
    )

    with pytest.raises(BookingError) as refusal:
        booking_withdraw(enrolment=enrolment)

    assert refusal.value.message == errors.ALREADY_COMPLETED
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED


def test_withdrawing_from_something_that_is_not_a_course_is_refused(db):
    enrolment = Enrolment(trainee=trainee(), run=None)

    with pytest.raises(BookingError) as refusal:
        booking_withdraw(enrolment=enrolment)

    assert refusal.value.message == errors.NOT_A_COURSE_BOOKING


# --- emails ---------------------------------------------------------------------------------------


def test_emails_are_sent_only_when_the_booking_is_saved(run, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_book(trainee=trainee(), run_id=run.pk, answers=AGREED)

    assert mail.outbox == []
    assert len(callbacks) == 1


def test_a_refused_booking_sends_nothing(run, django_capture_on_commit_callbacks):
    run.status = CourseRun.Status.CANCELLED
    run.save()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(BookingError),
    ):
        run_book(trainee=trainee(), run_id=run.pk, answers=AGREED)

    assert callbacks == []
    assert mail.outbox == []


def test_the_confirmation_has_the_dates_the_venue_and_a_calendar_invitation(
    run, workshop, django_capture_on_commit_callbacks
):
    person = trainee()

    book(person, run, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert message.to == [person.email]
    assert f"Your place on {run.title}" in message.subject
    first = timezone.localtime(workshop["sessions"][0].starts_at)
    assert f"Session 1: {date_format(first, 'l j F Y')}, 10:00 to 13:00" in message.body
    assert workshop["venue"].name in message.body
    assert workshop["venue"].address in message.body
    assert "Step-free access." in message.body
    assert f"http://testserver/courses/{run.pk}/" in message.body
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("course-dates.ics", "text/calendar")
    events = Calendar.from_ical(content).walk("VEVENT")
    assert len(events) == 3


def test_the_waiting_list_email_gives_the_persons_number(run, django_capture_on_commit_callbacks):
    for _ in range(2):
        book(trainee(), run, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    person = trainee()

    book(person, run, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert message.to == [person.email]
    assert "You are number 1 on the waiting list" in message.subject
    assert "You are number 1 on the waiting list." in message.body
    assert message.attachments == []


# --- pages ----------------------------------------------------------------------------------------


def signed_in(client, person):
    client.force_login(person)
    return client


def test_a_course_page_shows_dates_venue_access_and_tutors(client, run, workshop):
    lay, clinical = workshop["lay"], workshop["clinical"]
    for session in workshop["sessions"]:
        session.lay_tutor, session.clinical_tutor = lay, clinical
        session.save()
    venue = workshop["venue"]
    venue.access_notes = "Lift to the first floor. Parking behind the library."
    venue.save()

    html = signed_in(client, trainee()).get(f"/courses/{run.pk}/").text

    for session in workshop["sessions"]:
        assert date_format(timezone.localtime(session.starts_at), "l j F Y") in html
    assert html.count("10:00 to 13:00") == 3
    assert venue.address in html
    assert "Lift to the first floor." in html
    assert "a tutor who lives with a long-term condition and a clinician" in html
    assert lay.name in html and clinical.name in html
    assert "Book a place" in html
    assert "2 places left" in html


def test_a_course_page_shows_your_status_and_the_right_button(
    client, run, django_capture_on_commit_callbacks
):
    client = signed_in(client, person := trainee())
    url = f"/courses/{run.pk}/"

    assert "Book a place" in client.get(url).text
    enrolment = book(person, run, django_capture_on_commit_callbacks)
    html = client.get(url).text
    assert "You have a place on this course." in html
    assert "Cancel my place" in html and "Book a place" not in html

    withdraw(enrolment, django_capture_on_commit_callbacks)
    for _ in range(2):
        book(trainee(), run, django_capture_on_commit_callbacks)
    html = client.get(url).text
    assert "You withdrew from this course" in html
    assert "Join the waiting list" in html

    book(person, run, django_capture_on_commit_callbacks)
    html = client.get(url).text
    assert "You are number 1 on the waiting list." in html
    assert "Leave the waiting list" in html


def test_a_course_page_has_a_fixed_number_of_queries(client, run, workshop):
    client = signed_in(client, trainee())
    url = f"/courses/{run.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as three_sessions:
        client.get(url)
    for number in range(4, 12):
        SessionFactory(
            run=run,
            number=number,
            lay_tutor=workshop["lay"],
            clinical_tutor=workshop["clinical"],
            venue=VenueFactory(site=run.site),
        )
    with CaptureQueriesContext(connection) as eleven_sessions:
        client.get(url)

    assert len(eleven_sessions) == len(three_sessions)


@pytest.mark.parametrize("status", [CourseRun.Status.PLANNING, CourseRun.Status.CANCELLED])
def test_runs_not_open_are_not_found(client, run, status):
    run.status = status
    run.save()
    client = signed_in(client, trainee())

    assert client.get(f"/courses/{run.pk}/").status_code == 404
    assert client.post(f"/courses/{run.pk}/book/").status_code == 404
    assert client.get(f"/courses/{run.pk}/withdraw/").status_code == 404
    assert not Enrolment.objects.exists()


def test_booking_pages_are_for_trainees(client, run, people):
    # Finding a course and a course's page are public (tests/courses/workshops/test_finder.py).
    withdraw_url = f"/courses/{run.pk}/withdraw/"

    assert client.get(withdraw_url).status_code == 302
    assert client.post(f"/courses/{run.pk}/book/").url.startswith("/accounts/login/")
    client.force_login(people["lay_tutor"])
    assert client.get(withdraw_url).status_code == 403
    assert client.post(f"/courses/{run.pk}/book/").status_code == 403
    assert not Enrolment.objects.exists()


def test_booking_from_the_page_says_what_happened(client, run, django_capture_on_commit_callbacks):
    client = signed_in(client, trainee())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/courses/{run.pk}/book/", TERMS, follow=True)

    assert response.redirect_chain == [(f"/courses/{run.pk}/", 302)]
    assert f"You have a place on {run.title}. We have emailed you the dates." in response.text
    assert len(mail.outbox) == 1


def test_joining_the_waiting_list_from_the_page_gives_your_number(
    client, run, django_capture_on_commit_callbacks
):
    for _ in range(2):
        book(trainee(), run, django_capture_on_commit_callbacks)

    response = signed_in(client, trainee()).post(f"/courses/{run.pk}/book/", TERMS, follow=True)

    assert (
        "The course is full, so you are number 1 on the waiting list. "
        "We will email you if a place comes up."
    ) in response.text


def test_booking_twice_from_the_page_shows_the_refusal(
    client, run, django_capture_on_commit_callbacks
):
    person = trainee()
    book(person, run, django_capture_on_commit_callbacks)

    response = signed_in(client, person).post(f"/courses/{run.pk}/book/", TERMS)

    assert response.status_code == 400
    assert errors.ALREADY_BOOKED in response.text
    assert Enrolment.objects.count() == 1


def test_booking_needs_a_post_with_a_csrf_token(run, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(trainee())

    assert client.get(f"/courses/{run.pk}/book/").status_code == 200
    assert client.post(f"/courses/{run.pk}/book/", TERMS).status_code == 403
    assert client.post(f"/courses/{run.pk}/withdraw/").status_code == 403
    assert not Enrolment.objects.exists()


def test_withdrawing_asks_first_then_withdraws(client, run, django_capture_on_commit_callbacks):
    person = trainee()
    book(person, run, django_capture_on_commit_callbacks)
    book(trainee(), run, django_capture_on_commit_callbacks)
    waiting = book(trainee(), run, django_capture_on_commit_callbacks)
    client = signed_in(client, person)

    page = client.get(f"/courses/{run.pk}/withdraw/").text
    assert "Are you sure you want to cancel your place?" in page
    assert "your place is offered to the next person on the waiting list" in page
    assert statuses(run)[person.email] == "booked"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/courses/{run.pk}/withdraw/", follow=True)

    assert f"You have cancelled your place on {run.title}." in response.text
    assert statuses(run)[person.email] == "withdrawn"
    assert statuses(run)[waiting.trainee.email] == "waitlisted"
    assert offered(run) == [waiting.trainee.email]
    assert "Book a place" in response.text or "Join the waiting list" in response.text


def test_leaving_the_waiting_list_asks_first_with_your_number(
    client, run, django_capture_on_commit_callbacks
):
    for _ in range(2):
        book(trainee(), run, django_capture_on_commit_callbacks)
    person = trainee()
    book(person, run, django_capture_on_commit_callbacks)
    client = signed_in(client, person)

    page = client.get(f"/courses/{run.pk}/withdraw/").text
    response = client.post(f"/courses/{run.pk}/withdraw/", follow=True)

    assert "Are you sure you want to leave the waiting list?" in page
    assert "You are number 1 on the waiting list." in page
    assert f"You have left the waiting list for {run.title}." in response.text


def test_withdrawing_without_a_booking_is_not_found(client, run):
    client = signed_in(client, trainee())

    assert client.get(f"/courses/{run.pk}/withdraw/").status_code == 404
    assert client.post(f"/courses/{run.pk}/withdraw/").status_code == 404


def test_the_withdraw_page_after_withdrawing_goes_back_to_the_course(
    client, run, django_capture_on_commit_callbacks
):
    person = trainee()
    withdraw(
        book(person, run, django_capture_on_commit_callbacks), django_capture_on_commit_callbacks
    )
    client = signed_in(client, person)

    response = client.get(f"/courses/{run.pk}/withdraw/")
    again = client.post(f"/courses/{run.pk}/withdraw/")

    assert response.url == f"/courses/{run.pk}/"
    assert again.url == f"/courses/{run.pk}/"
    assert statuses(run)[person.email] == "withdrawn"


# --- My learning and the header -------------------------------------------------------------


def test_my_learning_lists_your_courses_with_the_next_session(
    client, run, workshop, django_capture_on_commit_callbacks
):
    person = trainee()
    book(person, run, django_capture_on_commit_callbacks)
    other = CourseRunFactory(
        site=run.site, programme=run.programme, title="Autumn group", capacity=1, status="open"
    )
    # After the Spring group ends: a person never holds two runs whose dates overlap.
    SessionFactory(run=other, number=1, starts_at=next_weekday(1, weeks_ahead=8))
    book(trainee(), other, django_capture_on_commit_callbacks)
    book(person, other, django_capture_on_commit_callbacks)

    html = signed_in(client, person).get("/learn/").text

    assert '<h2 class="nhsuk-heading-m">Coming up</h2>' in html
    assert '<h2 class="nhsuk-heading-m">Waiting list</h2>' in html
    assert "Spring group" in html and "Autumn group" in html
    assert "Booked" in html
    assert "You are number 1 on the waiting list" in html
    first = timezone.localtime(workshop["sessions"][0].starts_at)
    assert f"First session: {date_format(first, 'l j F Y')}, 10:00 to 13:00" in html


def test_my_learning_has_a_fixed_number_of_queries_however_many_courses(
    client, run, programmes, django_capture_on_commit_callbacks
):
    person = trainee()
    book(person, run, django_capture_on_commit_callbacks)
    client = signed_in(client, person)
    client.get("/learn/")
    with CaptureQueriesContext(connection) as one_course:
        client.get("/learn/")
    for number in range(5):
        more = CourseRunFactory(
            site=run.site, programme=programmes["patient"], capacity=1, status="open"
        )
        SessionFactory(run=more, number=1, starts_at=next_weekday(1, weeks_ahead=8 + number))
        if number % 2:
            book(trainee(), more, django_capture_on_commit_callbacks)
        book(person, more, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as six_courses:
        html = client.get("/learn/").text

    assert html.count("First session:") + html.count("on the waiting list.") == 6
    assert len(six_courses) == len(one_course)


def test_trainees_find_courses_from_the_header(client, people, home_page):
    trainee_html = signed_in(client, people["trainee"]).get("/").text
    client.force_login(people["lead"])
    lead_html = client.get("/").text

    assert '<a class="nhsuk-header__navigation-link" href="/courses/"' in trainee_html
    assert ">Find a course<" in trainee_html
    assert ">Find a course<" not in lead_html


def test_a_person_can_hold_the_trainee_role_among_others(
    client, run, django_capture_on_commit_callbacks
):
    person = UserFactory(roles=[Role.TRAINEE.value, Role.LAY_TUTOR.value])
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/courses/{run.pk}/book/", TERMS)

    assert statuses(run) == {person.email: "booked"}


def test_on_the_course_means_booked_or_completed(workshop):
    run = workshop["run"]
    enrolments = {
        status: Enrolment.objects.create(run=run, trainee=UserFactory(), status=status)
        for status, _label in Enrolment.Status.choices
    }

    on = set(Enrolment.objects.filter(run=run).on_the_course())

    assert on == {enrolments["booked"], enrolments["completed"]}
    assert {status for status, e in enrolments.items() if e.is_on_the_course} == {
        "booked",
        "completed",
    }
