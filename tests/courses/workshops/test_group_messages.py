"""Messages to a run's group: who may write, whom it reaches and how, the refusals, the limit,
and where the messages are kept and shown."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from cms.models import ContactChannel
from courses import errors
from courses.errors import CoursesError
from courses.models import CourseRun, Enrolment, Letter, RunMessage, RunMessageRecipient
from courses.workshops import group_messages
from courses.workshops.group_messages import MESSAGES_PER_DAY, Reach, run_message_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = {"subject": "Room change for session 2", "body": "We meet in room 4 this week."}


@pytest.fixture
def texts(monkeypatch):
    """The texts sent, as (to, body, kind)."""
    sent = []
    monkeypatch.setattr(
        "courses.common.channels.send_text",
        lambda *, to, body, kind="": sent.append((to, body, kind)),
    )
    return sent


@pytest.fixture
def run(workshop, people):
    """The workshop's open run, at a site with contact details; the lay tutor teaches session 1.
    Booked: the Riverside trainee (email), a person who wants texts and one who wants letters;
    waiting: one person (email)."""
    site = workshop["site"]
    site.contact_email = "courses@riverside.example"
    site.contact_phone = "01632 960 123"
    site.save()
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.save()
    lay = workshop["lay"]
    lay.user = people["lay_tutor"]
    lay.save()
    workshop["sessions"][0].lay_tutor = lay
    workshop["sessions"][0].save()
    texter = UserFactory(email=None, contact_by="text", mobile="+447700900123", verified=False)
    writer = UserFactory(
        email=None, contact_by="letter", postal_address="1 High Street\nLeeds", verified=False
    )
    for person in (people["trainee"], texter, writer):
        Enrolment.objects.create(trainee=person, run=run, site=site)
    waiting = UserFactory(email="waiting@example.com")
    Enrolment.objects.create(
        trainee=waiting, run=run, site=site, status=Enrolment.Status.WAITLISTED
    )
    run.texter, run.writer, run.waiting = texter, writer, waiting
    return run


def send(run, sender, callbacks, **overrides):
    with callbacks(execute=True):
        return run_message_send(
            run=run, sender=sender, **{"audience": "booked", **MESSAGE, **overrides}
        )


# --- the service ---------------------------------------------------------------------------


def test_everyone_booked_is_told_by_their_channel_and_the_message_is_kept(
    run, people, texts, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.INFO, logger="courses.workshops.group_messages"):
        message = send(run, people["lead"], django_capture_on_commit_callbacks)

    assert (message.by_email, message.by_text, message.by_letter, message.unreachable) == (
        1,
        1,
        1,
        0,
    )
    assert message.reach == "3 people: 1 by email, 1 by text, 1 by letter"
    assert dict(RunMessageRecipient.objects.values_list("person", "channel")) == {
        people["trainee"].pk: ContactChannel.EMAIL,
        run.texter.pk: ContactChannel.TEXT,
        run.writer.pk: ContactChannel.LETTER,
    }  # not the person waiting
    [email] = mail.outbox
    assert email.to == ["trainee@example.com"]
    assert email.reply_to == ["courses@riverside.example"]
    assert MESSAGE["subject"] in email.subject and MESSAGE["body"] in email.body
    assert "your reply goes to Riverside Health Board" in email.body
    [(to, body, kind)] = texts
    assert to == "+447700900123" and kind == "group_message"
    assert MESSAGE["body"] in body and f"/courses/{run.pk}/" in body
    assert "Call Riverside Health Board on 01632 960 123" in body
    assert len(body) < 400
    letter = Letter.objects.get()
    assert (letter.person, letter.site, letter.run) == (run.writer, run.site, run)
    assert MESSAGE["body"] in letter.body and "To answer this letter, contact" in letter.body
    assert f"Run message {message.pk} to run {run.pk}" in caplog.text


def test_a_long_message_is_cut_in_a_text_and_whole_in_the_email(
    run, people, texts, django_capture_on_commit_callbacks
):
    body = "Please bring your notes. " * 38  # 950 characters
    send(run, people["lead"], django_capture_on_commit_callbacks, body=body)
    [(_to, text, _kind)] = texts
    assert len(text) < 450 and "…" in text
    assert body.strip() in mail.outbox[0].body


@pytest.mark.parametrize(
    ("audience", "told"),
    [("waiting", {"waiting"}), ("both", {"trainee", "texter", "writer", "waiting"})],
)
def test_the_audience_chooses_who_is_told(
    run, people, texts, audience, told, django_capture_on_commit_callbacks
):
    names = {
        people["trainee"].pk: "trainee",
        run.texter.pk: "texter",
        run.writer.pk: "writer",
        run.waiting.pk: "waiting",
    }
    message = send(run, people["lead"], django_capture_on_commit_callbacks, audience=audience)
    assert {names[pk] for pk in message.recipients.values_list("person", flat=True)} == told


@pytest.mark.parametrize(
    ("audience", "refusal"),
    [
        ("booked", errors.GROUP_MESSAGE_NOBODY_BOOKED),
        ("waiting", errors.GROUP_MESSAGE_NOBODY_WAITING),
        ("both", errors.GROUP_MESSAGE_NOBODY),
    ],
)
def test_a_group_with_nobody_in_it_is_refused(workshop, people, audience, refusal):
    run = workshop["run"]
    with pytest.raises(CoursesError) as refused:
        run_message_send(run=run, sender=people["lead"], audience=audience, **MESSAGE)
    assert refused.value.message == refusal
    assert not RunMessage.objects.exists()


def test_people_who_withdrew_are_not_told(run, people, django_capture_on_commit_callbacks):
    Enrolment.objects.filter(trainee=people["trainee"]).update(status=Enrolment.Status.WITHDRAWN)
    message = send(run, people["lead"], django_capture_on_commit_callbacks)
    assert message.recipient_count == 2
    assert not mail.outbox


def test_a_cancelled_run_is_refused(run, people):
    CourseRun.objects.filter(pk=run.pk).update(status=CourseRun.Status.CANCELLED)
    run.refresh_from_db()
    with pytest.raises(CoursesError) as refused:
        run_message_send(run=run, sender=people["lead"], audience="booked", **MESSAGE)
    assert refused.value.message == errors.GROUP_MESSAGE_CANCELLED


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"subject": "  "}, errors.GROUP_MESSAGE_SUBJECT_REQUIRED),
        ({"body": "\n"}, errors.GROUP_MESSAGE_BODY_REQUIRED),
        (
            {"subject": "x" * 121},
            errors.GROUP_MESSAGE_SUBJECT_TOO_LONG.format(limit=120, length=121),
        ),
        (
            {"body": "x" * 1001},
            errors.GROUP_MESSAGE_BODY_TOO_LONG.format(limit=1000, length=1001),
        ),
    ],
)
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_sent(run, people, fields, refusal):
    with pytest.raises(CoursesError) as refused:
        run_message_send(run=run, sender=people["lead"], audience="booked", **{**MESSAGE, **fields})
    assert refused.value.message == refusal
    assert not RunMessage.objects.exists() and not mail.outbox


def test_control_characters_are_refused(run, people):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        run_message_send(
            run=run, sender=people["lead"], audience="booked", subject="Hi\x07", body="Hello"
        )
    assert not RunMessage.objects.exists()


def test_a_group_gets_at_most_three_messages_in_24_hours(
    run, people, django_capture_on_commit_callbacks
):
    first = send(run, people["lead"], django_capture_on_commit_callbacks)
    for _ in range(MESSAGES_PER_DAY - 1):
        send(run, people["lay_tutor"], django_capture_on_commit_callbacks)
    assert group_messages.messages_left(run) == 0

    with pytest.raises(CoursesError) as refused:
        send(run, people["lead"], django_capture_on_commit_callbacks)
    free_at = timezone.localtime(first.sent_at + timedelta(hours=24))
    assert refused.value.message == errors.GROUP_MESSAGE_LIMIT.format(
        limit=3,
        time=f"{date_format(free_at, 'H:i')} on {date_format(free_at, 'l j F')}",
        site="Riverside Health Board",
    )
    assert "3 messages in the last 24 hours" in refused.value.message

    RunMessage.objects.filter(pk=first.pk).update(
        sent_at=first.sent_at - timedelta(hours=24, minutes=1)
    )
    send(run, people["lead"], django_capture_on_commit_callbacks)
    assert RunMessage.objects.count() == MESSAGES_PER_DAY + 1


def test_the_reach_says_how_many_go_each_way():
    assert (
        f"This will go to {Reach(email=6, text=2, letter=1).summary}"
        == "This will go to 9 people: 6 by email, 2 by text, 1 by letter"
    )
    assert Reach(email=1).summary == "1 person: 1 by email"
    assert "1 of them cannot be reached" in Reach(text=1, unreachable=1).summary


# --- the pages -----------------------------------------------------------------------------


def lead_url(run):
    return f"/sites/{run.site.slug}/runs/{run.pk}/messages/"


def tutor_url(run):
    return f"/teach/runs/{run.pk}/messages/"


def test_a_lead_checks_then_sends_and_sees_it_on_the_run_page(
    client, run, people, texts, django_capture_on_commit_callbacks
):
    client.force_login(people["lead"])
    assert "Write a message" in client.get(lead_url(run)).text

    check = client.post(lead_url(run), {"audience": "both", **MESSAGE})
    assert check.status_code == 200
    assert "This will go to 4 people: 2 by email, 1 by text, 1 by letter." in check.text
    assert "What a text message will say" in check.text
    assert f"Spring group: {MESSAGE['subject']}. {MESSAGE['body']}" in check.text
    assert not RunMessage.objects.exists()

    changed = client.post(lead_url(run), {"audience": "both", **MESSAGE, "change": ""})
    assert "Write a message" in changed.text and MESSAGE["body"] in changed.text

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(lead_url(run), {"audience": "both", **MESSAGE, "send": ""})
    assert sent.status_code == 302
    assert sent["Location"] == f"/sites/{run.site.slug}/runs/{run.pk}/"
    page = client.get(sent["Location"]).text
    assert "Your message was sent to 4 people: 2 by email, 1 by text, 1 by letter." in page
    assert "Messages to the group (1)" in page and MESSAGE["subject"] in page
    assert len(mail.outbox) == 2 and len(texts) == 1


def test_a_refusal_is_shown_on_the_form(client, run, people):
    client.force_login(people["lead"])
    response = client.post(lead_url(run), {"audience": "booked", "subject": "", "body": ""})
    assert errors.GROUP_MESSAGE_SUBJECT_REQUIRED in response.text
    assert errors.GROUP_MESSAGE_BODY_REQUIRED in response.text
    Enrolment.objects.filter(status=Enrolment.Status.WAITLISTED).delete()
    response = client.post(lead_url(run), {"audience": "waiting", **MESSAGE})
    assert errors.GROUP_MESSAGE_NOBODY_WAITING in response.text
    response = client.post(lead_url(run), {"audience": "booked", **MESSAGE, "body": "x" * 1001})
    assert "The message must be 1,000 characters or fewer. It has 1001." in response.text


def test_a_tutor_of_the_run_sends_from_their_teaching_pages(
    client, run, people, django_capture_on_commit_callbacks
):
    client.force_login(people["lay_tutor"])
    assert "Messages to the group" in client.get("/teach/").text
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(tutor_url(run), {"audience": "booked", **MESSAGE, "send": ""})
    assert sent["Location"] == tutor_url(run)
    assert RunMessage.objects.get().sender == people["lay_tutor"]
    assert MESSAGE["subject"] in client.get(tutor_url(run)).text


def test_who_may_write_to_a_group(client, run, people):
    assert client.get(lead_url(run)).status_code == 302  # to the login page
    assert client.get(tutor_url(run)).status_code == 302
    expected = [
        ("trainee", lead_url(run), 403),
        ("trainee", tutor_url(run), 403),
        ("site_admin", lead_url(run), 403),
        ("other_lead", lead_url(run), 404),
        ("clinical_tutor", tutor_url(run), 404),  # teaches no session of this run
        ("lay_tutor", tutor_url(run), 200),
        ("lead", lead_url(run), 200),
    ]
    for key, url, status in expected:
        client.force_login(people[key])
        assert client.get(url).status_code == status, (key, url)
        assert client.post(url, {"audience": "booked", **MESSAGE, "send": ""}).status_code in {
            status,
            302,
        }
    assert RunMessage.objects.count() == 2  # the lay tutor's and the lead's


def test_a_trainee_sees_exactly_the_messages_they_were_sent(
    client, run, people, django_capture_on_commit_callbacks
):
    send(run, people["lead"], django_capture_on_commit_callbacks, subject="For those booked")
    send(
        run, people["lead"], django_capture_on_commit_callbacks, audience="waiting", subject="Wait"
    )
    client.force_login(people["trainee"])
    page = client.get(f"/courses/{run.pk}/").text
    assert "Messages from the organisers" in page
    assert "For those booked" in page and "by email" in page
    assert "Wait" not in page.split("Messages from the organisers")[1]
    client.force_login(run.waiting)
    page = client.get(f"/courses/{run.pk}/").text
    assert "For those booked" not in page


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_take_as_many_queries_for_many_messages_as_for_one(
    client, run, people, django_capture_on_commit_callbacks
):
    send(run, people["lead"], django_capture_on_commit_callbacks)
    pages = [lead_url(run), f"/sites/{run.site.slug}/runs/{run.pk}/", tutor_url(run)]
    client.force_login(people["lead"])
    one = [count_queries(client, url) for url in pages[:2]]
    client.force_login(people["trainee"])
    one.append(count_queries(client, f"/courses/{run.pk}/"))
    RunMessage.objects.update(sent_at=timezone.now() - timedelta(days=2))
    for _ in range(3):
        send(run, people["lay_tutor"], django_capture_on_commit_callbacks)
    client.force_login(people["lead"])
    many = [count_queries(client, url) for url in pages[:2]]
    client.force_login(people["trainee"])
    many.append(count_queries(client, f"/courses/{run.pk}/"))
    assert many == one
