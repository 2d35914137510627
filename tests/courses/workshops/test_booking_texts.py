"""Trainees told by the way they chose (courses.common.channels.tell): a person who wants texts
gets a short text through Notify (the local stand-in, tests/notify_server.py) instead of the
email, a person who wants post gets a letter queued for printing, and an email person the same
email as before, calendar file and all. Booking, the waiting list, withdrawing, reminders and a
cancelled run, and a booking with Notify down."""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from cms.models import OutgoingText
from cms.roles import Role
from courses.common import links
from courses.models import CourseRun, Enrolment, Letter, PlaceOffer
from courses.workshops.booking import booking_withdraw, run_book
from courses.workshops.emails import run_cancelled
from courses.workshops.offers import deadline_words, offer_url
from courses.workshops.reminders import reminders_send_due
from tests.factories import AGREED, UserFactory

# The texts say the first session's day and time, in local time.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MOBILE = "+447700900123"


@pytest.fixture
def run(workshop):
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.capacity = 1
    run.minimum_group = 1
    run.save()
    return run


def by_text(**fields):
    return UserFactory(
        **{
            "email": None,
            "mobile": MOBILE,
            "contact_by": "text",
            "verified": False,
            "roles": [Role.TRAINEE.value],
            **fields,
        }
    )


def by_letter():
    return UserFactory(
        email=None,
        postal_address="2 Mill Lane\nRiverside\nRV1 2AB",
        contact_by="letter",
        verified=False,
        roles=[Role.TRAINEE.value],
    )


def book(person, run, capture):
    with capture(execute=True):
        return run_book(trainee=person, run_id=run.pk, answers=AGREED)


def texts_sent(notify):
    return [sent["request"]["personalisation"]["message"] for sent in notify.sent]


def first_session_words(run):
    first = run.sessions.order_by("starts_at").first()
    return f"{date_format(timezone.localtime(first.starts_at), 'D j M H:i')} at Riverside Library"


def test_a_person_who_wants_texts_gets_a_text_not_an_email(
    notify, run, django_capture_on_commit_callbacks
):
    person = by_text()

    enrolment = book(person, run, django_capture_on_commit_callbacks)

    assert enrolment.status == Enrolment.Status.BOOKED
    assert not mail.outbox
    (text,) = texts_sent(notify)
    assert text == (
        f"Co-training: your place on Spring group is booked. First session "
        f"{first_session_words(run)}. Details: {links.course_url(run.pk)}"
    )
    assert len(text) < 300
    assert notify.sent[0]["request"]["phone_number"] == MOBILE
    outgoing = OutgoingText.objects.get()
    assert (outgoing.kind, outgoing.status) == ("booking_confirmation", OutgoingText.Status.SENT)


def test_the_text_gives_the_sites_phone_number_when_it_has_one(
    notify, run, django_capture_on_commit_callbacks
):
    run.site.contact_phone = "01234 567890"
    run.site.save()

    book(by_text(), run, django_capture_on_commit_callbacks)

    assert texts_sent(notify)[0].endswith(" Questions? Call 01234 567890.")


def test_a_person_who_wants_post_gets_a_letter_without_the_calendar_file(
    notify, run, django_capture_on_commit_callbacks
):
    person = by_letter()

    book(person, run, django_capture_on_commit_callbacks)

    letter = Letter.objects.get()
    assert (letter.person, letter.site, letter.run) == (person, run.site, run)
    assert letter.subject == "Your place on Spring group"
    assert "You have a place on Spring group." in letter.body
    assert "calendar file" not in letter.body
    assert not mail.outbox and not notify.sent


def test_an_email_person_gets_the_same_email_as_before(
    notify, run, django_capture_on_commit_callbacks
):
    person = UserFactory(roles=[Role.TRAINEE.value], mobile=MOBILE)  # contact_by email

    book(person, run, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert message.to == [person.email]
    assert message.subject == "[Co-training] Your place on Spring group"
    assert "The dates are attached as a calendar file (course-dates.ics)" in message.body
    assert [name for name, _, _ in message.attachments] == ["course-dates.ics"]
    assert not notify.sent


def test_the_waiting_list_withdrawing_and_a_place_coming_up_are_texted(
    notify, run, django_capture_on_commit_callbacks
):
    first = by_text()
    second = by_text(mobile="+447700900456")
    booked = book(first, run, django_capture_on_commit_callbacks)
    book(second, run, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        booking_withdraw(enrolment=booked)

    url = links.course_url(run.pk)
    sent = texts_sent(notify)
    assert sent[1:3] == [
        "Co-training: Spring group is full, so you are number 1 on the waiting list. We will "
        f"text you if a place comes up. Details: {url}",
        "Co-training: you have cancelled your place on Spring group. Thank you for letting us "
        f"know. To book again: {url}",
    ]
    # The freed place is offered to the first person waiting, with its deadline and link.
    offer = PlaceOffer.objects.get()
    assert offer.enrolment.trainee == second
    assert sent[3] == (
        f"A place has come up on Spring group. Accept or decline by "
        f"{deadline_words(offer.expires_at)}: {offer_url(offer)} Questions: contact Riverside "
        "Health Board. Co-training"
    )
    assert [sent["request"]["phone_number"] for sent in notify.sent] == [
        MOBILE,
        "+447700900456",
        MOBILE,
        "+447700900456",
    ]
    assert list(OutgoingText.objects.order_by("pk").values_list("kind", flat=True)) == [
        "booking_confirmation",
        "waiting_list",
        "booking_cancelled",
        "place_offered",
    ]


def test_booking_with_notify_down_books_and_keeps_the_text(
    notify, run, settings, frozen_clock, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{probe.getsockname()[1]}"
    person = by_text(email="texts@example.com")
    client = Client()
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/courses/{run.pk}/book/", {"agreed_to_terms": "on"})

    assert response.status_code == 302
    assert Enrolment.objects.get(trainee=person).status == Enrolment.Status.BOOKED
    waiting = OutgoingText.objects.get()
    assert waiting.status == OutgoingText.Status.QUEUED
    assert not mail.outbox  # they chose texts: no email instead

    settings.NOTIFY_BASE_URL = notify.url
    frozen_clock.shift(timedelta(minutes=1))
    from cms.texts import TEXTS

    assert TEXTS.send_due() == 1
    assert "is booked" in texts_sent(notify)[0]


def test_with_texts_off_a_text_person_with_an_email_address_is_emailed(
    run, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_API_KEY = ""
    settings.TEXTS_WITHOUT_KEY = "off"
    person = by_text(email="texts@example.com")

    book(person, run, django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["texts@example.com"]]
    assert not OutgoingText.objects.exists()


def test_a_trainee_who_wants_texts_is_reminded_by_text_and_the_tutors_by_email(
    notify, workshop, run, django_capture_on_commit_callbacks
):
    session = run.sessions.order_by("starts_at").first()
    session.lay_tutor = workshop["lay"]
    session.save()
    person = by_text()
    Enrolment.objects.create(trainee=person, run=run, site=run.site, status="booked")
    letter_person = by_letter()
    Enrolment.objects.create(trainee=letter_person, run=run, site=run.site, status="booked")
    now = session.starts_at - timedelta(days=7)  # the week before: in time for the post

    with django_capture_on_commit_callbacks(execute=True):
        from time_machine import travel

        with travel(now, tick=False):
            assert reminders_send_due() == 3

    (text,) = texts_sent(notify)
    when = date_format(timezone.localtime(session.starts_at), "D j M H:i")
    assert text == (
        f"Co-training reminder: Spring group session 1, {when} at Riverside Library. "
        f"Cannot come? Tell us at {links.course_url(run.pk)}"
    )
    assert [message.to for message in mail.outbox] == [[workshop["lay"].user.email]]
    letter = Letter.objects.get()
    assert letter.person == letter_person
    assert "session.ics" not in letter.body


def test_a_cancelled_run_is_told_to_each_trainee_by_their_way(
    notify, run, django_capture_on_commit_callbacks
):
    texter = by_text()
    emailer = UserFactory(roles=[Role.TRAINEE.value])
    for person, status in ((texter, "booked"), (emailer, "waitlisted")):
        Enrolment.objects.create(trainee=person, run=run, site=run.site, status=status)
    CourseRun.objects.filter(pk=run.pk).update(
        status=CourseRun.Status.CANCELLED, cancel_reason="The venue flooded"
    )

    with django_capture_on_commit_callbacks(execute=True):
        run_cancelled(run.pk)

    (text,) = texts_sent(notify)
    assert text.startswith(
        "Co-training: we are sorry, Spring group at Riverside Library has been cancelled"
    )
    trainee_mail = [m for m in mail.outbox if m.to == [emailer.email]]
    assert len(trainee_mail) == 1
    assert "The reason: The venue flooded" in trainee_mail[0].body
