"""The dashboard's figures, worked out ahead."""

from django.db import models

from courses.models.sites import Site
from courses.models.workshops import CourseRun, Session

# --- the dashboard's figures -----------------------------------------------------------------------
#
# The programme dashboard reads these small tables instead of counting every enrolment, register
# line and score on each view: `courses.dashboard.figures.figures_refresh` works them all out again
# in one transaction (a scheduled task, every 10 minutes). Each row carries the dashboard's filters
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
    or completed, or withdrew after it began), how many of them the register marks (present,
    absent or sent apologies) and how many present. The rest are not marked yet: never absent."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    booked = models.PositiveIntegerField(default=0)
    marked = models.PositiveIntegerField(default=0)
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


class LastingFigures(FigureRow):
    """One scale, or the people's own goals, at one time point (before, after, or a follow-up
    so many months on) of one cohort's reflections: counts and sums from which the mean at that
    point of any set of cohorts follows, with the change kept from after to a follow-up.

    A scale's score is the person's scale score; the goals' score is the mean rating of the
    person's goals (those still important). At before every answer counts; at after and each
    follow-up only the people who also answered before; "kept" is among the people who answered
    the after survey too (see assessments.reflections.follow_up)."""

    goals = models.BooleanField(default=False)  # the people's own goals, not a scale
    scale_key = models.SlugField(max_length=60, blank=True)
    scale_label = models.CharField(max_length=200, blank=True)
    first_seen = models.PositiveBigIntegerField()  # the lowest score id: the scales' order
    phase = models.CharField(max_length=20)
    months = models.PositiveSmallIntegerField(default=0)
    n = models.PositiveIntegerField()
    total = models.FloatField()
    squares = models.FloatField()
    kept_n = models.PositiveIntegerField(default=0)
    kept_total = models.FloatField(default=0)
    kept_squares = models.FloatField(default=0)
    generated = models.PositiveIntegerField(default=0)

    def __str__(self):
        what = "Own goals" if self.goals else self.scale_label
        return f"{what} at {self.phase} {self.months}: {self.n} people"


class FiguresRefresh(models.Model):
    """When the dashboard's figures were last worked out (one row)."""

    finished_at = models.DateTimeField()
    seconds = models.FloatField()
    rows = models.PositiveIntegerField()

    def __str__(self):
        return f"Figures of {self.finished_at:%Y-%m-%d %H:%M}"
