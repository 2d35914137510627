"""The outbox: every email and text message, saved with the change it reports and sent by a task."""

import uuid

from django.db import models


class OutgoingMessage(models.Model):
    """What every outgoing message keeps to be sent by the outbox (cms/outbox.py `Outbox`):
    whether it is waiting, sent or given up on, its tries and when the next is due."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed: gave up"

    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField("next try")
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class OutgoingEmail(OutgoingMessage):
    """One email waiting to go, gone, or given up on (cms/outbox.py).

    Every email the site sends is saved here first, in the transaction of the change it reports,
    and delivered by a background task after commit: a mail server that is down costs a retry,
    never a page or a message. The message is kept as the bytes that will be sent."""

    from_email = models.CharField(max_length=320)
    recipients = models.JSONField(help_text="The envelope: every address the message goes to.")
    to = models.CharField("To", max_length=1000, help_text="As shown in the list.")
    subject = models.CharField(max_length=1000)
    message = models.BinaryField(help_text="The whole message (MIME), as it will be sent.")

    class Meta:
        verbose_name = "outgoing email"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} (to {self.to})"


class OutgoingText(OutgoingMessage):
    """One text message (SMS) waiting to go, handed to GOV.UK Notify, or given up on
    (cms/texts.py).

    Saved in the transaction of the change it reports and sent by a background task after
    commit, like an email: Notify being down costs a retry, never a page or a message. Notify
    then tells us, by its delivery callback, whether the phone network delivered it."""

    class Delivery(models.TextChoices):
        # Notify's words for what became of a text it sent (its delivery callback's status).
        UNKNOWN = "", "Not known yet"
        DELIVERED = "delivered", "Delivered to the phone"
        PERMANENT_FAILURE = "permanent-failure", "Not delivered: the number is wrong or not in use"
        TEMPORARY_FAILURE = "temporary-failure", "Not delivered: the phone was off or out of signal"
        TECHNICAL_FAILURE = "technical-failure", "Not delivered: a problem at the text service"

    to = models.CharField("To", max_length=20, help_text="The mobile number, as +447700900123.")
    body = models.TextField(help_text="The words of the text message.")
    kind = models.CharField(max_length=40, blank=True, help_text="What the message is about.")
    reference = models.UUIDField(
        unique=True, default=uuid.uuid4, editable=False, help_text="Our reference, sent to Notify."
    )
    notify_id = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Notify's id for the message."
    )
    delivery_status = models.CharField(
        max_length=20, choices=Delivery.choices, blank=True, default=Delivery.UNKNOWN
    )
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outgoing text message"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["to", "created_at"]),
        ]

    def __str__(self):
        return f"{self.kind or 'Text'} (to {self.to})"
