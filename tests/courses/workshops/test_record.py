"""A tutor's record of the sessions they co-delivered: only their own, only ended, totals by
programme, the PDF, and its queries."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.roles import Role
from courses.models import CourseRun, TutorKind
from courses.workshops.record import teaching_record_for
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
    days_from_today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def pool(riverside, people):
    lay = TutorFactory(user=people["lay_tutor"], site=riverside, kind=TutorKind.LAY)
    clinical = TutorFactory(user=people["clinical_tutor"], site=riverside, kind=TutorKind.CLINICAL)
    other = TutorFactory(
        user=UserFactory(roles=[Role.CLINICAL_TUTOR.value], first_name="Olga", last_name="Other"),
        site=riverside,
        kind=TutorKind.CLINICAL,
    )
    return {"lay": lay, "clinical": clinical, "other": other}


def _run(riverside, programme, title, status=CourseRun.Status.OPEN):
    return CourseRunFactory(
        site=riverside,
        venue=VenueFactory(site=riverside),
        programme=programme,
        title=title,
        status=status,
    )


def _session(run, number, days, minutes, lay, clinical):
    start = days_from_today(days, at=time(10, 0))
    return SessionFactory(
        run=run,
        number=number,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        lay_tutor=lay,
        clinical_tutor=clinical,
    )


@pytest.fixture
def taught(riverside, programmes, pool):
    """The lay tutor taught: two ended patient sessions (3 hours, 2 hours) with the clinician,
    one ended professional session (1 hour 30) with Olga; not counted: one to come, one of a
    cancelled run. Olga and the clinician taught one more without the lay tutor."""
    lay, clinical, other = pool["lay"], pool["clinical"], pool["other"]
    patient = _run(riverside, programmes["patient"], "Spring group")
    professional = _run(riverside, programmes["professional"], "Partnership workshop")
    cancelled = _run(
        riverside, programmes["patient"], "Cancelled group", CourseRun.Status.CANCELLED
    )
    _session(patient, 1, -14, 180, lay, clinical)
    _session(patient, 2, -7, 120, lay, clinical)
    _session(patient, 3, 7, 180, lay, clinical)
    _session(professional, 1, -3, 90, lay, other)
    _session(professional, 2, -2, 90, None, other)
    _session(cancelled, 1, -5, 180, lay, clinical)
    return {"patient": patient, "professional": professional}


def test_the_record_lists_only_the_tutors_own_ended_sessions_with_totals(taught, people, pool):
    record = teaching_record_for(people["lay_tutor"])

    rows = [
        (row.session.run.title, row.session.number, row.co_tutor, row.hours)
        for row in record["sessions"]
    ]
    assert rows == [
        ("Partnership workshop", 1, pool["other"], "1 hour 30 minutes"),
        ("Spring group", 2, pool["clinical"], "2 hours"),
        ("Spring group", 1, pool["clinical"], "3 hours"),
    ]
    totals = [(row.title, row.sessions, row.hours) for row in record["by_programme"]]
    assert totals == [
        ("Moving on Together", 2, "5 hours"),
        ("Working in Partnership", 1, "1 hour 30 minutes"),
    ]
    assert (record["total"].sessions, record["total"].hours) == (3, "6 hours 30 minutes")


def test_the_record_page_and_pdf(client, taught, people):
    client.force_login(people["lay_tutor"])

    page = client.get("/teach/record/")
    pdf = client.get("/teach/record/pdf/")
    teach = client.get("/teach/")

    assert page.status_code == 200
    assert "3 sessions, 6 hours 30 minutes" in page.text
    assert "Co-tutor: Olga Other" in page.text
    assert "Cancelled group" not in page.text
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'href="/teach/record/"' in teach.text


def test_another_tutor_sees_only_their_own(client, taught, people):
    client.force_login(people["clinical_tutor"])

    text = client.get("/teach/record/").text

    assert "Partnership workshop" not in text
    assert "2 sessions, 5 hours" in text


@pytest.mark.parametrize("role", ["trainee", "lead", "site_admin"])
def test_the_record_is_for_tutors_only(client, people, role):
    client.force_login(people[role])

    assert client.get("/teach/record/").status_code == 403
    assert client.get("/teach/record/pdf/").status_code == 403


def test_a_tutor_not_in_a_pool_is_told_and_has_no_pdf(client, people):
    client.force_login(people["lay_tutor"])

    assert "not in a site's pool of tutors" in client.get("/teach/record/").text
    assert client.get("/teach/record/pdf/").status_code == 404


def test_the_record_takes_the_same_queries_however_many_sessions(client, taught, people, pool):
    client.force_login(people["lay_tutor"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/teach/record/").status_code == 200
        return len(queries)

    before = count()
    for number in range(4, 10):
        _session(taught["patient"], number, -20 - number, 150, pool["lay"], pool["other"])
    assert count() == before
