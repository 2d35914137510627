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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.tasks import Task, default_task_backend, task
from django.utils import timezone

from cms.models import OutgoingEmail
from cms.models.outbox import OutgoingMessage
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
            EMAILS.queue(
                from_email=message.from_email,
                recipients=recipients,
                to=", ".join(message.to)[:1000],
                subject=message.subject[:1000],
                message=message.message(policy=email.policy.SMTP).as_bytes(),
            )
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


@dataclass(frozen=True)
class Outbox:
    """One kind of outgoing message (emails, texts) and how it is sent: saved with the change it
    reports, handed over by a background task after commit, retried with backoff (1, 2, 4 ...
    minutes, at most LONGEST_WAIT apart) until MAX_ATTEMPTS, swept on a schedule, kept for its
    retention period once sent, and sent again by hand from the admin. Written once here for
    every kind: `model` is an `OutgoingMessage`, `hand_over` sends one and returns the fields to
    save with it once sent, `task` is the background task that calls `deliver`."""

    model: type[OutgoingMessage]
    noun: str  # in the log: "email", "text"
    retention: str  # the period of settings.RETENTION that sent ones are kept for
    task: Task
    hand_over: Callable[[OutgoingMessage], dict]
    switched_on: Callable[[], bool] = lambda: True

    def queue(self, **fields) -> OutgoingMessage:
        """Save a message to go; it is handed to the task queue once the current transaction
        commits (at once outside one)."""
        outgoing = self.model.objects.create(next_attempt_at=timezone.now(), **fields)
        transaction.on_commit(lambda pk=outgoing.pk: self.enqueue(pk), robust=True)
        return outgoing

    def enqueue(self, outgoing_id: int, *, run_after=None) -> None:
        """Ask the task queue to send one message. If the queue cannot take it now, it stays
        waiting in the outbox and the sweep (`send_due`) picks it up."""
        try:
            if run_after is not None and default_task_backend.supports_defer:
                self.task.using(run_after=run_after).enqueue(outgoing_id)
            elif run_after is None:
                self.task.enqueue(outgoing_id)
        except Exception:
            logger.warning("Could not queue %s %s; it waits in the outbox.", self.noun, outgoing_id)

    def deliver(self, outgoing_id: int) -> str:
        """Send one message if it is due. Two workers never send it twice: the row is locked
        while it is sent, and a sent message is left alone."""
        now = timezone.now()
        with transaction.atomic():
            outgoing = self.model.objects.select_for_update().filter(pk=outgoing_id).first()
            if outgoing is None or outgoing.status != OutgoingMessage.Status.QUEUED:
                return "nothing to do"
            if outgoing.next_attempt_at > now:
                return "not due yet"
            if not self.switched_on():
                return "switched off"
            outgoing.attempts += 1
            try:
                sent_fields = self.hand_over(outgoing)
            except Exception as error:  # whatever the service, its client or the network raised
                self._failed(outgoing, error, now)
                return "failed"
            for name, value in sent_fields.items():
                setattr(outgoing, name, value)
            outgoing.status = OutgoingMessage.Status.SENT
            outgoing.sent_at = now
            outgoing.last_error = ""
            outgoing.save(
                update_fields=["attempts", "last_error", "status", "sent_at", *sent_fields]
            )
            return "sent"

    def _failed(self, outgoing: OutgoingMessage, error: Exception, now) -> None:
        outgoing.last_error = f"{type(error).__name__}: {error}"[:2000]
        if outgoing.attempts >= MAX_ATTEMPTS:
            outgoing.status = OutgoingMessage.Status.FAILED
            logger.error("Gave up on %s %s: %s", self.noun, outgoing.pk, outgoing.last_error)
        else:
            outgoing.next_attempt_at = now + wait_after(outgoing.attempts)
            logger.warning(
                "%s %s not sent, will retry: %s",
                self.noun.capitalize(),
                outgoing.pk,
                outgoing.last_error,
            )
        outgoing.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        if outgoing.status == OutgoingMessage.Status.QUEUED:
            retry_at = outgoing.next_attempt_at
            transaction.on_commit(lambda: self.enqueue(outgoing.pk, run_after=retry_at))

    def send_due(self) -> int:
        """Send every message that is due (the scheduled sweep: after an outage, or where the
        task queue cannot defer a retry). Returns how many were sent."""
        due = self.model.objects.filter(
            status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)
        return sum(self.task.call(pk) == "sent" for pk in list(due))

    def sent_passed(self, now):
        """Sent messages older than their retention period."""
        return self.model.objects.filter(
            status=OutgoingMessage.Status.SENT, sent_at__lt=period_cutoff(self.retention, now)
        )

    def prune(self) -> int:
        """Delete sent messages past their retention period. Returns how many."""
        deleted, _ = self.sent_passed(timezone.now()).delete()
        return deleted

    def retry(self, *, outgoing_id: int) -> OutgoingMessage:
        """A system administrator sends a failed (or waiting) message again, now."""
        with transaction.atomic():
            outgoing = self.model.objects.select_for_update().get(pk=outgoing_id)
            if outgoing.status == OutgoingMessage.Status.SENT:
                return outgoing
            outgoing.status = OutgoingMessage.Status.QUEUED
            outgoing.attempts = 0
            outgoing.next_attempt_at = timezone.now()
            outgoing.save(update_fields=["status", "attempts", "next_attempt_at"])
            transaction.on_commit(lambda: self.enqueue(outgoing.pk))
        return outgoing


def wait_after(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


@task
def deliver_email(outgoing_id: int) -> str:
    """Send one email from the outbox if it is due (`Outbox.deliver`)."""
    return EMAILS.deliver(outgoing_id)


def _send_stored(outgoing: OutgoingEmail) -> dict:
    mailers[DELIVERY_MAILER].send_messages([StoredEmail(outgoing)])
    return {}


EMAILS = Outbox(
    model=OutgoingEmail,
    noun="email",
    retention="sent_emails",
    task=deliver_email,
    hand_over=_send_stored,
)
