"""A code sent to someone claiming the account staff made for them (cms/account/claim.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccountClaim(models.Model):
    """One request for a code: sent to the email address or mobile number a person typed, kept
    hashed, for a short time, with a count of the tries at it.

    `person` is empty when nobody we hold has that address and may claim it: the same steps
    are gone through (a row, a code nobody receives, tries counted), so the pages never tell
    whether we hold an address."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["expires_at"])]
        verbose_name = "account claim code"

    def __str__(self):
        return f"Claim code {self.pk} by {self.get_channel_display().lower()}"
