"""A site's contact details: what they may be, who may change them, where trainees see them."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cms.roles import Role
from cms.validation import PHONE_CHARACTERS, PHONE_LENGTH
from courses.models import CourseRun, Enrolment, Site
from courses.sites.services import site_contact_update
from courses.workshops.booking import run_book
from tests.factories import AGREED, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "contact_phone": "01632 960 123",
    "contact_email": "courses@riverside.example.org",
    "opening_hours": "Monday to Friday, 9am to 5pm",
}


def contact(site, **changes):
    return site_contact_update(site=site, **{**GOOD, **changes})


def test_a_site_keeps_its_contact_details(riverside):
    contact(riverside, contact_phone=" +44 (0)1632 960123 ")

    riverside.refresh_from_db()
    assert riverside.contact_phone == "+44 (0)1632 960123"
    assert riverside.phone_link == "+4401632960123"
    assert riverside.contact_email == "courses@riverside.example.org"
    assert riverside.opening_hours == "Monday to Friday, 9am to 5pm"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_phone", "01632 960 123 ext. 4", PHONE_CHARACTERS),
        ("contact_phone", "0800-123-456", PHONE_CHARACTERS),
        ("contact_phone", "１２３４５６７８", PHONE_CHARACTERS),  # full-width digits
        ("contact_phone", "123 45", PHONE_LENGTH.format(low=7, high=15)),
        ("contact_phone", "1" * 16, PHONE_LENGTH.format(low=7, high=15)),
        ("contact_email", "not an address", "Enter a valid email address."),
        ("opening_hours", "Monday\nto Friday", "single line"),
        ("opening_hours", "x" * 201, "at most 200 characters"),
    ],
)
def test_bad_contact_details_are_refused_and_nothing_changes(riverside, field, value, message):
    with pytest.raises(ValidationError) as refused:
        contact(riverside, **{field: value})

    assert message in " ".join(refused.value.message_dict[field])
    stored = Site.objects.get(pk=riverside.pk)
    assert (stored.contact_phone, stored.contact_email, stored.opening_hours) == ("", "", "")


@pytest.mark.parametrize("role", ["lead", "site_admin"])
def test_the_sites_lead_or_administrator_changes_them_from_the_site_page(client, people, role):
    client.force_login(people[role])

    assert 'href="/sites/riverside/contact/"' in client.get("/sites/riverside/").text
    response = client.post("/sites/riverside/contact/", GOOD)

    assert response.status_code == 302
    assert response["Location"] == "/sites/riverside/"
    page = client.get("/sites/riverside/").text
    assert 'href="tel:01632960123"' in page
    assert "mailto:courses@riverside.example.org" in page
    assert "Monday to Friday, 9am to 5pm" in page


def test_the_form_shows_what_is_wrong_and_saves_nothing(client, people, riverside):
    client.force_login(people["lead"])

    response = client.post(
        "/sites/riverside/contact/", {**GOOD, "contact_phone": "call us", "contact_email": "x"}
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Enter a phone number using only the digits" in response.text
    assert Site.objects.get(pk=riverside.pk).contact_phone == ""


@pytest.mark.parametrize(("role", "status"), [("other_lead", 404), ("trainee", 403)])
def test_nobody_else_may_change_them(client, people, riverside, role, status):
    client.force_login(people[role])

    assert client.get("/sites/riverside/contact/").status_code == status
    assert client.post("/sites/riverside/contact/", GOOD).status_code == status
    assert Site.objects.get(pk=riverside.pk).contact_email == ""


# --- where trainees see them ------------------------------------------------------------------


@pytest.fixture
def open_run(workshop):
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.save()
    return run


def test_the_run_page_says_whom_to_contact(client, people, open_run):
    contact(open_run.site)
    Enrolment.objects.create(trainee=people["trainee"], run=open_run, site=open_run.site)
    client.force_login(people["trainee"])

    page = client.get(f"/courses/{open_run.pk}/").text

    assert "Questions about this course?" in page
    assert "Contact Riverside Health Board" in page
    assert 'href="tel:01632960123"' in page
    assert 'href="mailto:courses@riverside.example.org"' in page
    assert f'href="/courses/{open_run.pk}/contact/">Send a message to the organisers' in page


def test_without_contact_details_the_run_page_still_names_the_site(client, people, open_run):
    client.force_login(people["trainee"])

    page = client.get(f"/courses/{open_run.pk}/").text

    assert "Riverside Health Board runs this course" in page
    assert "Send a message to the organisers" not in page  # not booked: the form would be 404


def test_the_booking_email_says_whom_to_contact(open_run, django_capture_on_commit_callbacks):
    contact(open_run.site)
    person = UserFactory(roles=[Role.TRAINEE.value])

    with django_capture_on_commit_callbacks(execute=True):
        run_book(trainee=person, run_id=open_run.pk, answers=AGREED)

    (message,) = mail.outbox
    assert "Questions about this course? Contact Riverside Health Board:" in message.body
    assert "Phone: 01632 960 123" in message.body
    assert "Email: courses@riverside.example.org" in message.body
    assert "Opening hours: Monday to Friday, 9am to 5pm" in message.body
    assert f"/courses/{open_run.pk}/contact/" in message.body


def test_without_contact_details_the_email_names_the_site(
    open_run, django_capture_on_commit_callbacks
):
    person = UserFactory(roles=[Role.TRAINEE.value])

    with django_capture_on_commit_callbacks(execute=True):
        run_book(trainee=person, run_id=open_run.pk, answers=AGREED)

    (message,) = mail.outbox
    assert "Riverside Health Board runs it: send them a message" in message.body
    assert "Phone:" not in message.body
