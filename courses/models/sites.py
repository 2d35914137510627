"""Sites, their members, venues and closed days."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel

from cms.validation import phone_number, plain_text, plausible_date, single_line

MESSAGE_MAX_LENGTH = 2000

DEFAULT_BOOKING_TERMS = (
    "The course is free. Please come to every session if you can: each one builds on the last. "
    "If you cannot come to a session, tell the organisers as soon as you can. If you cannot do "
    "the course after all, cancel your place so that someone on the waiting list can have it. "
    "We keep your booking and attendance to run the course and to improve it."
)


class Nation(models.TextChoices):
    """Whose public holidays a site keeps. The codes are the `holidays` package's UK subdivisions
    (England and Wales share their bank holidays)."""

    ENGLAND_AND_WALES = "ENG", "England and Wales"
    SCOTLAND = "SCT", "Scotland"
    NORTHERN_IRELAND = "NIR", "Northern Ireland"


class Site(ClusterableModel):
    """A delivery site, such as a health board, where courses run and people are based.

    Programme leads and site administrators see and manage only the sites they are members of.
    """

    name = models.CharField(max_length=200, unique=True, validators=[single_line])
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in web addresses.")
    description = models.TextField(
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000), plain_text],
        help_text="Where the site is and whom it serves.",
    )
    travel_buffer_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(480)],
        help_text="Time a tutor needs between sessions at two different venues.",
    )
    nation = models.CharField(
        max_length=3,
        choices=Nation.choices,
        default=Nation.ENGLAND_AND_WALES,
        help_text="Sessions are not planned on this nation's public holidays, unless you open "
        "the day under Closed days.",
    )
    booking_terms = models.TextField(
        max_length=2000,
        validators=[MaxLengthValidator(2000), plain_text],
        default=DEFAULT_BOOKING_TERMS,
        help_text="What people agree to when they book a course here.",
    )
    # Who trainees contact about a course: shown on course pages and in every email about a run.
    contact_phone = models.CharField(
        "phone",
        max_length=30,
        blank=True,
        validators=[phone_number],
        help_text="The number trainees call about a course, like 01632 960 123.",
    )
    contact_email = models.EmailField(
        "email",
        blank=True,
        help_text="The address trainees write to about a course.",
    )
    opening_hours = models.CharField(
        max_length=200,
        blank=True,
        validators=[single_line],
        help_text="When someone answers, like: Monday to Friday, 9am to 5pm.",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("nation"),
        FieldPanel("travel_buffer_minutes"),
        FieldPanel("booking_terms"),
        FieldPanel("contact_phone"),
        FieldPanel("contact_email"),
        FieldPanel("opening_hours"),
        InlinePanel("memberships", heading="People at this site", label="Member"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def has_contact_details(self) -> bool:
        return bool(self.contact_phone or self.contact_email)

    @property
    def phone_link(self) -> str:
        """The number as a tel: address: digits and a leading +, nothing else."""
        digits = "".join(char for char in self.contact_phone if char.isdigit())
        return f"+{digits}" if self.contact_phone.strip().startswith("+") else digits


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


class Venue(models.Model):
    """A community venue where a site runs courses."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(max_length=200, validators=[single_line])
    address = models.TextField(
        max_length=500,
        validators=[MaxLengthValidator(500), plain_text],
        help_text="As it should appear in emails and calendars.",
    )
    postcode = models.CharField(max_length=12, blank=True)
    capacity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="How many people the room holds."
    )
    step_free = models.BooleanField("step-free access", default=False)
    hearing_loop = models.BooleanField(default=False)
    access_notes = models.TextField(
        blank=True,
        max_length=2000,
        validators=[MaxLengthValidator(2000), plain_text],
        help_text="Parking, public transport, toilets, how to find the room.",
    )
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="one_venue_name_per_site")
        ]

    def __str__(self):
        return self.name


class ClosedDay(models.Model):
    """A day the site decided about: closed (a venue closure, a training day) or, for one of its
    nation's public holidays, open. Public holidays are closed without a row: see
    `courses.sites.closed_days`, the one place that says whether a day is closed and why."""

    class Kind(models.TextChoices):
        CLOSED = "closed", "Closed: no sessions on this day"
        OPEN = "open", "Open: sessions run on this public holiday"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(validators=[plausible_date])
    kind = models.CharField(
        "closed or open",
        max_length=6,
        choices=Kind.choices,
        default=Kind.CLOSED,
        help_text="Public holidays are closed days already. Choose open to run sessions on one.",
    )
    reason = models.CharField(max_length=200, blank=True, validators=[single_line])

    class Meta:
        ordering = ["site", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "date"], name="one_closed_day_per_site_and_date"
            )
        ]

    def __str__(self):
        state = "open" if self.kind == self.Kind.OPEN else "closed"
        return f"{self.site} {state} {self.date}"


class OrganiserMessage(models.Model):
    """A message a trainee sent the organisers of a course from its page. The site's programme
    leads receive it by email, with the trainee's address to reply to, and see it on the site's
    page."""

    class Topic(models.TextChoices):
        CANNOT_COME = "cannot-come", "I can't come to a session"
        ACCESS = "access", "Access or adjustments"
        OTHER = "other", "Something else"

    run = models.ForeignKey(
        "courses.CourseRun", on_delete=models.CASCADE, related_name="organiser_messages"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="organiser_messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organiser_messages"
    )
    topic = models.CharField(max_length=20, choices=Topic.choices)
    body = models.TextField(
        "message",
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MaxLengthValidator(MESSAGE_MAX_LENGTH), plain_text],
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["site", "-sent_at"]),
            models.Index(fields=["sender", "sent_at"]),
        ]

    def __str__(self):
        return f"{self.get_topic_display()} from {self.sender} about {self.run}"
