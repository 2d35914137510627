from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel

from cms.validation import plain_text, plausible_date, single_line


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

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("travel_buffer_minutes"),
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


class Enrolment(models.Model):
    """A trainee's place on an e-learning module or on a course run (booked or waiting)."""

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
    run = models.ForeignKey(
        "CourseRun", on_delete=models.PROTECT, related_name="enrolments", null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    # Set again when someone rejoins after withdrawing: the waiting list is ordered by it.
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

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


# --- workshops: venues, tutors, runs and sessions -------------------------------------------


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


class ClosedDay(models.Model):
    """A day a site runs no sessions (bank holidays, venue closures). Runs skip these dates."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField(validators=[plausible_date])
    reason = models.CharField(max_length=200, blank=True, validators=[single_line])

    class Meta:
        ordering = ["site", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "date"], name="one_closed_day_per_site_and_date"
            )
        ]

    def __str__(self):
        return f"{self.site} closed {self.date}"


class CourseRun(models.Model):
    """One group's course: a programme taught at a site and venue on a run of dates."""

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        OPEN = "open", "Open for booking"
        CANCELLED = "cancelled", "Cancelled"

    programme = models.ForeignKey("cms.ProgrammePage", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="runs")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="runs")
    title = models.CharField(max_length=200, validators=[single_line])
    capacity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="Places that can be booked; further people join the waiting list.",
    )
    minimum_group = models.PositiveSmallIntegerField(
        "smallest group",
        default=8,
        validators=[MinValueValidator(1)],
        help_text="The run is viable with at least this many booked.",
    )
    completion_sessions = models.PositiveSmallIntegerField(
        "sessions needed to complete",
        default=5,
        validators=[MinValueValidator(1)],
        help_text="A trainee completes the course by attending at least this many sessions.",
    )
    reminder_days = models.CharField(
        max_length=40,
        default="7,1",
        help_text="Days before each session to email tutors and trainees, e.g. 7,1.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNING)
    opened_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=models.F("minimum_group")),
                name="run_capacity_at_least_minimum_group",
                violation_error_message="The capacity must be at least the smallest group.",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def reminder_day_list(self) -> list[int]:
        return parse_reminder_days(self.reminder_days)

    def clean(self):
        try:
            parse_reminder_days(self.reminder_days)
        except ValueError as error:
            raise ValidationError({"reminder_days": str(error)}) from error
        if self.venue_id and self.site_id and self.venue.site_id != self.site_id:
            raise ValidationError({"venue": "Choose a venue at this run's site."})


def parse_reminder_days(text: str) -> list[int]:
    """'7, 1' -> [7, 1]. An empty text means no reminders."""
    days = []
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or not 0 < int(part) <= 60:
            raise ValueError(
                "Give whole numbers of days from 1 to 60, separated by commas, e.g. 7,1."
            )
        days.append(int(part))
    return sorted(set(days), reverse=True)


class Session(models.Model):
    """One meeting of a run, co-delivered by a lay tutor and a clinical tutor."""

    run = models.ForeignKey(CourseRun, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    module = models.ForeignKey(
        "cms.ModulePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The curriculum module this session teaches.",
    )
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    lay_tutor = models.ForeignKey(
        Tutor, on_delete=models.PROTECT, null=True, blank=True, related_name="lay_sessions"
    )
    clinical_tutor = models.ForeignKey(
        Tutor, on_delete=models.PROTECT, null=True, blank=True, related_name="clinical_sessions"
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="one_session_number_per_run"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_it_starts",
                violation_error_message="A session must end after it starts.",
            ),
        ]
        indexes = [
            models.Index(fields=["lay_tutor", "starts_at"]),
            models.Index(fields=["clinical_tutor", "starts_at"]),
        ]

    def __str__(self):
        return f"{self.run}, session {self.number}"

    @property
    def has_pair(self):
        return self.lay_tutor_id is not None and self.clinical_tutor_id is not None

    def tutor_of_kind(self, kind):
        return self.lay_tutor if kind == TutorKind.LAY else self.clinical_tutor


class AssignmentOverride(models.Model):
    """A lead's recorded decision to assign a tutor despite their availability or monthly cap."""

    class Rule(models.TextChoices):
        AVAILABILITY = "availability", "Availability"
        MONTHLY_CAP = "monthly_cap", "Monthly cap"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="overrides")
    tutor = models.ForeignKey(Tutor, on_delete=models.CASCADE, related_name="overrides")
    rule = models.CharField(max_length=20, choices=Rule.choices)
    reason = models.CharField(max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    # Set when the tutor leaves the place: the record stays, the override no longer applies.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.get_rule_display()} overridden for {self.tutor} on {self.session}"


class TutorWithdrawal(models.Model):
    """A tutor stepping down from a session they were assigned to; the slot then needs cover."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="withdrawals")
    tutor = models.ForeignKey(Tutor, on_delete=models.CASCADE, related_name="withdrawals")
    reason = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(auto_now_add=True)
    covered_by = models.ForeignKey(
        Tutor, null=True, blank=True, on_delete=models.SET_NULL, related_name="covers"
    )

    class Meta:
        ordering = ["-withdrawn_at"]

    def __str__(self):
        return f"{self.tutor} withdrew from {self.session}"


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


class CalendarFeed(models.Model):
    """The secret address of a person's calendar feed. Resetting makes a new token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"calendar feed of {self.user}"


class ReminderSent(models.Model):
    """A reminder already sent, so that sending due reminders twice sends each one once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders_sent")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user", "days_before"],
                name="one_reminder_per_session_person_day",
            )
        ]

    def __str__(self):
        return f"{self.days_before}-day reminder of {self.session} to {self.user}"


# --- the dashboard's figures -----------------------------------------------------------------------
#
# The programme dashboard reads these small tables instead of counting every enrolment, register
# line and score on each view: `courses.dashboard.figures.figures_refresh` works them all out again in one
# transaction (a scheduled task, every 10 minutes). Each row carries the dashboard's filters
# (site, programme, track, the day its cohort began), so any choice of filters is a sum over rows.


class FigureRow(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey("cms.ProgrammePage", on_delete=models.CASCADE, related_name="+")
    track = models.CharField(max_length=20)
    # A course run's cohort began on the day of its first session; an e-learning cohort is the
    # people who enrolled at a site on one day. Null for a run with no sessions.
    starts_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True


class CohortFigures(FigureRow):
    """A course run (not cancelled), or the e-learning enrolments on one module at one site on
    one day: how many enrolled (not waiting), started, completed and sent the after reflection."""

    run = models.ForeignKey(CourseRun, on_delete=models.CASCADE, null=True, related_name="+")
    module = models.ForeignKey(
        "cms.ModulePage", on_delete=models.CASCADE, null=True, related_name="+"
    )
    first_start = models.DateTimeField(null=True, blank=True)
    last_end = models.DateTimeField(null=True, blank=True)
    enrolled = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Cohort at site {self.site_id} from {self.starts_on}: {self.enrolled} enrolled"


class SessionFigures(FigureRow):
    """A session of a run that is not cancelled: the people on the course at its start (booked
    or completed, or withdrew after it began) and how many were marked present."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    booked = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    # Sessions in the weeks ahead when the figures were worked out are checked against the
    # readiness rules: problems is "" when ready, otherwise why not, in words without names
    # ("Lay tutor: missing; clinical tutor: not accredited then").
    checked = models.BooleanField(default=False)
    problems = models.TextField(blank=True, default="")

    def __str__(self):
        return (
            f"Session {self.number} at {self.starts_at:%Y-%m-%d}: {self.present} of {self.booked}"
        )


class ChangeFigures(FigureRow):
    """One scale in one cohort's after reflection: sums over the people who answered both
    before and after, from which the matched change of any set of cohorts follows."""

    scale_key = models.SlugField(max_length=60)
    scale_label = models.CharField(max_length=200)
    first_seen = models.PositiveBigIntegerField()  # the lowest score id: the scales' order
    n = models.PositiveIntegerField()
    sum_before = models.FloatField()
    sum_after = models.FloatField()
    sum_change = models.FloatField()
    sum_change_squares = models.FloatField()
    improved = models.PositiveIntegerField()
    shift_n = models.PositiveIntegerField()
    sum_retrospective = models.FloatField()
    sum_shift = models.FloatField()
    sum_shift_squares = models.FloatField()
    generated = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.scale_label}: {self.n} people"


class FiguresRefresh(models.Model):
    """When the dashboard's figures were last worked out (one row)."""

    finished_at = models.DateTimeField()
    seconds = models.FloatField()
    rows = models.PositiveIntegerField()

    def __str__(self):
        return f"Figures of {self.finished_at:%Y-%m-%d %H:%M}"
