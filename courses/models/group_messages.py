"""Messages to a run's group: what a lead or one of the run's tutors wrote to everyone booked or
waiting, and whom each was sent to, by which channel (so a trainee's course page shows exactly
what they were sent)."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from cms.models import ContactChannel
from cms.validation import plain_text, single_line

SUBJECT_MAX_LENGTH = 120
BODY_MAX_LENGTH = 1000


def reach_summary(*, email: int, text: int, letter: int, unreachable: int) -> str:
    """ "9 people: 6 by email, 2 by text, 1 by letter", and any nobody could reach."""
    total = email + text + letter + unreachable
    people = "1 person" if total == 1 else f"{total} people"
    ways = [
        f"{count} by {way}"
        for count, way in ((email, "email"), (text, "text"), (letter, "letter"))
        if count
    ]
    summary = f"{people}: {', '.join(ways)}" if ways else people
    if unreachable:
        summary += (
            f" ({unreachable} of them cannot be reached: we have no email address, mobile "
            "number or postal address for them)"
        )
    return summary


class RunMessage(models.Model):
    """One message to a run's group, kept with the counts of how it went out."""

    class Audience(models.TextChoices):
        BOOKED = "booked", "People with a place"
        WAITING = "waiting", "People on the waiting list"
        BOTH = "both", "Everyone with a place or waiting"

    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.CASCADE, related_name="group_messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    audience = models.CharField(max_length=10, choices=Audience.choices)
    subject = models.CharField(
        max_length=SUBJECT_MAX_LENGTH,
        validators=[MaxLengthValidator(SUBJECT_MAX_LENGTH), single_line],
    )
    body = models.TextField(
        "message",
        max_length=BODY_MAX_LENGTH,
        validators=[MaxLengthValidator(BODY_MAX_LENGTH), plain_text],
    )
    sent_at = models.DateTimeField(default=timezone.now)
    by_email = models.PositiveIntegerField(default=0)
    by_text = models.PositiveIntegerField(default=0)
    by_letter = models.PositiveIntegerField(default=0)
    # People in the group with no email, mobile or postal address: nobody could tell them.
    unreachable = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["run", "sent_at"])]

    def __str__(self):
        return f"{self.subject} (to {self.get_audience_display().lower()} of {self.run})"

    @property
    def recipient_count(self) -> int:
        return self.by_email + self.by_text + self.by_letter + self.unreachable

    @property
    def reach(self) -> str:
        return reach_summary(
            email=self.by_email,
            text=self.by_text,
            letter=self.by_letter,
            unreachable=self.unreachable,
        )


class RunMessageRecipient(models.Model):
    """One person a group message was sent to, and how ("" when we had no way to reach them)."""

    message = models.ForeignKey(RunMessage, on_delete=models.CASCADE, related_name="recipients")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="run_messages_received"
    )
    channel = models.CharField(max_length=10, choices=ContactChannel.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "person"], name="one_recipient_per_message")
        ]
        indexes = [models.Index(fields=["person", "message"])]

    def __str__(self):
        return f"{self.message} to {self.person}"
