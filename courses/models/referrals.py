"""Referral lists: the people a GP or nurse referred to a site, imported from a spreadsheet, and
each referral's outcome (to contact, booked, not interested, could not reach).

A referral belongs to a person (an ordinary `User`, often one staff added without an account) and
a site. `row_key` identifies the row it came from, so importing the same row again, from the same
file or another, adds nobody twice."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils import timezone

from cms.validation import plain_text, single_line
from courses.models.sites import Site


class ReferralOutcome(models.TextChoices):
    TO_CONTACT = "to_contact", "To contact"
    BOOKED = "booked", "Booked"
    NOT_INTERESTED = "not_interested", "Not interested"
    COULD_NOT_REACH = "could_not_reach", "Could not reach"


class ReferralImport(models.Model):
    """One uploaded referral file: what its preview found, and when a lead confirmed it.

    `rows` keeps the parsed rows until the import is confirmed (so confirming imports exactly
    what was previewed); after that only each row's number, status and problems are kept."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="referral_imports")
    file_name = models.CharField(max_length=255, validators=[single_line])
    file_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rows = models.JSONField(default=list, blank=True)
    new_count = models.PositiveIntegerField(default=0)
    matched_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["site", "file_sha256"])]

    def __str__(self):
        return f"{self.file_name} ({self.site})"


class Referral(models.Model):
    """A person referred to a site: by whom, when, and what came of contacting them. Whether
    they are booked is worked out from their bookings (a booking at the site on or after the
    referral date), never stored twice."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrals"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="referrals")
    referred_on = models.DateField()
    referrer = models.CharField(max_length=200, blank=True, validators=[single_line])
    notes = models.TextField(
        blank=True, max_length=2000, validators=[MaxLengthValidator(2000), plain_text]
    )
    date_of_birth = models.DateField(null=True, blank=True)
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{10}$", "An NHS number has 10 digits.")],
    )
    import_batch = models.ForeignKey(
        ReferralImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    row_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(
        max_length=20, choices=ReferralOutcome.choices, default=ReferralOutcome.TO_CONTACT
    )
    outcome_note = models.TextField(
        blank=True, max_length=1000, validators=[MaxLengthValidator(1000), plain_text]
    )
    contacted_at = models.DateTimeField(null=True, blank=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["referred_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["site", "row_key"], name="referral_row_once_per_site")
        ]
        indexes = [
            models.Index(fields=["site", "outcome", "referred_on"]),
            models.Index(fields=["nhs_number"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self):
        return f"Referral of {self.person} to {self.site} on {self.referred_on}"
