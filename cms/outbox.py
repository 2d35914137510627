"""Every email goes through the outbox: saved with the change it reports, sent after commit by a
background task, retried with backoff, never lost when the mail server is down.

`MAILERS["default"]` is `OutboxBackend` everywhere but in tests, so allauth's sign-up and
password-reset emails, Wagtail's workflow emails and our own notifications all take this path
without knowing it. `MAILERS["delivery"]` is the real mail server (EMAIL_URL). A message that keeps
failing is marked failed after MAX_ATTEMPTS and shown to system administrators in the admin
(Settings > Outgoing email), where it can be sent again.
"""

import email
import email.policy
import logging
from datetime import timedelta

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from cms.models import OutgoingEmail
from cms.privacy.periods import period_cutoff

logger = logging.getLogger(__name__)

DELIVERY_MAILER = "delivery"
# 1, 2, 4, 8 ... minutes between attempts, at most six hours: about two days before giving up.
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
# A sent message holds personal data and sign-in links: it is kept for the retention period of
# sent emails (settings.RETENTION, a week by default: enough for "did my confirmation go?"), then
# deleted. Failed ones stay until sent again or deleted by hand.


def one_line(text) -> str:
    """Header text on one line: a line break in stored text (a run title, a name) can never start
    a new header, whatever reaches a subject."""
    return " ".join(str(text).split())


class OutboxBackend(BaseEmailBackend):
    """An email backend that saves each message to the outbox and asks for it to be delivered
    once the current transaction commits (at once outside one)."""

    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            message.subject = one_line(message.subject)
            outgoing = OutgoingEmail.objects.create(
                from_email=message.from_email,
                recipients=recipients,
                to=", ".join(message.to)[:1000],
                subject=message.subject[:1000],
                message=message.message(policy=email.policy.SMTP).as_bytes(),
                next_attempt_at=timezone.now(),
            )
            transaction.on_commit(lambda pk=outgoing.pk: enqueue_delivery(pk), robust=True)
            count += 1
        return count


class StoredEmail(EmailMessage):
    """A message from the outbox, handed to the delivery mailer exactly as it was saved."""

    def __init__(self, outgoing: OutgoingEmail):
        super().__init__(subject=outgoing.subject, from_email=outgoing.from_email)
        self.to = list(outgoing.recipients)
        self._envelope = list(outgoing.recipients)
        self._raw = bytes(outgoing.message)

    def recipients(self):
        return self._envelope

    def message(self, *, policy=email.policy.default):
        return email.message_from_bytes(self._raw, policy=policy)


def enqueue_delivery(outgoing_id: int, *, run_after=None) -> None:
    """Ask the task queue to deliver one message. If the queue cannot take it now, the message
    stays waiting in the outbox and `send_queued_email` picks it up."""
    try:
        if run_after is not None and default_task_backend.supports_defer:
            deliver_email.using(run_after=run_after).enqueue(outgoing_id)
        elif run_after is None:
            deliver_email.enqueue(outgoing_id)
    except Exception:
        logger.warning("Could not queue email %s; it waits in the outbox.", outgoing_id)


def wait_after(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


@task
def deliver_email(outgoing_id: int) -> str:
    """Send one message from the outbox if it is due. Two workers never send it twice: the row
    is locked while it is sent, and a sent message is left alone."""
    now = timezone.now()
    with transaction.atomic():
        outgoing = OutgoingEmail.objects.select_for_update().filter(pk=outgoing_id).first()
        if outgoing is None or outgoing.status != OutgoingEmail.Status.QUEUED:
            return "nothing to do"
        if outgoing.next_attempt_at > now:
            return "not due yet"
        outgoing.attempts += 1
        try:
            mailers[DELIVERY_MAILER].send_messages([StoredEmail(outgoing)])
        except Exception as error:  # whatever the mail server or the network raised
            outgoing.last_error = f"{type(error).__name__}: {error}"[:2000]
            if outgoing.attempts >= MAX_ATTEMPTS:
                outgoing.status = OutgoingEmail.Status.FAILED
                logger.error("Gave up on email %s: %s", outgoing.pk, outgoing.last_error)
            else:
                outgoing.next_attempt_at = now + wait_after(outgoing.attempts)
                logger.warning(
                    "Email %s not sent, will retry: %s", outgoing.pk, outgoing.last_error
                )
            outgoing.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if outgoing.status == OutgoingEmail.Status.QUEUED:
                retry_at = outgoing.next_attempt_at
                transaction.on_commit(lambda: enqueue_delivery(outgoing.pk, run_after=retry_at))
            return "failed"
        outgoing.status = OutgoingEmail.Status.SENT
        outgoing.sent_at = now
        outgoing.last_error = ""
        outgoing.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return "sent"


def send_queued_email() -> int:
    """Deliver every message that is due (the scheduled sweep: after an outage, or where the
    task queue cannot defer a retry). Returns how many were sent."""
    due = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return sum(deliver_email.call(pk) == "sent" for pk in list(due))


def outbox_prune() -> int:
    """Delete sent messages past their retention period. Returns how many."""
    deleted, _ = outbox_sent_passed(timezone.now()).delete()
    return deleted


def outbox_sent_passed(now):
    """Sent messages older than the retention period of sent emails."""
    return OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENT, sent_at__lt=period_cutoff("sent_emails", now)
    )


def outgoing_email_retry(*, outgoing_id: int) -> OutgoingEmail:
    """A system administrator sends a failed (or waiting) message again, now."""
    with transaction.atomic():
        outgoing = OutgoingEmail.objects.select_for_update().get(pk=outgoing_id)
        if outgoing.status == OutgoingEmail.Status.SENT:
            return outgoing
        outgoing.status = OutgoingEmail.Status.QUEUED
        outgoing.attempts = 0
        outgoing.next_attempt_at = timezone.now()
        outgoing.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(lambda: enqueue_delivery(outgoing.pk))
    return outgoing
