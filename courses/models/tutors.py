"""The tutor pool: tutors, their accreditations, weekly availability and time away."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel

from cms.validation import plausible_date, single_line
from courses.models.sites import Site


class TutorKind(models.TextChoices):
    LAY = "lay", "Lay tutor"
    CLINICAL = "clinical", "Clinical tutor"


class Tutor(ClusterableModel):
    """A person in a site's pool of tutors, with their accreditations and when they can teach."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutor"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="tutors")
    kind = models.CharField(max_length=10, choices=TutorKind.choices)
    monthly_cap = models.PositiveSmallIntegerField(
        "most sessions a month",
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(62)],
    )
    is_active = models.BooleanField("teaching", default=True)

    panels = [
        FieldPanel("user"),
        FieldPanel("site"),
        FieldPanel("kind"),
        FieldPanel("monthly_cap"),
        FieldPanel("is_active"),
        InlinePanel("accreditations", heading="Accreditations", label="Accreditation"),
        InlinePanel("availability", heading="Weekly availability", label="Available time"),
        InlinePanel("time_away", heading="Dates away", label="Time away"),
    ]

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.user.get_full_name() or self.user.email


class Accreditation(models.Model):
    """A tutor is accredited to teach a programme from one date until another."""

    tutor = ParentalKey(Tutor, on_delete=models.CASCADE, related_name="accreditations")
    programme = models.ForeignKey("cms.ProgrammePage", on_delete=models.CASCADE, related_name="+")
    accredited_on = models.DateField(validators=[plausible_date])
    expires_on = models.DateField(validators=[plausible_date])

    panels = [FieldPanel("programme"), FieldPanel("accredited_on"), FieldPanel("expires_on")]

    class Meta:
        ordering = ["tutor", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("accredited_on")),
                name="accreditation_ends_after_it_starts",
                violation_error_message="An accreditation must expire after it starts.",
            )
        ]

    def __str__(self):
        return f"{self.tutor} for {self.programme_id} until {self.expires_on}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyAvailability(models.Model):
    """A time a tutor can usually teach, every week."""

    tutor = ParentalKey(Tutor, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField("from")
    ends_at = models.TimeField("until")

    panels = [FieldPanel("weekday"), FieldPanel("starts_at"), FieldPanel("ends_at")]

    class Meta:
        ordering = ["tutor", "weekday", "starts_at"]
        verbose_name_plural = "weekly availability"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="availability_ends_after_it_starts",
                violation_error_message="The end time must be after the start time.",
            )
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class TimeAway(models.Model):
    """Dates a tutor cannot teach (holidays, treatment, other commitments)."""

    tutor = ParentalKey(Tutor, on_delete=models.CASCADE, related_name="time_away")
    first_day = models.DateField(validators=[plausible_date])
    last_day = models.DateField(validators=[plausible_date])
    note = models.CharField(max_length=200, blank=True, validators=[single_line])

    panels = [FieldPanel("first_day"), FieldPanel("last_day"), FieldPanel("note")]

    class Meta:
        ordering = ["tutor", "first_day"]
        verbose_name_plural = "time away"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="time_away_ends_after_it_starts",
                violation_error_message="The last day away must be on or after the first.",
            )
        ]

    def __str__(self):
        return f"{self.tutor} away {self.first_day} to {self.last_day}"
