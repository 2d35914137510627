"""Calendar feeds and booking invitations: RFC 5545, parsed back with icalendar."""

from datetime import UTC, timedelta

import icalendar
import pytest
from django.utils import timezone

from courses import errors
from courses.calendars.feeds import (
    calendar_feed_ensure,
    calendar_feed_reset,
    feed_for,
    invitation_for,
)
from courses.models import CalendarFeed, CourseRun, Enrolment, Session, TutorKind
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def course(workshop):
    """The workshop run, open, every session taught by its lay and clinical tutor, at a venue
    with a hearing loop and notes on how to get in."""
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.save()
    venue = workshop["venue"]
    venue.hearing_loop = True
    venue.address = "12 Mill Lane\nRiverside"
    venue.access_notes = "Ramp at the side door."
    venue.save()
    Session.objects.filter(run=run).update(
        lay_tutor=workshop["lay"], clinical_tutor=workshop["clinical"]
    )
    return {**workshop, "sessions": list(run.sessions.order_by("number"))}


def book(run, status=Enrolment.Status.BOOKED, trainee=None):
    trainee = trainee or UserFactory()
    return Enrolment.objects.create(trainee=trainee, run=run, site=run.site, status=status)


def events(data: bytes):
    calendar = icalendar.Calendar.from_ical(data)
    return calendar, sorted(calendar.walk("VEVENT"), key=lambda event: event.start)


def feed_of(user):
    return feed_for(calendar_feed_ensure(user=user))


def text(event, name):
    return str(event[name])


# --- the invitation a booking email carries -----------------------------------------------------


def test_invitation_has_one_event_per_session_with_place_access_and_tutors(course):
    enrolment = book(course["run"])
    lay, clinical = course["lay"], course["clinical"]

    calendar, found = events(invitation_for(enrolment))

    assert text(calendar, "METHOD") == "PUBLISH"
    assert text(calendar, "VERSION") == "2.0"
    assert [text(event, "UID") for event in found] == [
        f"session-{session.pk}@testserver" for session in course["sessions"]
    ]
    assert [text(event, "SUMMARY") for event in found] == [
        "Moving on Together – session 1",
        "Moving on Together – session 2",
        "Moving on Together – session 3",
    ]
    first = found[0]
    assert first.start == course["sessions"][0].starts_at.astimezone(UTC)
    assert first["DTSTART"].to_ical().endswith(b"Z")  # written in UTC
    assert first["DTEND"].to_ical().endswith(b"Z")
    assert first.end - first.start == timedelta(hours=3)
    assert "DTSTAMP" in first
    assert text(first, "LOCATION") == "Riverside Library, 12 Mill Lane, Riverside, RV1 1AA"
    description = text(first, "DESCRIPTION")
    assert "Step-free access." in description
    assert "Hearing loop available." in description
    assert "Ramp at the side door." in description
    assert f"Tutors: {lay.name} and {clinical.name}." in description
    assert f"http://testserver/courses/{course['run'].pk}/" in description


def test_invitation_says_so_when_there_is_no_step_free_access(course):
    Session.objects.filter(run=course["run"]).update(
        venue=VenueFactory(site=course["site"], step_free=False, name="Old Hall")
    )

    _, found = events(invitation_for(book(course["run"])))

    assert {text(event, "LOCATION").split(",")[0] for event in found} == {"Old Hall"}
    assert all("No step-free access." in text(event, "DESCRIPTION") for event in found)


def test_the_location_does_not_repeat_a_venue_name_the_address_starts_with(course):
    venue = course["venue"]
    venue.address = "Riverside Library\n12 Mill Lane\nRiverside"
    venue.postcode = ""
    venue.save()

    _, found = events(invitation_for(book(course["run"])))

    assert text(found[0], "LOCATION") == "Riverside Library, 12 Mill Lane, Riverside"


# --- tokens -------------------------------------------------------------------------------------


def test_a_feed_is_made_once_with_a_long_random_token(people):
    feed = calendar_feed_ensure(user=people["trainee"])

    assert calendar_feed_ensure(user=people["trainee"]) == feed
    assert len(feed.token) >= 43
    assert feed.token != calendar_feed_ensure(user=people["lay_tutor"]).token


def test_reset_gives_a_new_token(people):
    old = calendar_feed_ensure(user=people["trainee"]).token

    new = calendar_feed_reset(user=people["trainee"]).token

    assert new != old
    assert CalendarFeed.objects.get(user=people["trainee"]).token == new


def test_reset_without_a_feed_makes_one(people):
    feed = calendar_feed_reset(user=people["trainee"])

    assert CalendarFeed.objects.get(user=people["trainee"]) == feed


# --- what a feed holds --------------------------------------------------------------------------


def test_the_feed_names_itself_and_says_how_often_to_refresh(people):
    calendar, found = events(feed_of(people["trainee"]))

    assert found == []
    assert text(calendar, "X-WR-CALNAME") == "Co-training: my sessions"
    assert text(calendar, "VERSION") == "2.0"
    assert text(calendar, "PRODID") == "-//Co-training//Course calendar//EN"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=4)
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT4H"


def test_a_tutor_sees_what_they_teach_with_their_co_tutor_venue_and_plan(course):
    lay, clinical = course["lay"], course["clinical"]

    _, found = events(feed_of(lay.user))

    assert [text(event, "UID") for event in found] == [
        f"session-{session.pk}@testserver" for session in course["sessions"]
    ]
    description = text(found[0], "DESCRIPTION")
    assert f"Co-tutor: {clinical.name} (clinical tutor)." in description
    assert "Venue: Riverside Library, 12 Mill Lane, Riverside, RV1 1AA." in description
    assert f"/teach/sessions/{course['sessions'][0].pk}/plan/" in description
    assert text(found[0], "STATUS") == "CONFIRMED"
    clinical_description = text(events(feed_of(clinical.user))[1][0], "DESCRIPTION")
    assert f"Co-tutor: {lay.name} (lay tutor)." in clinical_description


def test_a_tutor_sees_the_last_30_days_and_onwards_but_not_other_tutors_sessions(course):
    lay = course["lay"]
    run = course["run"]
    now = timezone.now()
    recent = SessionFactory(run=run, number=4, starts_at=now - timedelta(days=29), lay_tutor=lay)
    old = SessionFactory(run=run, number=5, starts_at=now - timedelta(days=31), lay_tutor=lay)
    other = TutorFactory(site=course["site"], kind=TutorKind.LAY)
    SessionFactory(run=run, number=6, lay_tutor=other)

    _, found = events(feed_of(lay.user))

    uids = [text(event, "UID") for event in found]
    assert f"session-{recent.pk}@testserver" in uids
    assert f"session-{old.pk}@testserver" not in uids
    assert len(uids) == 4


def test_a_tutor_without_a_co_tutor_is_told_and_a_planning_run_is_tentative(course):
    lay = course["lay"]
    run = CourseRunFactory(programme=course["programme"], site=course["site"])
    SessionFactory(run=run, number=1, lay_tutor=lay)

    _, found = events(feed_of(lay.user))

    planned = [event for event in found if text(event, "STATUS") == "TENTATIVE"]
    assert len(planned) == 1
    assert "Co-tutor: not assigned yet." in text(planned[0], "DESCRIPTION")


def test_a_trainee_sees_only_the_runs_they_are_booked_on(course):
    run = course["run"]
    trainee = book(run).trainee
    waitlisted_run = CourseRunFactory(
        programme=course["programme"], site=course["site"], status=CourseRun.Status.OPEN
    )
    SessionFactory(run=waitlisted_run, number=1)
    book(waitlisted_run, Enrolment.Status.WAITLISTED, trainee=trainee)
    SessionFactory(
        run=CourseRunFactory(programme=course["programme"], site=course["site"]), number=1
    )

    _, found = events(feed_of(trainee))

    assert [text(event, "UID") for event in found] == [
        f"session-{session.pk}@testserver" for session in course["sessions"]
    ]
    description = text(found[0], "DESCRIPTION")
    assert f"Tutors: {course['lay'].name} and {course['clinical'].name}." in description
    assert "Hearing loop available." in description
    assert "/teach/" not in description


def test_a_trainee_who_completed_still_sees_the_course(course):
    trainee = book(course["run"], Enrolment.Status.COMPLETED).trainee

    _, found = events(feed_of(trainee))

    assert len(found) == 3


@pytest.mark.parametrize("status", [Enrolment.Status.WITHDRAWN, Enrolment.Status.WAITLISTED])
def test_withdrawn_or_waitlisted_trainees_see_nothing(course, status):
    trainee = book(course["run"], status).trainee

    assert events(feed_of(trainee))[1] == []


def test_a_cancelled_run_leaves_every_feed(course):
    trainee = book(course["run"]).trainee
    CourseRun.objects.filter(pk=course["run"].pk).update(status=CourseRun.Status.CANCELLED)

    assert events(feed_of(trainee))[1] == []
    assert events(feed_of(course["lay"].user))[1] == []


def test_a_tutor_booked_on_another_run_gets_both(course):
    lay = course["lay"]
    other_run = CourseRunFactory(
        programme=course["programme"], site=course["site"], status=CourseRun.Status.OPEN
    )
    attending = SessionFactory(run=other_run, number=1)
    book(other_run, trainee=lay.user)

    _, found = events(feed_of(lay.user))

    by_uid = {text(event, "UID"): text(event, "DESCRIPTION") for event in found}
    assert len(by_uid) == 4
    assert "You are teaching." in by_uid[f"session-{course['sessions'][0].pk}@testserver"]
    assert "Tutors:" in by_uid[f"session-{attending.pk}@testserver"]


def add_taught_and_booked_sessions(course, trainee, count):
    run = CourseRunFactory(
        programme=course["programme"], site=course["site"], status=CourseRun.Status.OPEN
    )
    book(run, trainee=trainee)
    for number in range(1, count + 1):
        SessionFactory(run=run, number=number)
        SessionFactory(
            run=course["run"],
            number=10 + number,
            lay_tutor=course["lay"],
            clinical_tutor=TutorFactory(site=course["site"], kind=TutorKind.CLINICAL),
        )


@pytest.mark.parametrize("count", [1, 12])
def test_the_feed_costs_the_same_queries_however_many_sessions(
    course, django_assert_num_queries, count
):
    lay = course["lay"]
    add_taught_and_booked_sessions(course, lay.user, count)
    feed = CalendarFeed.objects.select_related("user").get(
        pk=calendar_feed_ensure(user=lay.user).pk
    )

    with django_assert_num_queries(1):
        data = feed_for(feed)

    assert len(events(data)[1]) == 3 + 2 * count


# --- the pages ----------------------------------------------------------------------------------


def test_the_feed_address_needs_no_sign_in(client, course):
    lay = course["lay"]
    feed = calendar_feed_ensure(user=lay.user)

    response = client.get(f"/calendar/{feed.token}.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert len(events(response.content)[1]) == 3


def test_an_unknown_token_is_not_found(client, course):
    calendar_feed_ensure(user=course["lay"].user)

    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_the_feed_of_a_deactivated_account_is_not_found(client, course):
    feed = calendar_feed_ensure(user=course["lay"].user)
    course["lay"].user.__class__.objects.filter(pk=feed.user_id).update(is_active=False)

    assert client.get(f"/calendar/{feed.token}.ics").status_code == 404


def test_the_calendar_page_shows_the_address_and_how_to_subscribe(client, people):
    client.force_login(people["trainee"])

    response = client.get("/calendar/")

    feed = CalendarFeed.objects.get(user=people["trainee"])
    assert f"http://testserver/calendar/{feed.token}.ics" in response.text
    assert f"webcal://testserver/calendar/{feed.token}.ics" in response.text
    for words in ("Outlook", "Google Calendar", "Apple Calendar", "Get a new calendar address"):
        assert words in response.text


def test_the_calendar_page_keeps_the_address_between_visits(client, people):
    client.force_login(people["trainee"])

    client.get("/calendar/")
    client.get("/calendar/")

    assert CalendarFeed.objects.filter(user=people["trainee"]).count() == 1


def test_reset_makes_the_old_address_stop_working(client, course):
    lay = course["lay"]
    old = calendar_feed_ensure(user=lay.user).token
    client.force_login(lay.user)

    response = client.post("/calendar/reset/", {"next": "/calendar/"}, follow=True)

    new = CalendarFeed.objects.get(user=lay.user).token
    assert response.redirect_chain == [("/calendar/", 302)]
    assert errors.CALENDAR_ADDRESS_CHANGED in response.text
    assert new in response.text
    client.logout()
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/", "http://testserver/x", ""]
)
def test_reset_goes_home_unless_next_is_a_local_address(client, people, next_url):
    client.force_login(people["trainee"])

    response = client.post("/calendar/reset/", {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_reset_goes_back_to_a_local_page(client, people):
    client.force_login(people["trainee"])

    response = client.post("/calendar/reset/", {"next": "/learn/"})

    assert response["Location"] == "/learn/"


def test_reset_needs_sign_in_and_a_post(client, people):
    assert client.post("/calendar/reset/")["Location"].startswith("/accounts/login/")
    client.force_login(people["trainee"])
    assert client.get("/calendar/reset/").status_code == 405
    assert not CalendarFeed.objects.exists()


def test_reset_refuses_a_post_without_csrf(people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["trainee"])
    old = calendar_feed_ensure(user=people["trainee"]).token

    assert client.post("/calendar/reset/").status_code == 403
    assert CalendarFeed.objects.get().token == old
