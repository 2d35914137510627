"""People who are not online: the record staff keep of a person they added (by phone, from a
referral), and the letters waiting to be printed for people who want post."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from cms.validation import plain_text, single_line
from courses.models.sites import Site


class PersonRecord(models.Model):
    """What staff recorded when they added a person themselves: the site that looks after them,
    who added them and when, and what they need to take part (offered again at each booking).

    The person is an ordinary `User` (so registers, certificates, reflections and figures count
    them like anyone else), with no password until they claim their account."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_record"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="people")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    access_needs = models.JSONField(
        "access needs", default=list, blank=True, help_text="Codes of AccessNeed."
    )
    adjustments = models.TextField(
        "other needs or adjustments",
        blank=True,
        max_length=1000,
        validators=[MaxLengthValidator(1000), plain_text],
    )

    class Meta:
        ordering = ["-added_at"]
        indexes = [models.Index(fields=["site", "added_at"])]

    def __str__(self):
        return f"{self.person} (added by staff)"


class Letter(models.Model):
    """A message to a person who wants post, waiting to be printed in the lead's next batch
    (one letter a page, addressed). Saved with the change it reports, like an email."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="letters"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="letters")
    run = models.ForeignKey(
        "CourseRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    subject = models.CharField(max_length=300, validators=[single_line])
    body = models.TextField(max_length=10000, validators=[plain_text])
    created_at = models.DateTimeField(default=timezone.now)
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["site", "printed_at"])]

    def __str__(self):
        return f"Letter to {self.person}: {self.subject}"


class PersonMerge(models.Model):
    """A lead merged two records of one person (courses/people/merging.py): the record kept,
    who the other was and how they could be reached, what moved onto the kept record, who
    merged them and when. The other account was deleted, so its name and contacts are copied
    here."""

    kept = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merges"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="person_merges")
    merged_name = models.CharField("merged record's name", max_length=300)
    merged_contacts = models.TextField("merged record's contact details", blank=True)
    moved = models.JSONField("what moved", default=dict, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = "merge of two records"
        verbose_name_plural = "merges of two records"

    def __str__(self):
        return f"{self.merged_name} merged into {self.kept}"
