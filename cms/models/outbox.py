"""The outbox: every email, saved with the change it reports and sent by a task."""

from django.db import models


class OutgoingEmail(models.Model):
    """One email waiting to go, gone, or given up on (cms/outbox.py).

    Every email the site sends is saved here first, in the transaction of the change it reports,
    and delivered by a background task after commit: a mail server that is down costs a retry,
    never a page or a message. The message is kept as the bytes that will be sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed: gave up"

    created_at = models.DateTimeField(auto_now_add=True)
    from_email = models.CharField(max_length=320)
    recipients = models.JSONField(help_text="The envelope: every address the message goes to.")
    to = models.CharField("To", max_length=1000, help_text="As shown in the list.")
    subject = models.CharField(max_length=1000)
    message = models.BinaryField(help_text="The whole message (MIME), as it will be sent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField("next try")
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outgoing email"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} (to {self.to})"
