"""The tutors' side of a session: who leads each activity, and the register."""

from django.conf import settings
from django.db import models

from courses.models.enrolments import Enrolment
from courses.models.workshops import Session


class ActivityLead(models.Model):
    """Who leads one activity of a session, as the two tutors agreed in their session plan."""

    class Lead(models.TextChoices):
        LAY = "lay", "Lay tutor"
        CLINICAL = "clinical", "Clinical tutor"
        SHARED = "shared", "Both together"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="activity_leads")
    # The StreamField block id of the activity in its lesson: stable across edits of the lesson.
    activity_id = models.CharField(max_length=64)
    lead = models.CharField(max_length=10, choices=Lead.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "activity_id"], name="one_lead_per_session_activity"
            )
        ]

    def __str__(self):
        return f"{self.get_lead_display()} leads {self.activity_id} in {self.session}"


class ActivityLeadChange(models.Model):
    """One change to a session plan: who chose which lead for an activity, and when. Kept as the
    plan's history, so each tutor sees what the other changed; its newest id is the plan's
    version, which a tutor's form must still match to save."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="plan_changes")
    activity_id = models.CharField(max_length=64)
    # Blank when nobody led the activity before.
    old_lead = models.CharField(max_length=10, choices=ActivityLead.Lead.choices, blank=True)
    new_lead = models.CharField(max_length=10, choices=ActivityLead.Lead.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["session", "-id"])]

    def __str__(self):
        return f"{self.activity_id} in {self.session}: {self.old_lead or '-'} to {self.new_lead}"


class Attendance(models.Model):
    """One line of a session's register."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        APOLOGIES = "apologies", "Sent apologies"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(max_length=12, choices=Status.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enrolment"], name="one_register_line_per_session_and_trainee"
            )
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self):
        return f"{self.enrolment.trainee} {self.status} at {self.session}"
