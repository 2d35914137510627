"""Waiting-list offers (courses.workshops.offers): a freed place is offered with a deadline, held
while the offer is open, accepted or declined through a signed link that works without signing
in, passed on when declined or lapsed (the scheduler), and, in the last day, offered to everyone
waiting at once. The race for one place offered to all is proven in test_offer_race.py."""

from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.roles import Role
from courses import errors
from courses.models import CourseRun, Enrolment, PlaceOffer, Session
from courses.workshops import booking, offers, scheduling
from courses.workshops.offers import OfferError
from tests.factories import (
    AGREED,
    CourseRunFactory,
    SessionFactory,
    UserFactory,
    days_from_today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


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


def trainee(**fields):
    return UserFactory(roles=[Role.TRAINEE.value], **fields)


@pytest.fixture
def full(run, django_capture_on_commit_callbacks):
    """The run full (2 booked) with 3 people waiting; returns (booked, waiting) enrolments."""

    def book(person):
        with django_capture_on_commit_callbacks(execute=True):
            return booking.run_book(trainee=person, run_id=run.pk, answers=AGREED)

    booked = [book(trainee()) for _ in range(2)]
    waiting = [book(trainee()) for _ in range(3)]
    mail.outbox.clear()
    return booked, waiting


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Call a service and run what it leaves for after the commit (its messages)."""

    def act(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return act


def withdraw(act, enrolment):
    return act(booking.booking_withdraw, enrolment=enrolment)


def open_offers(run):
    return list(
        PlaceOffer.objects.filter(run=run, status="open").order_by(
            "enrolment__enrolled_at", "enrolment__pk"
        )
    )


def offer_of(enrolment):
    return PlaceOffer.objects.filter(enrolment=enrolment).latest("made_at", "pk")


def status_of(enrolment):
    enrolment.refresh_from_db()
    return enrolment.status


def sent_to(person):
    return [message for message in mail.outbox if message.to == [person.email]]


def first_session_at(run, when):
    """Move the run's sessions so the first starts at `when` (the others a week apart)."""
    for n, session in enumerate(Session.objects.filter(run=run).order_by("number")):
        session.starts_at = when + timedelta(weeks=n)
        session.ends_at = session.starts_at + timedelta(hours=3)
        session.save()


def run_row(run):
    return booking.run_row(run.pk, lock=False)


# --- the deadline ------------------------------------------------------------------------------


def test_the_deadline_is_the_runs_hours_shortened_to_end_an_hour_before_the_first_session():
    now = timezone.now()
    far = SimpleNamespace(offer_hours=48, first_start=now + timedelta(days=10))
    near = SimpleNamespace(offer_hours=48, first_start=now + timedelta(hours=30))
    closing = SimpleNamespace(offer_hours=48, first_start=now + timedelta(minutes=40))

    assert offers.offer_deadline(far, now=now) == now + timedelta(hours=48)
    assert offers.offer_deadline(near, now=now) == near.first_start - timedelta(hours=1)
    # Under an hour to go: the offer lasts until the course starts (booking closes then).
    assert offers.offer_deadline(closing, now=now) == closing.first_start


def test_a_freed_place_is_offered_to_the_first_person_waiting_for_the_runs_hours(run, full, act):
    booked, waiting = full

    withdraw(act, booked[0])

    (offer,) = open_offers(run)
    assert offer.enrolment == waiting[0]
    assert offer.expires_at == timezone.now() + timedelta(hours=run.offer_hours)
    assert not offer.to_all
    assert status_of(waiting[0]) == "waitlisted"
    (message,) = sent_to(waiting[0].trainee)
    deadline = offers.deadline_words(offer.expires_at)
    assert message.subject.endswith(f"A place has come up on {run.title}: accept it by {deadline}")
    assert f"Accept or decline the place by {deadline}:" in message.body
    assert offers.offer_url(offer) in message.body
    assert "Questions about this course?" in message.body


def test_the_deadline_is_shortened_to_end_an_hour_before_the_first_session(run, full, act):
    booked, waiting = full
    run.offer_hours = 336
    run.save()
    first_start = days_from_today(3, at=time(10, 0))
    first_session_at(run, first_start)

    withdraw(act, booked[0])

    (offer,) = open_offers(run)
    assert offer.expires_at == first_start - timedelta(hours=1)
    (message,) = sent_to(waiting[0].trainee)
    assert offers.deadline_words(first_start - timedelta(hours=1)) in message.subject


def test_an_offered_place_is_held_so_a_newcomer_joins_the_waiting_list(run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    newcomer = trainee()

    enrolment = act(booking.run_book, trainee=newcomer, run_id=run.pk, answers=AGREED)

    assert enrolment.status == "waitlisted"
    assert booking.places_taken(run) == 2
    assert run_row(run).phase == CourseRun.Phase.FULL
    assert booking.waiting_position(enrolment) == 4


# --- accepting and declining --------------------------------------------------------------------


def test_accepting_in_time_books_the_person_and_tells_them(run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    mail.outbox.clear()

    act(offers.offer_accept, offer_id=offer.pk)

    offer.refresh_from_db()
    assert offer.status == "accepted"
    assert status_of(waiting[0]) == "booked"
    assert booking.places_taken(run) == 2
    assert open_offers(run) == []
    (message,) = sent_to(waiting[0].trainee)
    assert message.subject.endswith(f"Your place on {run.title}")
    assert [name for name, _, _ in message.attachments] == ["course-dates.ics"]


def test_an_offer_link_is_single_use(run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    act(offers.offer_accept, offer_id=offer.pk)
    mail.outbox.clear()

    for answer in (offers.offer_accept, offers.offer_decline):
        with pytest.raises(OfferError) as refusal:
            act(answer, offer_id=offer.pk)
        assert refusal.value.message == errors.OFFER_ALREADY_ACCEPTED.format(course=run.title)

    assert status_of(waiting[0]) == "booked"
    assert mail.outbox == []


def test_declining_offers_the_place_to_the_next_person_and_keeps_the_decliner_waiting(
    run, full, act
):
    booked, waiting = full
    withdraw(act, booked[0])
    first = offer_of(waiting[0])
    mail.outbox.clear()

    act(offers.offer_decline, offer_id=first.pk)

    first.refresh_from_db()
    assert first.status == "declined"
    assert status_of(waiting[0]) == "waitlisted"
    assert booking.waiting_position(waiting[0]) == 1
    (second,) = open_offers(run)
    assert second.enrolment == waiting[1]
    assert second.place == first.place
    assert [m.to for m in mail.outbox] == [[waiting[1].trainee.email]]
    with pytest.raises(OfferError) as refusal:
        act(offers.offer_decline, offer_id=first.pk)
    assert refusal.value.message == errors.OFFER_ALREADY_DECLINED.format(position=1)


def test_an_expired_offer_is_refused_with_when_it_ended_and_the_place_in_the_queue(
    run, full, act, frozen_clock
):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    frozen_clock.shift(timedelta(hours=run.offer_hours, minutes=1))

    with pytest.raises(OfferError) as refusal:
        act(offers.offer_accept, offer_id=offer.pk)

    assert refusal.value.message == (
        f"This offer ended at {offers.deadline_words(offer.expires_at)}. "
        "You are still on the waiting list: number 1."
    )
    assert status_of(waiting[0]) == "waitlisted"
    offer.refresh_from_db()
    assert offer.status == "open"  # the scheduler closes it and passes the place on


def test_a_cancelled_run_refuses_its_offers(run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.CANCELLED)

    with pytest.raises(OfferError) as refusal:
        act(offers.offer_accept, offer_id=offer.pk)

    assert refusal.value.message == errors.OFFER_RUN_NOT_OPEN.format(course=run.title)
    assert status_of(waiting[0]) == "waitlisted"


def test_cancelling_a_run_closes_its_open_offers_and_the_link_says_why(
    client, run, full, act, people
):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])

    act(scheduling.run_cancel, run=run, reason="The venue has closed", cancelled_by=people["lead"])

    offer.refresh_from_db()
    assert offer.status == PlaceOffer.Status.CLOSED
    assert open_offers(run) == []
    assert status_of(waiting[0]) == "waitlisted"  # kept as it was, as run_cancel keeps bookings
    page = client.get(offers.offer_url(offer))
    assert page.status_code == 200
    assert errors.OFFER_RUN_NOT_OPEN.format(course=run.title) in page.content.decode()
    assert "Accept the place" not in page.content.decode()


def test_a_started_run_refuses_its_offers(run, workshop, full, act, frozen_clock):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    frozen_clock.move_to(workshop["sessions"][0].starts_at + timedelta(minutes=1))

    with pytest.raises(OfferError) as refusal:
        act(offers.offer_accept, offer_id=offer.pk)

    assert refusal.value.message == errors.OFFER_RUN_STARTED.format(course=run.title)


def test_accepting_keeps_the_rule_against_overlapping_runs(run, workshop, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    other = CourseRunFactory(
        site=run.site,
        venue=run.venue,
        programme=run.programme,
        title="Other group",
        status=CourseRun.Status.OPEN,
    )
    first = workshop["sessions"][0]
    SessionFactory(run=other, number=1, starts_at=first.starts_at, ends_at=first.ends_at)
    Enrolment.objects.create(trainee=waiting[0].trainee, run=other, status="booked")

    with pytest.raises(booking.BookingError) as refusal:
        act(offers.offer_accept, offer_id=offer.pk)

    assert refusal.value.message.startswith("This course overlaps Other group")
    assert status_of(waiting[0]) == "waitlisted"


def test_leaving_the_waiting_list_with_an_open_offer_passes_the_place_on(run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])

    withdraw(act, waiting[0])

    offer.refresh_from_db()
    assert offer.status == "closed"
    (next_offer,) = open_offers(run)
    assert next_offer.enrolment == waiting[1]
    with pytest.raises(OfferError) as refusal:
        act(offers.offer_accept, offer_id=offer.pk)
    assert refusal.value.message == errors.OFFER_CLOSED.format(course=run.title)


# --- the scheduler ------------------------------------------------------------------------------


def test_a_lapsed_offer_goes_to_the_next_person_and_the_first_is_told_they_still_wait(
    run, full, act
):
    booked, waiting = full
    withdraw(act, booked[0])
    first = offer_of(waiting[0])
    mail.outbox.clear()
    later = first.expires_at + timedelta(minutes=1)

    assert act(offers.offers_expire_due, now=first.expires_at - timedelta(minutes=1)) == 0
    closed = act(offers.offers_expire_due, now=later)
    again = act(offers.offers_expire_due, now=later)

    assert (closed, again) == (1, 0)
    first.refresh_from_db()
    assert first.status == "lapsed"
    (second,) = open_offers(run)
    assert second.enrolment == waiting[1]
    assert second.expires_at == later + timedelta(hours=run.offer_hours)
    (lapsed,) = sent_to(waiting[0].trainee)
    assert lapsed.subject.endswith(f"Your offer of a place on {run.title} has ended")
    assert "You are still on the waiting list: number 1." in lapsed.body
    assert len(sent_to(waiting[1].trainee)) == 1


def test_when_everyone_waiting_let_the_place_go_it_is_free_to_book(run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    for enrolment in waiting:
        act(offers.offer_decline, offer_id=offer_of(enrolment).pk)

    assert open_offers(run) == []
    assert booking.places_taken(run) == 1
    assert act(booking.run_book, trainee=trainee(), run_id=run.pk, answers=AGREED).status == (
        "booked"
    )


def test_the_scheduler_runs_the_expiry_every_few_minutes(run, full, act, frozen_clock):
    from crontask import scheduler

    from courses import tasks

    booked, waiting = full
    withdraw(act, booked[0])
    frozen_clock.shift(timedelta(hours=run.offer_hours, minutes=5))
    job = {job.name: job for job in scheduler.get_jobs()}[tasks.expire_place_offers.name]

    closed = act(tasks.expire_place_offers.call)

    assert job.func == tasks.expire_place_offers.enqueue
    assert str(job.trigger.fields[6]) == f"*/{tasks.OFFERS_EVERY_MINUTES}"
    assert closed == 1
    assert open_offers(run)[0].enrolment == waiting[1]


# --- the last day: offered to everyone waiting --------------------------------------------------


@pytest.fixture
def last_day(run, full, frozen_clock):
    """The run full with 3 waiting, and the clock 12 hours before its first session."""
    first_start = days_from_today(3, at=time(10, 0))
    first_session_at(run, first_start)
    frozen_clock.move_to(first_start - timedelta(hours=12))
    return full


def test_in_the_last_day_a_freed_place_is_offered_to_everyone_waiting_and_counted_once(
    run, last_day, act
):
    booked, waiting = last_day

    withdraw(act, booked[0])

    made = open_offers(run)
    assert [offer.enrolment for offer in made] == waiting
    assert len({offer.place for offer in made}) == 1
    assert all(offer.to_all for offer in made)
    assert {offer.expires_at for offer in made} == {run_row(run).first_start - timedelta(hours=1)}
    assert booking.places_taken(run) == 2
    for enrolment in waiting:
        (message,) = sent_to(enrolment.trainee)
        assert "the first to accept it gets it" in message.body


def test_in_the_last_day_the_first_to_accept_gets_the_place_and_the_others_stay_waiting(
    run, last_day, act
):
    booked, waiting = last_day
    withdraw(act, booked[0])
    mail.outbox.clear()

    act(offers.offer_accept, offer_id=offer_of(waiting[1]).pk)

    assert [status_of(e) for e in waiting] == ["waitlisted", "booked", "waitlisted"]
    assert [offer_of(e).status for e in (waiting[0], waiting[2])] == ["taken", "taken"]
    assert open_offers(run) == []
    assert booking.places_taken(run) == 2
    for enrolment, position in ((waiting[0], 1), (waiting[2], 2)):
        (message,) = sent_to(enrolment.trainee)
        assert message.subject.endswith(f"The place on {run.title} has been taken")
        assert f"number {position}" in message.body
    with pytest.raises(OfferError) as refusal:
        act(offers.offer_accept, offer_id=offer_of(waiting[0]).pk)
    assert refusal.value.message == errors.OFFER_TAKEN.format(position=1)


# --- telling people by their channel -------------------------------------------------------------


def test_someone_who_wants_texts_gets_the_offer_by_text_with_the_link(run, full, act, monkeypatch):
    booked, waiting = full
    texts = []
    monkeypatch.setattr("courses.common.channels.send_text", lambda **kwargs: texts.append(kwargs))
    person = waiting[0].trainee
    person.mobile, person.contact_by = "+447700900123", "text"
    person.save()

    withdraw(act, booked[0])

    (text,) = texts
    offer = offer_of(waiting[0])
    assert text["to"] == "+447700900123"
    assert text["kind"] == "place_offered"
    assert offers.offer_url(offer) in text["body"]
    assert offers.deadline_words(offer.expires_at) in text["body"]
    assert sent_to(person) == []


# --- the page behind the link ---------------------------------------------------------------------


def page_url(offer):
    return f"/offers/{offers.offer_token(offer)}/"


def test_the_offer_page_works_without_signing_in_and_shows_the_course(
    client, run, workshop, full, act
):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])

    page = client.get(page_url(offer))

    assert page.status_code == 200
    text = page.text
    assert f"A place has come up on {run.title}" in text
    assert offers.deadline_words(offer.expires_at) in text
    assert workshop["venue"].name in text
    assert text.count('class="nhsuk-table__row"') == 1 + len(workshop["sessions"])
    assert 'value="accept"' in text and "Accept the place" in text
    assert 'value="decline"' in text and "Decline" in text
    assert "csrfmiddlewaretoken" in text


def test_accepting_on_the_page_books_and_shows_the_place(client, run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])

    with_commit = act(client.post, path=page_url(offer), data={"answer": "accept"})
    page = client.get(page_url(offer)).text

    assert with_commit.status_code == 302
    assert with_commit["Location"] == page_url(offer)
    assert status_of(waiting[0]) == "booked"
    assert f"You have a place on {run.title}" in page
    assert 'value="accept"' not in page
    again = client.post(page_url(offer), {"answer": "accept"})
    assert again.status_code == 400
    assert errors.OFFER_ALREADY_ACCEPTED.format(course=run.title) in again.text


def test_declining_on_the_page_says_they_still_wait(client, run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])

    act(client.post, path=page_url(offer), data={"answer": "decline"})
    page = client.get(page_url(offer)).text

    assert f"You declined the place on {run.title}" in page
    assert "You are still on the waiting list: number 1." in page
    assert open_offers(run)[0].enrolment == waiting[1]


def test_an_expired_offer_page_says_so_and_a_late_answer_changes_nothing(
    client, run, full, act, frozen_clock
):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    frozen_clock.shift(timedelta(hours=run.offer_hours, minutes=1))
    expired = errors.OFFER_EXPIRED.format(
        deadline=offers.deadline_words(offer.expires_at), position=1
    )

    page = client.get(page_url(offer))
    late = client.post(page_url(offer), {"answer": "accept"})

    assert page.status_code == 200
    assert expired in page.text
    assert 'value="accept"' not in page.text
    assert late.status_code == 400
    assert expired in late.text
    assert status_of(waiting[0]) == "waitlisted"


def test_an_unknown_answer_is_refused_clearly(client, run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])

    response = client.post(page_url(offer), {"answer": "maybe"})

    assert response.status_code == 400
    assert errors.OFFER_ANSWER_UNKNOWN in response.text
    assert status_of(waiting[0]) == "waitlisted"


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "1:forged",
        "MQ:0000000000000000000000000000000000000000000",
        "a" * 300,
    ],
)
def test_a_forged_or_broken_link_is_not_found(client, run, full, act, token):
    booked, waiting = full
    withdraw(act, booked[0])

    assert client.get(f"/offers/{token}/").status_code == 404
    assert client.post(f"/offers/{token}/", {"answer": "accept"}).status_code == 404
    assert status_of(waiting[0]) == "waitlisted"


def test_a_link_altered_to_name_another_offer_is_not_found(client, run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    value, signature = offers.offer_token(offer).split(":", 1)
    other = offers.offer_token(SimpleNamespace(pk=offer.pk + 1)).split(":", 1)[0]

    assert client.get(f"/offers/{other}:{signature}/").status_code == 404
    assert client.get(f"/offers/{value}:{signature}/").status_code == 200


def test_a_signed_link_to_an_offer_that_is_gone_is_not_found(client, run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    url = page_url(offer)
    offer.delete()

    assert client.get(url).status_code == 404


def test_the_offer_page_has_a_fixed_number_of_queries(client, run, workshop, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    client.get(page_url(offer))  # warm caches (the site's settings, the page tree)

    with CaptureQueriesContext(connection) as few:
        client.get(page_url(offer))
    for number in range(4, 10):
        SessionFactory(run=run, number=number)
    for _ in range(5):
        act(booking.run_book, trainee=trainee(), run_id=run.pk, answers=AGREED)
    with CaptureQueriesContext(connection) as many:
        client.get(page_url(offer))

    assert len(few) == len(many)
    assert len(few) <= 8


# --- what trainees and leads see -----------------------------------------------------------------


def test_a_signed_in_trainee_sees_their_offer_on_the_course_page(client, run, full, act):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    client.force_login(waiting[0].trainee)

    page = client.get(f"/courses/{run.pk}/").text

    assert "A place has come up for you." in page
    assert offers.deadline_words(offer.expires_at) in page
    assert f'href="{page_url(offer)}"' in page
    client.force_login(waiting[1].trainee)
    assert "A place has come up for you." not in client.get(f"/courses/{run.pk}/").text


def test_the_lead_sees_open_offers_in_the_waiting_list(client, run, full, act, people):
    booked, waiting = full
    withdraw(act, booked[0])
    offer = offer_of(waiting[0])
    client.force_login(people["lead"])
    local = timezone.localtime(offer.expires_at)

    page = client.get(f"/sites/{run.site.slug}/runs/{run.pk}/").text

    assert "1 of 3 has an open offer." in page
    assert (
        f"offered a place until {local:%H:%M} on {offers.deadline_words(offer.expires_at)[9:]}"
        in page
    )
    assert f"has {run.offer_hours} hours to accept" in page
