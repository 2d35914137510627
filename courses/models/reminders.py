"""Which reminders have been sent, so each goes once."""

from django.conf import settings
from django.db import models

from courses.models.workshops import Session


class ReminderSent(models.Model):
    """A reminder already sent, so that sending due reminders twice sends each one once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders_sent")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user", "days_before"],
                name="one_reminder_per_session_person_day",
            )
        ]

    def __str__(self):
        return f"{self.days_before}-day reminder of {self.session} to {self.user}"
