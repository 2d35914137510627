"""A trainee's message to the organisers of their course."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cms.roles import Role
from courses import errors
from courses.errors import CoursesError
from courses.models import CourseRun, Enrolment, OrganiserMessage
from courses.sites.services import MESSAGES_PER_DAY, organiser_message_send
from tests.factories import SiteMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = {"topic": "cannot-come", "body": "I have a hospital appointment on Tuesday."}


@pytest.fixture
def run(workshop, people):
    """The workshop's open Riverside run; the Riverside trainee is booked on it."""
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.save()
    Enrolment.objects.create(trainee=people["trainee"], run=run, site=run.site)
    return run


def send(client, run, data=MESSAGE, callbacks=None):
    with callbacks(execute=True):
        return client.post(f"/courses/{run.pk}/contact/", data)


def test_a_booked_trainee_sends_a_message_that_reaches_the_sites_leads_only(
    client, people, run, django_capture_on_commit_callbacks
):
    second_lead = UserFactory(email="second.lead@example.com", roles=[Role.PROGRAMME_LEAD.value])
    SiteMembershipFactory(site=run.site, user=second_lead)
    client.force_login(people["trainee"])

    assert client.get(f"/courses/{run.pk}/contact/").status_code == 200
    response = send(client, run, callbacks=django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == f"/courses/{run.pk}/"
    message = OrganiserMessage.objects.get()
    assert (message.run, message.site, message.sender) == (run, run.site, people["trainee"])
    assert message.topic == OrganiserMessage.Topic.CANNOT_COME
    assert message.body == MESSAGE["body"]
    assert sorted(email.to[0] for email in mail.outbox) == [
        "lead@example.com",
        "second.lead@example.com",
    ]  # not the Hillside lead, the site administrator or the tutors
    for email in mail.outbox:
        assert email.reply_to == ["trainee@example.com"]
        assert "I can't come to a session" in email.subject
        assert MESSAGE["body"] in email.body
    confirmation = client.get(response["Location"]).text
    assert (
        "Your message has been sent to Riverside Health Board. They will reply to "
        "trainee@example.com." in confirmation
    )


@pytest.mark.parametrize("status", ["waitlisted", "completed"])
def test_waiting_and_finished_trainees_may_write_too(client, people, run, status):
    Enrolment.objects.filter(run=run).update(status=status)
    client.force_login(people["trainee"])

    assert client.get(f"/courses/{run.pk}/contact/").status_code == 200


def test_a_trainee_not_on_the_run_is_not_found(client, people, run):
    Enrolment.objects.filter(run=run).update(status=Enrolment.Status.WITHDRAWN)
    stranger = UserFactory(roles=[Role.TRAINEE.value])

    for person in (people["trainee"], stranger):
        client.force_login(person)
        assert client.get(f"/courses/{run.pk}/contact/").status_code == 404
        assert client.post(f"/courses/{run.pk}/contact/", MESSAGE).status_code == 404
    assert not OrganiserMessage.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"topic": "", "body": "Hello"}, errors.MESSAGE_TOPIC),
        ({"topic": "complaint", "body": "Hello"}, errors.MESSAGE_TOPIC),
        ({"topic": "other", "body": "   "}, errors.MESSAGE_EMPTY),
        ({"topic": "other", "body": "x" * 2001}, "2,000 characters or fewer"),
        ({"topic": "other", "body": "bad\x07bell"}, "control character"),
    ],
)
def test_a_bad_message_is_refused_with_its_reason_and_nothing_is_sent(
    client, people, run, data, message, django_capture_on_commit_callbacks
):
    client.force_login(people["trainee"])

    response = send(client, run, data, callbacks=django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text.replace("&#x27;", "'")
    assert not OrganiserMessage.objects.exists()
    assert mail.outbox == []


def test_more_than_a_few_messages_a_day_are_refused_with_a_clear_message(
    client, people, run, django_capture_on_commit_callbacks
):
    client.force_login(people["trainee"])
    for _ in range(MESSAGES_PER_DAY):
        send(client, run, callbacks=django_capture_on_commit_callbacks)
    mail.outbox.clear()

    response = send(client, run, callbacks=django_capture_on_commit_callbacks)

    refusal = errors.MESSAGE_LIMIT.format(limit=MESSAGES_PER_DAY, site="Riverside Health Board")
    assert response.status_code == 200
    assert refusal in response.text.replace("&#x27;", "'")
    assert OrganiserMessage.objects.count() == MESSAGES_PER_DAY
    assert mail.outbox == []


def test_the_limit_counts_the_last_24_hours(people, run):
    for _ in range(MESSAGES_PER_DAY):
        organiser_message_send(run=run, sender=people["trainee"], **MESSAGE)
    with pytest.raises(CoursesError):
        organiser_message_send(run=run, sender=people["trainee"], **MESSAGE)

    OrganiserMessage.objects.update(sent_at=timezone.now() - timedelta(days=1, minutes=1))

    organiser_message_send(run=run, sender=people["trainee"], **MESSAGE)
    assert OrganiserMessage.objects.count() == MESSAGES_PER_DAY + 1


def test_leads_see_their_sites_messages_and_nobody_elses(client, people, run):
    organiser_message_send(run=run, sender=people["trainee"], **MESSAGE)

    client.force_login(people["lead"])
    site_page = client.get("/sites/riverside/").text
    all_messages = client.get("/sites/riverside/messages/")
    client.force_login(people["other_lead"])
    other = client.get("/sites/riverside/messages/")
    client.force_login(people["site_admin"])
    admin_page = client.get("/sites/riverside/").text

    assert MESSAGE["body"] in site_page
    assert "Messages from trainees" in site_page
    assert all_messages.status_code == 200 and MESSAGE["body"] in all_messages.text
    assert other.status_code == 404
    assert MESSAGE["body"] not in admin_page  # messages go to the programme leads


def test_the_site_page_shows_the_latest_20_and_links_to_all(
    client, people, run, django_assert_num_queries
):
    client.force_login(people["lead"])
    client.get("/sites/riverside/")
    with django_assert_num_queries(7) as first:
        client.get("/sites/riverside/")
    OrganiserMessage.objects.bulk_create(
        OrganiserMessage(
            run=run,
            site=run.site,
            sender=people["trainee"],
            topic="other",
            body=f"Message number {number:02d}",
            sent_at=timezone.now() - timedelta(minutes=number),
        )
        for number in range(25)
    )

    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get("/sites/riverside/").text

    assert page.count("Message number") == 20
    assert "Message number 00" in page and "Message number 20" not in page
    assert 'href="/sites/riverside/messages/">See all messages' in page
    second_page = client.get("/sites/riverside/messages/?page=2").text
    assert second_page.count("Message number") == 5
