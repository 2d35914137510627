"""Alerts to a site's leads when a lay tutor's share of the leading is rated low session after
session (courses.reflections.partnership works them out and sends them)."""

from django.conf import settings
from django.db import models

from courses.models.tutors import Tutor
from courses.models.workshops import Session


class PartnershipAlert(models.Model):
    """A site's leads were told that a lay tutor was sidelined: their share of the leading was
    rated low in the sessions from `first_session` to `last_session` (as it stood when told).

    One per streak: a streak is known by its first low session, so the database refuses a second
    alert for it even when two workers look at once; the streak growing longer tells nobody again.
    """

    lay_tutor = models.ForeignKey(
        Tutor, on_delete=models.CASCADE, related_name="partnership_alerts"
    )
    first_session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    last_session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField("told at")
    dealt_with_at = models.DateTimeField(null=True, blank=True)
    dealt_with_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lay_tutor", "first_session"], name="one_partnership_alert_per_streak"
            )
        ]

    def __str__(self):
        return f"{self.lay_tutor} sidelined up to {self.last_session}"
