"""A person's private calendar feed."""

from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """The secret address of a person's calendar feed. Resetting makes a new token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"calendar feed of {self.user}"
