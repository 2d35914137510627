"""What delivery contributes to a person's download (courses.privacy.export): bookings, the
register, lessons, certificates, messages, exceptions, the tutor record, reminders and the
calendar feed, each compared with the database; nothing of anyone else's; and the same number
of queries for 1 booking as for 10."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.privacy.export import local
from cms.privacy.services import personal_data_export
from courses.models import (
    AccessNeed,
    Attendance,
    CalendarFeed,
    Certificate,
    CourseRun,
    Enrolment,
    GroupException,
    LessonProgress,
    OrganiserMessage,
    PlaceOffer,
    ReminderSent,
)
from tests.cms.privacy.zip_reading import every_value, read_zip
from tests.factories import CourseRunFactory, SessionFactory, UserFactory, days_from_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee(people):
    return people["trainee"]


@pytest.fixture
def held(workshop, elearning, trainee, people):
    """The Riverside trainee booked on the workshop (asking for a hearing loop), marked at its
    first session, waiting for a place on a second run, a lesson finished with a certificate, a
    message to the organisers, a lead's exception, a reminder and a calendar feed."""
    run = workshop["run"]
    first, *_ = workshop["sessions"]
    booking = Enrolment.objects.create(
        trainee=trainee,
        run=run,
        site=workshop["site"],
        status=Enrolment.Status.BOOKED,
        enrolled_at=days_from_today(-10),
        access_needs=[AccessNeed.HEARING_LOOP],
        adjustments="=I need the door held",
        terms_agreed_at=days_from_today(-10),
    )
    Attendance.objects.create(session=first, enrolment=booking, status=Attendance.Status.PRESENT)
    full = CourseRunFactory(
        site=workshop["site"], programme=workshop["programme"], title="Autumn group", capacity=1
    )
    SessionFactory(run=full, number=5)
    Enrolment.objects.create(
        trainee=people["lay_tutor"],
        run=full,
        status=Enrolment.Status.WAITLISTED,
        enrolled_at=days_from_today(-3),
    )
    waiting = Enrolment.objects.create(
        trainee=trainee,
        run=full,
        status=Enrolment.Status.WAITLISTED,
        enrolled_at=days_from_today(-2),
    )
    module, lesson = elearning
    module_enrolment = Enrolment.objects.get(trainee=trainee, module=module)
    LessonProgress.objects.create(enrolment=module_enrolment, lesson=lesson)
    Certificate.objects.create(
        enrolment=module_enrolment,
        code="ABCD-1234",
        holder_name="Pat Jones",
        title=module.title,
        issued_at=days_from_today(-1, at=time(15, 0)),
    )
    OrganiserMessage.objects.create(
        run=run, site=workshop["site"], sender=trainee, topic="access", body="Is there parking?"
    )
    GroupException.objects.create(
        run=run, trainee=trainee, reason="Carer joining", decided_by=people["lead"]
    )
    ReminderSent.objects.create(session=first, user=trainee, days_before=7)
    CalendarFeed.objects.create(user=trainee, token="a-secret-calendar-token")
    return {"booking": booking, "waiting": waiting, "full": full}


def download(person, by=None):
    return read_zip(personal_data_export(person=person, produced_by=by or person).content)


def test_bookings_are_every_enrolment_with_status_dates_place_and_needs(held, trainee, elearning):
    rows = download(trainee)["bookings.csv"]

    enrolments = list(Enrolment.objects.filter(trainee=trainee).order_by("enrolled_at", "pk"))
    assert len(rows) == len(enrolments) == 3
    by_title = {row["Course or module"]: row for row in rows}
    spring = by_title["Spring group"]
    assert spring["Kind"] == "Course"
    assert spring["Site"] == "Riverside Health Board"
    assert spring["Status"] == "Enrolled"
    assert spring["Booked or enrolled"] == local(held["booking"].enrolled_at)
    assert spring["Access needs"] == "I need a hearing loop"
    # Typed text never runs as a formula in a spreadsheet.
    assert spring["Other needs or adjustments"] == "'=I need the door held"
    assert spring["Place on the waiting list"] == ""
    autumn = by_title["Autumn group"]
    assert (autumn["Status"], autumn["Place on the waiting list"]) == ("On the waiting list", "2")
    module, _ = elearning
    assert by_title[module.title]["Kind"] == "E-learning"


def test_offers_of_a_place_are_theirs_with_the_deadline_and_what_became_of_each(held, trainee):
    waiting, full = held["waiting"], held["full"]
    made = days_from_today(-1, at=time(9, 0))
    PlaceOffer.objects.create(
        run=full,
        enrolment=waiting,
        made_at=made,
        expires_at=made + timedelta(hours=48),
        status=PlaceOffer.Status.DECLINED,
        answered_at=made + timedelta(hours=2),
    )
    PlaceOffer.objects.create(  # someone else's offer on the same run
        run=full,
        enrolment=Enrolment.objects.filter(run=full).exclude(trainee=trainee).first(),
        made_at=made,
        expires_at=made + timedelta(hours=48),
    )

    (row,) = download(trainee)["offers_of_a_place.csv"]

    assert row["Course"] == full.title
    assert row["Offered"] == local(made)
    assert row["Answer by"] == local(made + timedelta(hours=48))
    assert row["What became of it"] == "Declined"
    assert row["Answered or closed"] == local(made + timedelta(hours=2))


def test_attendance_lessons_and_certificates_match_the_database(held, trainee, workshop):
    files = download(trainee)

    first = workshop["sessions"][0]
    assert files["attendance.csv"] == [
        {
            "Course": "Spring group",
            "Session": "1",
            "Starts": local(first.starts_at),
            "Register": "Present",
            "Marked": local(Attendance.objects.get().marked_at),
        }
    ]
    progress = LessonProgress.objects.get()
    assert files["lessons_finished.csv"] == [
        {
            "Module": progress.enrolment.module.title,
            "Lesson": progress.lesson.title,
            "Finished": local(progress.completed_at),
        }
    ]
    certificate = Certificate.objects.get()
    [row] = files["certificates.csv"]
    assert (row["Code"], row["Kind"], row["Name on it"]) == ("ABCD-1234", "E-learning", "Pat Jones")
    assert row["Issued"] == local(certificate.issued_at)
    assert row["Withdrawn"] == ""


def test_messages_exceptions_reminders_and_the_calendar_feed(held, trainee):
    files = download(trainee)

    [message] = files["messages_to_organisers.csv"]
    assert (message["About"], message["Message"]) == ("Access or adjustments", "Is there parking?")
    assert [row["Reason"] for row in files["course_exceptions.csv"]] == ["Carer joining"]
    assert [row["Days before"] for row in files["session_reminders.csv"]] == ["7"]
    assert len(files["calendar_feed.csv"]) == 1
    # The feed's address is a secret: never in the download.
    assert "a-secret-calendar-token" not in every_value(files)


def test_the_readme_names_the_sites_contact_details(held, trainee, workshop):
    site = workshop["site"]
    site.contact_email = "courses@riverside.example.org"
    site.contact_phone = "01632 960 123"
    site.save()

    readme = download(trainee)["README.txt"]

    assert "- Riverside Health Board: courses@riverside.example.org 01632 960 123" in readme


def test_a_tutor_gets_their_tutor_record_and_sessions(workshop, people):
    lay = workshop["lay"]
    session = workshop["sessions"][0]
    session.lay_tutor = lay
    session.save()

    files = download(lay.user)

    assert files["tutor.json"]["kind"] == "Lay tutor"
    assert files["tutor.json"]["site"] == "Riverside Health Board"
    assert [item["programme"] for item in files["tutor.json"]["accreditations"]] == [
        "Moving on Together"
    ]
    assert len(files["tutor.json"]["weekly_availability"]) == 7
    assert [(row["Course"], row["As"]) for row in files["sessions_taught.csv"]] == [
        ("Spring group", "Lay tutor")
    ]
    assert download(people["trainee"])["tutor.json"] is None


def test_another_persons_bookings_never_appear(held, trainee, people, workshop):
    neighbour = people["clinical_tutor"]
    other_booking = Enrolment.objects.create(
        trainee=neighbour, run=workshop["run"], adjustments="Neighbour's private need"
    )
    Attendance.objects.create(
        session=workshop["sessions"][1], enrolment=other_booking, status=Attendance.Status.ABSENT
    )
    OrganiserMessage.objects.create(
        run=workshop["run"], site=workshop["site"], sender=neighbour, topic="other", body="Mine"
    )

    files = download(trainee)
    text = every_value(files)

    assert "Neighbour's private need" not in text
    assert "Absent" not in text
    assert [row["Message"] for row in files["messages_to_organisers.csv"]] == ["Is there parking?"]
    assert neighbour.email not in text


def bookings(trainee, site, programme, count):
    for number in range(count):
        run = CourseRun.objects.create(
            site=site,
            venue=site.venues.first(),
            programme=programme,
            title=f"Group {number}",
            capacity=10,
            minimum_group=1,
        )
        session = SessionFactory(run=run, number=1 + number)
        booking = Enrolment.objects.create(trainee=trainee, run=run, site=site)
        Attendance.objects.create(session=session, enrolment=booking, status="present")
        OrganiserMessage.objects.create(
            run=run, site=site, sender=trainee, topic="other", body="Hi"
        )
        ReminderSent.objects.create(session=session, user=trainee, days_before=1)


def queries_to_download(person) -> int:
    person = type(person).objects.get(pk=person.pk)  # nothing read ahead or kept on it
    with CaptureQueriesContext(connection) as queries:
        personal_data_export(person=person, produced_by=person)
    return len(queries)


def test_the_download_takes_as_many_queries_for_ten_bookings_as_for_one(workshop, people):
    one, ten = UserFactory(), UserFactory()
    bookings(one, workshop["site"], workshop["programme"], 1)
    bookings(ten, workshop["site"], workshop["programme"], 10)
    assert len(download(ten)["bookings.csv"]) == 10

    counted = queries_to_download(one)
    assert queries_to_download(ten) == counted
    # 41: 37 for the files of every app (offers_of_a_place.csv the newest), one each for linked
    # organisation accounts, second factors, roles given at sign-in and resets of second factors.
    assert counted == 41


def test_an_empty_record_downloads_with_every_file_and_no_rows(db):
    person = UserFactory()
    files = download(person)
    assert files["bookings.csv"] == []
    assert files["attendance.csv"] == []
    assert files["certificates.csv"] == []
