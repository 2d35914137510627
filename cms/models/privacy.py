"""Records of the privacy work: every copy made of everything held about a person
(cms.privacy.export), each whole-person erasure and each run of the retention job. The erasure
and retention records hold nothing that identifies the person erased."""

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


class PersonErasure(models.Model):
    """One person erased (cms/privacy/erasure.py): when, by whom, why and how many rows of each
    kind went or were kept without identity. Deliberately no link to the erased account."""

    erased_at = models.DateTimeField()
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_themselves = models.BooleanField(
        default=False, help_text="The person erased their own account."
    )
    by_retention = models.BooleanField(
        default=False, help_text="The retention job erased an account not used for too long."
    )
    reason = models.CharField(max_length=500)
    counts = models.JSONField(default=dict, help_text="Rows per kind: erased, emptied or kept.")

    class Meta:
        ordering = ["-erased_at", "-pk"]
        verbose_name = "person erased"
        verbose_name_plural = "people erased"

    def __str__(self):
        return f"Erasure at {self.erased_at:%Y-%m-%d %H:%M}"


class RetentionRun(models.Model):
    """One real run of the retention job (cms/privacy/retention.py): what it did per kind."""

    ran_at = models.DateTimeField()
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField(default=dict, help_text="Rows per kind of data that had passed.")
    reported = models.JSONField(
        default=list, blank=True, help_text="What was passed but left for a person to decide."
    )

    class Meta:
        ordering = ["-ran_at", "-pk"]
        verbose_name = "retention run"

    def __str__(self):
        return f"Retention run at {self.ran_at:%Y-%m-%d %H:%M}"
