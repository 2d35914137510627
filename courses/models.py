from django.conf import settings
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel


class Site(ClusterableModel):
    """A delivery site, such as a health board, where courses run and people are based.

    Programme leads and site administrators see and manage only the sites they are members of.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in web addresses.")
    description = models.TextField(blank=True, help_text="Where the site is and whom it serves.")

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        InlinePanel("memberships", heading="People at this site", label="Member"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SiteMembership(models.Model):
    """A person based at a site. For leads and administrators this is the scope of what they see."""

    site = ParentalKey(Site, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("user")]

    class Meta:
        ordering = ["site", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "user"], name="one_membership_per_site_and_user"
            )
        ]

    def __str__(self):
        return f"{self.user} at {self.site}"


class InvitationCode(models.Model):
    """A code a lead gives out so people can enrol in an e-learning module for their site."""

    code = models.CharField(max_length=16, unique=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="invitation_codes")
    module = models.ForeignKey("cms.ModulePage", on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
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


class Enrolment(models.Model):
    """A trainee's place on an e-learning module (and, later, on a course run)."""

    class Status(models.TextChoices):
        BOOKED = "booked", "Enrolled"
        WAITLISTED = "waitlisted", "On the waiting list"
        WITHDRAWN = "withdrawn", "Withdrawn"
        COMPLETED = "completed", "Completed"

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
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "module"],
                condition=models.Q(module__isnull=False),
                name="one_enrolment_per_trainee_and_module",
            )
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self):
        return f"{self.trainee} on {self.module_id}"

    @property
    def is_active(self):
        return self.status in {self.Status.BOOKED, self.Status.COMPLETED}


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
