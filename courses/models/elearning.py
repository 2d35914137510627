"""E-learning: lessons finished and certificates."""

from django.conf import settings
from django.db import models
from django.utils.formats import date_format

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


def hours_text(minutes: int) -> str:
    """'21 hours', '1 hour', '2 hours 30 minutes', '45 minutes'."""
    hours, rest = divmod(int(minutes or 0), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def dates_text(first, last) -> str:
    """'13 January 2027', or '13 January to 24 February 2027'."""
    if first is None:
        return ""
    if last is None or last == first:
        return date_format(first, "j F Y")
    if first.year == last.year:
        return f"{date_format(first, 'j F')} to {date_format(last, 'j F Y')}"
    return f"{date_format(first, 'j F Y')} to {date_format(last, 'j F Y')}"


class Certificate(models.Model):
    """Proof of completion of an e-learning module, or of attendance at a course run.

    What is printed is copied at issue (the name, the title; for a course its dates, sessions
    attended and learning hours, kept up to date while the run's registers change), as on paper.
    Issued, updated and withdrawn only by `courses.workshops.certificates`."""

    class Kind(models.TextChoices):
        ELEARNING = "elearning", "E-learning"
        ATTENDANCE = "attendance", "Course attendance"

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="certificate"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ELEARNING)
    code = models.CharField(max_length=20, unique=True)
    # Empty once the holder is erased (cms/privacy/erasure.py): the certificate stays valid.
    holder_name = models.CharField(max_length=300, blank=True)
    # The e-learning module's or the course's title.
    title = models.CharField(max_length=255)
    issued_at = models.DateTimeField()
    # Course attendance only: the run's first and last session dates, the sessions attended out
    # of the run's sessions, and the attended sessions' length added up.
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    sessions_total = models.PositiveSmallIntegerField(null=True, blank=True)
    learning_minutes = models.PositiveIntegerField(null=True, blank=True)
    # The course was for health professionals: the certificate carries a CPD statement.
    for_professionals = models.BooleanField(default=False)
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

    @property
    def is_attendance(self):
        return self.kind == self.Kind.ATTENDANCE

    @property
    def hours_text(self) -> str:
        """The learning hours in words, e.g. '21 hours' (course attendance only)."""
        return hours_text(self.learning_minutes) if self.learning_minutes is not None else ""

    @property
    def dates_text(self) -> str:
        """The run's dates in words (course attendance only)."""
        return dates_text(self.first_date, self.last_date)

    @property
    def cpd_statement(self) -> str:
        """For professionals' courses: the hours they can record as CPD. Empty otherwise."""
        if not (self.is_attendance and self.for_professionals and self.learning_minutes):
            return ""
        return (
            f"This course provided {self.hours_text} of learning, which you can record as "
            "continuing professional development."
        )
