"""Staff produce a person's data for a written request (/data-requests/): a site administrator
for people booked at their sites, a system administrator for anyone; every refusal named and
nothing recorded; every copy recorded; the person sees the record in their own download."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.models import PersonalDataExport
from cms.privacy.services import RECEIVED_IN_THE_FUTURE, RECEIVED_ON_REQUIRED, REFERENCE_REQUIRED
from courses import errors
from courses.models import Enrolment
from tests.cms.privacy.zip_reading import read_zip
from tests.factories import UserFactory
from tests.strategies import typed_text

pytestmark = pytest.mark.django_db

PAGE = "/data-requests/"


@pytest.fixture
def booked(workshop):
    person = UserFactory(email="pat.jones@example.com", first_name="Pat", last_name="Jones")
    Enrolment.objects.create(trainee=person, run=workshop["run"])
    return person


@pytest.fixture
def elsewhere(hillside, programmes):
    """Someone booked only at Hillside."""
    from tests.factories import CourseRunFactory

    person = UserFactory(email="sam.hill@example.com")
    run = CourseRunFactory(site=hillside, programme=programmes["patient"])
    Enrolment.objects.create(trainee=person, run=run)
    return person


def days_from_today(days):
    """(day, month, year) as the form's three boxes take them, counted from the test's clock."""
    when = timezone.localdate() + timedelta(days=days)
    return (str(when.day), str(when.month), str(when.year))


def request_for(email, reference="SAR-2026-014", day=None):
    day = day or days_from_today(-16)
    return {
        "email": email,
        "reference": reference,
        "request_received_on_day": day[0],
        "request_received_on_month": day[1],
        "request_received_on_year": day[2],
    }


def as_(client, user):
    client.force_login(user)
    return client


def test_a_site_administrator_downloads_the_data_of_someone_booked_at_their_site(
    client, people, booked
):
    response = as_(client, people["site_admin"]).post(PAGE, request_for("Pat.Jones@example.com"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="personal-data-sar-2026-014-{timezone.localdate().isoformat()}.zip"'
    )
    assert "max-age=0" in response["Cache-Control"]
    files = read_zip(response.content)
    assert files["account.json"]["email"] == "pat.jones@example.com"
    assert [row["Course or module"] for row in files["bookings.csv"]] == ["Spring group"]
    record = PersonalDataExport.objects.get()
    assert (record.person, record.produced_by, record.reference) == (
        booked,
        people["site_admin"],
        "SAR-2026-014",
    )
    assert record.request_received_on == timezone.localdate() - timedelta(days=16)


def test_the_record_appears_in_the_persons_own_download(client, people, booked):
    as_(client, people["site_admin"]).post(PAGE, request_for(booked.email))

    client.force_login(booked)
    files = read_zip(client.post("/account/your-data/").content)

    assert [(row["Why"], row["Request reference"]) for row in files["data_exports.csv"]] == [
        ("For your written request", "SAR-2026-014"),
        ("You downloaded it", ""),
    ]


def test_the_person_is_not_emailed(client, people, booked, mailoutbox):
    as_(client, people["site_admin"]).post(PAGE, request_for(booked.email))
    assert mailoutbox == []


def test_someone_booked_only_at_another_site_is_not_found(client, people, elsewhere):
    response = as_(client, people["site_admin"]).post(PAGE, request_for(elsewhere.email))

    assert response.status_code == 404
    assert errors.REQUEST_PERSON_NOT_FOUND in response.content.decode()
    assert not PersonalDataExport.objects.exists()


def test_staff_of_their_own_site_without_a_booking_are_not_found(client, people):
    """Scope is a booking or enrolment at their sites, not working there."""
    response = as_(client, people["site_admin"]).post(PAGE, request_for(people["lead"].email))
    assert response.status_code == 404
    assert not PersonalDataExport.objects.exists()


def test_no_such_account_reads_the_same_as_out_of_scope(client, people):
    response = as_(client, people["site_admin"]).post(PAGE, request_for("nobody@example.com"))
    assert response.status_code == 404
    assert errors.REQUEST_PERSON_NOT_FOUND in response.content.decode()


def test_a_system_administrator_downloads_anyones(client, elsewhere):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    response = as_(client, superuser).post(PAGE, request_for(elsewhere.email))

    assert response.status_code == 200
    assert PersonalDataExport.objects.get().person == elsewhere
    missing = client.post(PAGE, request_for("nobody@example.com"))
    assert missing.status_code == 404
    assert errors.REQUEST_PERSON_NOT_FOUND_ANYWHERE in missing.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, errors.REQUEST_EMAIL_REQUIRED),
        ({"email": "not an address"}, errors.REQUEST_EMAIL_INVALID),
        ({"reference": ""}, REFERENCE_REQUIRED),
        ({"reference": "x" * 101}, errors.REQUEST_REFERENCE_TOO_LONG),
        (
            {
                "request_received_on_day": "",
                "request_received_on_month": "",
                "request_received_on_year": "",
            },
            RECEIVED_ON_REQUIRED,
        ),
        (
            {"request_received_on_day": "31", "request_received_on_month": "2"},
            "Date the written request was received must be a real date",
        ),
        ("tomorrow", RECEIVED_IN_THE_FUTURE),
    ],
)
def test_bad_input_is_refused_with_its_message_and_nothing_recorded(
    client, people, booked, data, message
):
    if data == "tomorrow":
        day, month, year = days_from_today(1)
        data = {
            "request_received_on_day": day,
            "request_received_on_month": month,
            "request_received_on_year": year,
        }
    response = as_(client, people["site_admin"]).post(PAGE, {**request_for(booked.email), **data})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PersonalDataExport.objects.exists()


def test_the_page_says_what_it_does_and_to_whom_it_is_limited(client, people):
    response = as_(client, people["site_admin"]).get(PAGE)
    assert response.status_code == 200
    assert b"The person is not emailed" in response.content
    assert b"booking or enrolment at your sites" in response.content


@pytest.mark.parametrize("role", ["trainee", "lay_tutor", "lead", "other_lead"])
def test_other_roles_are_forbidden(client, people, booked, role):
    response = as_(client, people[role]).post(PAGE, request_for(booked.email))
    assert response.status_code == 403
    assert not PersonalDataExport.objects.exists()


def test_your_sites_links_site_administrators_to_the_page(client, people):
    assert PAGE.encode() in as_(client, people["site_admin"]).get("/sites/").content
    assert PAGE.encode() not in as_(client, people["lead"]).get("/sites/").content


def test_system_administrators_read_the_records_in_the_admin(client, people, booked):
    as_(client, people["site_admin"]).post(PAGE, request_for(booked.email))
    superuser = UserFactory(is_superuser=True, is_staff=True)

    listing = as_(client, superuser).get("/admin/personal_data_exports/")

    assert listing.status_code == 200
    assert b"SAR-2026-014" in listing.content
    client.force_login(people["site_admin"])
    assert client.get("/admin/personal_data_exports/").status_code in (302, 403)


@given(
    email=typed_text(max_size=60),
    reference=typed_text(max_size=120),
    day=st.tuples(typed_text(max_size=4), typed_text(max_size=4), typed_text(max_size=6)),
)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_typed_input_is_answered_without_a_500_or_a_half_write(
    client, people, booked, email, reference, day
):
    client.force_login(people["site_admin"])
    before = PersonalDataExport.objects.count()

    response = client.post(PAGE, request_for(email, reference, day))

    assert response.status_code in (200, 400, 404)
    written = PersonalDataExport.objects.count() - before
    assert written == (1 if response.status_code == 200 else 0)
