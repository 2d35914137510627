"""Email when the mail server is down: every page still works, each message waits in the
outbox, and goes out once (and only once) when the server is back. A closed port stands for a
mail server that is down; a real SMTP server (aiosmtpd) on a port of its own for one that is up."""

import socket
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cms import outbox
from cms.models import OutgoingEmail
from cms.roles import Role
from courses.models import CourseRun, Enrolment
from tests.factories import AGREED, UserFactory

pytestmark = pytest.mark.django_db


def free_port() -> int:
    """A port where nothing listens: bound once to find it, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """Keeps every message an SMTP client hands it."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, sink
    controller.stop()


def use_mail_server(settings, port):
    settings.MAILERS = {
        "default": {"BACKEND": "cms.outbox.OutboxBackend"},
        "delivery": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        },
    }


@pytest.fixture
def mail_server_down(settings):
    use_mail_server(settings, free_port())


@pytest.fixture
def open_run(workshop):
    run = workshop["run"]
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.save()
    return run


def test_booking_with_the_mail_server_down_books_and_keeps_the_email(
    mail_server_down, open_run, django_capture_on_commit_callbacks
):
    trainee = UserFactory(roles=[Role.TRAINEE.value])
    client = Client()
    client.force_login(trainee)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/courses/{open_run.pk}/book/", {"agreed_to_terms": "on"})

    assert response.status_code == 302
    assert Enrolment.objects.get(trainee=trainee).status == Enrolment.Status.BOOKED
    waiting = OutgoingEmail.objects.get()
    assert waiting.status == OutgoingEmail.Status.QUEUED
    assert waiting.recipients == [trainee.email]
    assert waiting.subject == f"[Co-training] Your place on {open_run.title}"
    assert waiting.attempts == 1
    assert "ConnectionRefusedError" in waiting.last_error
    assert waiting.next_attempt_at == timezone.now() + outbox.FIRST_RETRY


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (
            "/accounts/signup/",
            {
                "email": "new.person@example.com",
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
                "first_name": "New",
                "last_name": "Person",
                "audience": "professional",
            },
        ),
        ("/accounts/password/reset/", {"email": "lead@example.com"}),
    ],
)
def test_sign_up_and_password_reset_work_with_the_mail_server_down(
    mail_server_down, people, home_page, url, data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(url, data)

    assert response.status_code == 302
    waiting = OutgoingEmail.objects.get()
    assert waiting.status == OutgoingEmail.Status.QUEUED
    assert waiting.recipients == [data["email"]]
    assert "ConnectionRefusedError" in waiting.last_error


def test_the_email_goes_out_once_when_the_mail_server_is_back(
    settings,
    mail_server_down,
    smtp_sink,
    open_run,
    frozen_clock,
    django_capture_on_commit_callbacks,
):
    from courses.workshops.booking import run_book

    trainee = UserFactory(roles=[Role.TRAINEE.value])
    with django_capture_on_commit_callbacks(execute=True):
        run_book(trainee=trainee, run_id=open_run.pk, answers=AGREED)
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.QUEUED

    port, sink = smtp_sink
    use_mail_server(settings, port)
    assert outbox.EMAILS.send_due() == 0  # not due for another minute
    frozen_clock.shift(outbox.FIRST_RETRY)
    first, second = StringIO(), StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_queued_email", stdout=first)
        call_command("send_queued_email", stdout=second)

    assert first.getvalue().startswith("Sent 1 email; 0 waiting to be retried, 0 given up on")
    assert second.getvalue().startswith("Sent 0 emails;")

    sent = OutgoingEmail.objects.get()
    assert sent.status == OutgoingEmail.Status.SENT
    assert sent.sent_at == timezone.now()
    assert len(sink.received) == 1
    recipients, content = sink.received[0]
    assert recipients == [trainee.email]
    message = message_from_bytes(content, policy=default_policy)
    assert message["Subject"] == f"[Co-training] Your place on {open_run.title}"
    assert message["To"] == trainee.email
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ["course-dates.ics"]


def test_with_the_mail_server_up_the_email_is_sent_after_commit(
    settings, smtp_sink, people, django_capture_on_commit_callbacks
):
    port, sink = smtp_sink
    use_mail_server(settings, port)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Client().post("/accounts/password/reset/", {"email": "lead@example.com"})
    assert sink.received == []  # nothing leaves before the change is saved
    for callback in callbacks:
        callback()

    assert len(sink.received) == 1
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


def test_an_email_that_keeps_failing_is_given_up_and_shown_to_system_administrators(
    settings, mail_server_down, smtp_sink, people, frozen_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password/reset/", {"email": "lead@example.com"})
    waits = []
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        waiting = OutgoingEmail.objects.get()
        waits.append(waiting.next_attempt_at - timezone.now())
        frozen_clock.move_to(waiting.next_attempt_at)
        outbox.EMAILS.send_due()
    failed = OutgoingEmail.objects.get()
    assert failed.status == OutgoingEmail.Status.FAILED
    assert failed.attempts == outbox.MAX_ATTEMPTS
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == outbox.LONGEST_WAIT

    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/outgoing_email/?status=failed")
    assert listing.status_code == 200
    assert "ConnectionRefusedError" in listing.text
    assert f"/admin/outgoing_email/send-again/{failed.pk}/" in listing.text

    port, sink = smtp_sink
    use_mail_server(settings, port)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/outgoing_email/send-again/{failed.pk}/")
    assert response.status_code == 302
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
    assert len(sink.received) == 1


def test_only_system_administrators_see_the_outbox(people, mail_server_down):
    OutgoingEmail.objects.create(
        from_email="a@example.com",
        recipients=["b@example.com"],
        to="b@example.com",
        subject="Private",
        message=b"Subject: Private\r\n\r\nhello",
        next_attempt_at=timezone.now(),
    )
    outgoing = OutgoingEmail.objects.get()
    client = Client()
    client.force_login(people["lead"])

    assert "Private" not in client.get("/admin/outgoing_email/").text
    assert client.post(f"/admin/outgoing_email/send-again/{outgoing.pk}/").status_code in (302, 403)
    assert OutgoingEmail.objects.get().attempts == 0


def test_a_line_break_in_stored_text_never_reaches_a_header(mail_server_down, open_run):
    from courses.workshops.booking import notify_booked

    open_run.title = "Spring group\r\nBcc: everyone@example.com"
    open_run.save()
    trainee = UserFactory(roles=[Role.TRAINEE.value])
    enrolment = Enrolment.objects.create(
        trainee=trainee, run=open_run, site=open_run.site, status=Enrolment.Status.BOOKED
    )

    notify_booked(enrolment.pk)

    waiting = OutgoingEmail.objects.get()
    assert waiting.subject == "[Co-training] Your place on Spring group Bcc: everyone@example.com"
    assert waiting.recipients == [trainee.email]
    headers = message_from_bytes(bytes(waiting.message), policy=default_policy)
    assert headers["Bcc"] is None


def test_sent_messages_are_deleted_after_a_week_and_failed_ones_kept(frozen_clock):
    def message(status, sent_days_ago=None):
        return OutgoingEmail.objects.create(
            from_email="a@example.com",
            recipients=["b@example.com"],
            to="b@example.com",
            subject=f"{status} {sent_days_ago}",
            message=b"Subject: x\r\n\r\nhello",
            status=status,
            next_attempt_at=timezone.now(),
            sent_at=None if sent_days_ago is None else timezone.now() - timedelta(sent_days_ago),
        )

    old = message(OutgoingEmail.Status.SENT, 8)
    recent = message(OutgoingEmail.Status.SENT, 6)
    failed = message(OutgoingEmail.Status.FAILED)
    out = StringIO()

    call_command("send_queued_email", stdout=out)

    assert set(OutgoingEmail.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert not OutgoingEmail.objects.filter(pk=old.pk).exists()
    assert "1 sent more than a week ago deleted." in out.getvalue()
