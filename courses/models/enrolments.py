"""A trainee's place on an e-learning module or a course run, and the invitation codes that give
one."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from cms.validation import plain_text, plausible_date, single_line
from courses.models.sites import Site


class InvitationCode(models.Model):
    """A code a lead gives out so people can enrol in an e-learning module for their site."""

    code = models.CharField(max_length=16, unique=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="invitation_codes")
    module = models.ForeignKey("cms.ModulePage", on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField(null=True, blank=True, validators=[plausible_date])
    valid_until = models.DateField(null=True, blank=True, validators=[plausible_date])
    max_uses = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave empty for no limit."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.code


class EnrolmentQuerySet(models.QuerySet):
    def on_the_course(self):
        """The enrolments on the course: booked or completed (not waiting, not withdrawn)."""
        return self.filter(status__in=Enrolment.ON_THE_COURSE)


class AccessNeed(models.TextChoices):
    """The common answers to "Do you need anything to take part?" when booking a course."""

    WHEELCHAIR = "wheelchair", "I use a wheelchair"
    HEARING_LOOP = "hearing_loop", "I need a hearing loop"
    LARGE_PRINT = "large_print", "I need handouts in large print"
    COMPANION = "companion", "Someone is coming with me (a carer or supporter)"


class Enrolment(models.Model):
    """A trainee's place on an e-learning module or on a course run (booked or waiting)."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Enrolled"
        WAITLISTED = "waitlisted", "On the waiting list"
        WITHDRAWN = "withdrawn", "Withdrawn"
        COMPLETED = "completed", "Completed"

    # On the course: holding a place or having finished. The one definition: registers, places
    # taken, calendars, reflections and figures all count these
    # (`Enrolment.objects.on_the_course()`, or `status__in=Enrolment.ON_THE_COURSE` across a
    # relation).
    ON_THE_COURSE = (Status.BOOKED, Status.COMPLETED)
    # May write to a run's organisers: on the course, or waiting for a place (not withdrawn).
    MAY_MESSAGE_ORGANISERS = (Status.BOOKED, Status.WAITLISTED, Status.COMPLETED)

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    module = models.ForeignKey(
        "cms.ModulePage", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    invitation = models.ForeignKey(
        InvitationCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    run = models.ForeignKey(
        "CourseRun", on_delete=models.PROTECT, related_name="enrolments", null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    # Set again when someone rejoins after withdrawing: the waiting list is ordered by it.
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The booking questions of a course run. Seen only by the person, the run's tutors and the
    # site's leads; the person may change them until the course starts.
    access_needs = models.JSONField(
        "access needs",
        default=list,
        blank=True,
        help_text="Codes of AccessNeed the person chose.",
    )
    adjustments = models.TextField(
        "other needs or adjustments",
        blank=True,
        max_length=1000,
        validators=[MaxLengthValidator(1000), plain_text],
    )
    terms_agreed_at = models.DateTimeField("booking terms agreed", null=True, blank=True)
    # Staff who booked the person (by phone, from a referral) or took them off; empty when the
    # person did it themselves.
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "module"],
                condition=models.Q(module__isnull=False),
                name="one_enrolment_per_trainee_and_module",
            ),
            models.UniqueConstraint(
                fields=["trainee", "run"],
                condition=models.Q(run__isnull=False),
                name="one_enrolment_per_trainee_and_run",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "status"]),
            models.Index(fields=["run", "status", "enrolled_at"]),
        ]

    def __str__(self):
        return f"{self.trainee} on {self.run or self.module_id}"

    @property
    def may_message_organisers(self) -> bool:
        return self.run_id is not None and self.status in self.MAY_MESSAGE_ORGANISERS

    @property
    def is_on_the_course(self):
        return self.status in self.ON_THE_COURSE

    @property
    def access_need_labels(self) -> list[str]:
        """The chosen access needs in words, in the order of the choices."""
        chosen = set(self.access_needs or [])
        return [label for value, label in AccessNeed.choices if value in chosen]

    @property
    def has_access_needs(self) -> bool:
        return bool(self.access_needs or self.adjustments)


class GroupException(models.Model):
    """A programme lead's recorded decision to let one person book a run meant for the other
    group (a patient course for a professional, or the reverse)."""

    run = models.ForeignKey("CourseRun", on_delete=models.CASCADE, related_name="exceptions")
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_exceptions"
    )
    reason = models.CharField(max_length=500, validators=[single_line])
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "trainee"], name="one_group_exception_per_run_and_trainee"
            )
        ]

    def __str__(self):
        return f"{self.trainee} may book {self.run}"
