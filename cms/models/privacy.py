"""The record of every copy made of everything held about a person (cms.privacy.export)."""

from django.conf import settings
from django.db import models

from cms.validation import plausible_date, single_line


class PersonalDataExport(models.Model):
    """One download of everything held about a person: by the person themselves from their
    account page, or by staff for a written request (a subject access request), with its
    reference and the date it was received. Each shows in the person's own next download."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    produced_at = models.DateTimeField()
    # For a written request only; blank when the person downloaded their own.
    reference = models.CharField(
        "request reference", max_length=100, blank=True, validators=[single_line]
    )
    request_received_on = models.DateField(
        "request received on", null=True, blank=True, validators=[plausible_date]
    )

    # A log, not content: Wagtail's reference index need not track what it points at.
    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-produced_at", "-pk"]
        verbose_name = "personal data export"
        indexes = [models.Index(fields=["person", "produced_at"])]

    def __str__(self):
        return f"Data of {self.person} produced by {self.produced_by} at {self.produced_at}"

    @property
    def for_written_request(self) -> bool:
        return bool(self.reference)
