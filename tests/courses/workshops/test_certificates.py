"""Certificates of attendance for courses: issued by the completion rule, counted from the
registers, withdrawn by a correction, shown, checked in public and revoked by a lead."""

from datetime import time, timedelta

import pytest
from django.core import mail

from cms.roles import Role
from courses import errors
from courses.models import Attendance, Certificate, CourseRun, Enrolment
from courses.workshops.certificates import attendance_figures
from courses.workshops.teaching import attendance_mark
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    SiteMembershipFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

PRESENT, ABSENT = Attendance.Status.PRESENT, Attendance.Status.ABSENT


def _run(site, programme, *, lengths, title="Spring group", completion=3):
    """A run whose sessions (one a week, the last one yesterday) last `lengths` minutes each."""
    run = CourseRunFactory(
        site=site,
        venue=VenueFactory(site=site, name=f"{title} venue"),
        programme=programme,
        title=title,
        status=CourseRun.Status.OPEN,
        completion_sessions=completion,
    )
    count = len(lengths)
    sessions = []
    for number, minutes in enumerate(lengths, start=1):
        start = days_from_today(-1 - 7 * (count - number), at=time(10, 0))
        sessions.append(
            SessionFactory(
                run=run,
                number=number,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
            )
        )
    return run, sessions


@pytest.fixture
def course(riverside, programmes, people):
    """Four sessions of 3 hours, 2 hours, 2 hours 30 and 3 hours; 3 of them complete it."""
    run, sessions = _run(riverside, programmes["patient"], lengths=[180, 120, 150, 180])
    enrolment = Enrolment.objects.create(trainee=people["trainee"], run=run, site=riverside)
    return {"run": run, "sessions": sessions, "enrolment": enrolment}


def _mark(sessions, enrolment, statuses, by):
    for session, status in zip(sessions, statuses, strict=False):
        attendance_mark(session=session, marks={enrolment.pk: status}, marked_by=by)


def test_a_certificate_is_issued_on_completion_and_not_before(
    course, people, django_capture_on_commit_callbacks
):
    enrolment, sessions, tutor = course["enrolment"], course["sessions"], people["lay_tutor"]
    with django_capture_on_commit_callbacks(execute=True):
        _mark(sessions[:2], enrolment, [PRESENT, PRESENT], tutor)
    before = Certificate.objects.count()
    emails_before = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        _mark(sessions[2:3], enrolment, [PRESENT], tutor)

    assert (before, emails_before) == (0, 0)
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.kind == Certificate.Kind.ATTENDANCE
    assert certificate.title == "Spring group"
    assert certificate.is_valid
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [people["trainee"].email]
    assert f"/learn/certificates/{certificate.code}/" in mail.outbox[0].body


def test_hours_and_sessions_are_counted_from_the_register(course, people):
    """Sessions of different lengths and one absence: 3 hours + 2 hours 30 + 3 hours."""
    enrolment, sessions = course["enrolment"], course["sessions"]
    _mark(sessions, enrolment, [PRESENT, ABSENT, PRESENT, PRESENT], people["lay_tutor"])

    certificate = Certificate.objects.get(enrolment=enrolment)

    assert (certificate.sessions_attended, certificate.sessions_total) == (3, 4)
    assert certificate.learning_minutes == 8 * 60 + 30
    assert certificate.hours_text == "8 hours 30 minutes"
    assert certificate.first_date == sessions[0].starts_at.date()
    assert certificate.last_date == sessions[-1].ends_at.date()


def test_a_session_attended_after_completing_is_added_to_the_certificate(course, people):
    enrolment, sessions = course["enrolment"], course["sessions"]
    _mark(sessions[:3], enrolment, [PRESENT] * 3, people["lay_tutor"])
    at_three = Certificate.objects.get().sessions_attended

    _mark(sessions[3:], enrolment, [PRESENT], people["lay_tutor"])

    assert at_three == 3
    assert Certificate.objects.get().sessions_attended == 4
    assert Certificate.objects.get().learning_minutes == 630


def test_figures_take_two_queries_however_many_people(course, riverside, django_assert_num_queries):
    run = course["run"]
    ids = [course["enrolment"].pk] + [
        Enrolment.objects.create(trainee=UserFactory(), run=run, site=riverside).pk
        for _ in range(5)
    ]
    with django_assert_num_queries(2):
        figures = attendance_figures(run=run, enrolment_ids=ids)
    assert len(figures) == 6


def test_a_cpd_statement_only_for_professionals(riverside, programmes, people):
    statements = {}
    for track in ("patient", "professional"):
        run, sessions = _run(
            riverside, programmes[track], lengths=[420, 420, 420], title=f"{track} group"
        )
        enrolment = Enrolment.objects.create(trainee=people["trainee"], run=run, site=riverside)
        _mark(sessions, enrolment, [PRESENT] * 3, people["lay_tutor"])
        statements[track] = Certificate.objects.get(enrolment=enrolment).cpd_statement

    assert statements["patient"] == ""
    assert statements["professional"] == (
        "This course provided 21 hours of learning, which you can record as continuing "
        "professional development."
    )


def test_a_corrected_register_withdraws_the_certificate_and_a_new_correction_restores_it(
    course, people, django_capture_on_commit_callbacks
):
    enrolment, sessions, tutor = course["enrolment"], course["sessions"], people["lay_tutor"]
    _mark(sessions[:3], enrolment, [PRESENT] * 3, tutor)
    code = Certificate.objects.get().code

    attendance_mark(session=sessions[1], marks={enrolment.pk: ABSENT}, marked_by=tutor)
    withdrawn = Certificate.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        attendance_mark(session=sessions[3], marks={enrolment.pk: PRESENT}, marked_by=tutor)

    assert not withdrawn.is_valid
    assert (
        withdrawn.revoke_reason == errors.CERTIFICATE_ATTENDANCE_CORRECTED == "Attendance corrected"
    )
    restored = Certificate.objects.get()
    assert restored.code == code
    assert restored.is_valid
    assert restored.sessions_attended == 3
    assert len(mail.outbox) == 1  # told again that it is issued


def test_a_certificate_a_lead_revoked_stays_revoked(course, people):
    from courses.elearning.services import certificate_revoke

    enrolment, sessions, tutor = course["enrolment"], course["sessions"], people["lay_tutor"]
    _mark(sessions[:3], enrolment, [PRESENT] * 3, tutor)
    certificate_revoke(
        certificate=Certificate.objects.get(), revoked_by=people["lead"], reason="Issued in error"
    )

    _mark(sessions[3:], enrolment, [PRESENT], tutor)

    certificate = Certificate.objects.get()
    assert not certificate.is_valid
    assert certificate.revoke_reason == "Issued in error"


@pytest.fixture
def certificate(course, people):
    _mark(
        course["sessions"],
        course["enrolment"],
        [PRESENT, ABSENT, PRESENT, PRESENT],
        people["lay_tutor"],
    )
    return Certificate.objects.get()


def test_the_holder_sees_the_page_and_downloads_the_pdf(client, certificate, people):
    client.force_login(people["trainee"])

    page = client.get(f"/learn/certificates/{certificate.code}/")
    pdf = client.get(f"/learn/certificates/{certificate.code}/pdf/")

    assert page.status_code == 200
    assert "Certificate of attendance" in page.text
    assert "attending 3 of 4 sessions: 8 hours 30 minutes of learning" in page.text
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_the_public_check_shows_only_name_course_dates_and_hours(client, certificate, people):
    people["trainee"].first_name, people["trainee"].last_name = "Ann", "Person"
    people["trainee"].save()

    text = client.get(f"/certificates/{certificate.code}/").text

    assert "This certificate is genuine" in text
    assert certificate.holder_name in text
    assert "Spring group" in text
    assert certificate.dates_text in text
    assert "8 hours 30 minutes" in text
    assert people["trainee"].email not in text
    assert "3 of 4" not in text
    assert "Spring group venue" not in text
    keys = text.count("nhsuk-summary-list__key")
    assert keys == 5  # name, course, dates, learning hours, code


def test_a_lead_of_the_runs_site_revokes_and_a_lead_of_another_site_cannot(
    client, certificate, people, riverside
):
    url = f"/learn/certificates/{certificate.code}/revoke/"
    client.force_login(people["other_lead"])
    other = client.get(url)
    client.force_login(people["lead"])
    own = client.get(url)
    revoked = client.post(url, {"reason": "Issued to the wrong person"})

    assert other.status_code == 404
    assert own.status_code == 200
    assert revoked.status_code == 302
    assert revoked["Location"] == f"/sites/{riverside.slug}/runs/{certificate.enrolment.run_id}/"
    certificate.refresh_from_db()
    assert certificate.revoked_by == people["lead"]


def test_a_lead_of_another_site_whose_learner_it_is_cannot_revoke(
    client, certificate, people, hillside
):
    """The run's site decides, not the site the enrolment row names."""
    Enrolment.objects.filter(pk=certificate.enrolment_id).update(site=hillside)
    client.force_login(people["other_lead"])

    assert client.get(f"/learn/certificates/{certificate.code}/revoke/").status_code == 404


def test_someone_elses_certificate_of_attendance_is_not_found(client, certificate, riverside):
    stranger = UserFactory(roles=[Role.TRAINEE.value])
    SiteMembershipFactory(site=riverside, user=stranger)
    client.force_login(stranger)

    assert client.get(f"/learn/certificates/{certificate.code}/").status_code == 404
    assert client.get(f"/learn/certificates/{certificate.code}/pdf/").status_code == 404


def test_the_leads_run_page_lists_each_certificate_with_a_way_to_revoke_it(
    client, certificate, people, riverside
):
    run_page = f"/sites/{riverside.slug}/runs/{certificate.enrolment.run_id}/"
    revoke = f"/learn/certificates/{certificate.code}/revoke/"
    client.force_login(people["lead"])

    before = client.get(run_page).text
    client.post(revoke, {"reason": "Issued to the wrong person"})
    after = client.get(run_page).text

    assert f"certificate {certificate.code}" in before
    assert f'href="{revoke}"' in before
    assert f"certificate {certificate.code}, revoked" in after
    assert f'href="{revoke}"' not in after
