"""Records of the privacy work: each whole-person erasure and each run of the retention job.
Neither holds anything that identifies the person erased."""

from django.conf import settings
from django.db import models


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
