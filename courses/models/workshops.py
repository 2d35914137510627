"""Course runs, their sessions, overridden rules and tutors' withdrawals."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, OuterRef, Subquery, Value, When
from django.utils import timezone

from cms.queries import count_rows
from cms.validation import single_line
from courses.models.enrolments import Enrolment
from courses.models.offers import held_places
from courses.models.sites import Site, Venue
from courses.models.tutors import Tutor, TutorKind


class Phase(models.TextChoices):
    """Where a run is, from its status and its dates: what every list and page says of it."""

    PLANNING = "planning", "Planning"
    OPEN = "open", "Open for booking"
    FULL = "full", "Full: waiting list open"
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


def _sessions_of_run(order: str):
    return Session.objects.filter(run=OuterRef("pk")).order_by(order, "pk")


class CourseRunQuerySet(models.QuerySet):
    def with_dates(self):
        """Each run with `first_start`, `first_end` (of its first session), `last_start`,
        `last_end`, `session_count`, `places_taken`, `places_left` and its `phase`, all worked
        out by the database in the same query.

        The one definition of a run's phase: cancelled or still being planned as its status
        says; otherwise finished once its last session has ended, in progress once its first
        has started, full when every place is taken, and open for booking before that."""
        now = timezone.now()
        # Booked or completed, and the places held by open waiting-list offers.
        taken = count_rows(Enrolment.objects.filter(run=OuterRef("pk")).on_the_course()) + (
            held_places()
        )
        return self.annotate(
            first_start=Subquery(_sessions_of_run("starts_at").values("starts_at")[:1]),
            first_end=Subquery(_sessions_of_run("starts_at").values("ends_at")[:1]),
            last_start=Subquery(_sessions_of_run("-starts_at").values("starts_at")[:1]),
            last_end=Subquery(_sessions_of_run("-ends_at").values("ends_at")[:1]),
            session_count=count_rows(Session.objects.filter(run=OuterRef("pk"))),
            places_taken=taken,
            places_left=F("capacity") - taken,
        ).annotate(
            phase=Case(
                When(status=CourseRun.Status.CANCELLED, then=Value(Phase.CANCELLED)),
                When(status=CourseRun.Status.PLANNING, then=Value(Phase.PLANNING)),
                When(last_end__lte=now, then=Value(Phase.FINISHED)),
                When(first_start__lte=now, then=Value(Phase.IN_PROGRESS)),
                When(places_left__lte=0, then=Value(Phase.FULL)),
                default=Value(Phase.OPEN),
                output_field=models.CharField(),
            )
        )

    def in_date_order(self):
        """First session first; runs without sessions last, newest first among them."""
        return self.order_by(F("first_start").asc(nulls_last=True), "-created_at", "pk")


class CourseRun(models.Model):
    """One group's course: a programme taught at a site and venue on a run of dates.

    `status` is what a lead decided (still planning, opened, cancelled); what the run is now,
    from its dates and places, is its phase (`CourseRun.objects.with_dates()`)."""

    class Status(models.TextChoices):
        PLANNING = "planning", "Planning"
        OPEN = "open", "Open for booking"
        CANCELLED = "cancelled", "Cancelled"

    Phase = Phase

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
    offer_hours = models.PositiveSmallIntegerField(
        "hours to answer an offer",
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text=(
            "When a place comes up, the first person waiting has this long to accept it before "
            "it is offered to the next. Offers always end an hour before the first session."
        ),
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNING)
    opened_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseRunQuerySet.as_manager()

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
    def phase_label(self) -> str:
        """What the run is now, in words (needs `with_dates()`)."""
        return Phase(self.phase).label

    @property
    def is_bookable(self) -> bool:
        """Open or full: a place can be booked or the waiting list joined (needs `with_dates()`)."""
        return self.phase in (Phase.OPEN, Phase.FULL)

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

    def is_taught_by(self, user_id: int) -> bool:
        """Whether the person `user_id` is one of this session's two tutors."""
        return any(
            tutor is not None and tutor.user_id == user_id
            for tutor in (self.lay_tutor, self.clinical_tutor)
        )

    def co_tutor_of(self, user_id: int):
        """The other tutor of the pair, for the tutor who is `user_id` (None if not assigned)."""
        if self.lay_tutor and self.lay_tutor.user_id == user_id:
            return self.clinical_tutor
        if self.clinical_tutor and self.clinical_tutor.user_id == user_id:
            return self.lay_tutor
        return None

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
