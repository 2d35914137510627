"""E-learning: lessons finished and certificates."""

from django.conf import settings
from django.db import models

from courses.models.enrolments import Enrolment


class LessonProgress(models.Model):
    """A lesson a trainee has finished. One row per lesson, however often they press the button."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey("cms.LessonPage", on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="one_progress_per_lesson")
        ]

    def __str__(self):
        return f"lesson {self.lesson_id} done on enrolment {self.enrolment_id}"


class Certificate(models.Model):
    """Proof of completion. The name and module are copied at issue, as printed on paper."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="certificate"
    )
    code = models.CharField(max_length=20, unique=True)
    holder_name = models.CharField(max_length=300)
    module_title = models.CharField(max_length=255)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(max_length=500, blank=True)

    def __str__(self):
        return self.code

    @property
    def is_valid(self):
        return self.revoked_at is None
