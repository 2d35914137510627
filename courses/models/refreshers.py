"""Refreshers: when a group's follow-up means fall back towards where they started, the site's
leads are told once, and can invite the group to a one-session run of the programme.

The rules live in `courses.reflections.refreshers`; these rows only remember what was decided
and what was sent."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from courses.models.sites import Site
from courses.models.workshops import CourseRun

# How much of the gain from before to after may be lost by a follow-up before the leads are
# told, as a whole percentage, when a site has not chosen for a programme.
DEFAULT_LOST_PERCENT = 50
LOWEST_LOST_PERCENT = 10
HIGHEST_LOST_PERCENT = 100


class RefresherThreshold(models.Model):
    """A site's choice, per programme, of how much of a group's gain may be lost before its
    leads are told ("Tell me when a group has lost at least 50% of its gain"). No row: the
    default. Set by the site's programme leads on its refreshers page, not on the programme
    page: a programme is shared by every site, and its page changes go live only through the
    co-authors' sign-off."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="refresher_thresholds")
    programme = models.ForeignKey("cms.ProgrammePage", on_delete=models.CASCADE, related_name="+")
    lost_percent = models.PositiveSmallIntegerField(
        "share of the gain lost",
        default=DEFAULT_LOST_PERCENT,
        validators=[
            MinValueValidator(LOWEST_LOST_PERCENT),
            MaxValueValidator(HIGHEST_LOST_PERCENT),
        ],
        help_text="A whole percentage from 10 to 100.",
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "programme"], name="one_refresher_threshold_per_site_programme"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    lost_percent__gte=LOWEST_LOST_PERCENT, lost_percent__lte=HIGHEST_LOST_PERCENT
                ),
                name="refresher_threshold_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.site}: tell when {self.lost_percent}% of the gain is lost"


class RefresherAlert(models.Model):
    """A run whose follow-up means fell back at one follow-up point, and its site's leads told:
    one row per run and point, claimed by an insert before the email goes, so two workers
    cannot both send it."""

    run = models.ForeignKey(CourseRun, on_delete=models.CASCADE, related_name="refresher_alerts")
    months = models.PositiveSmallIntegerField(help_text="The follow-up point, in months.")
    sent_at = models.DateTimeField("told at")

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "months"], name="one_refresher_alert_per_point")
        ]

    def __str__(self):
        return f"{self.run} fell back {self.months} months after"


class RefresherInvitation(models.Model):
    """The people who completed a run, invited by a lead to a refresher (a run of the same
    programme with one session). Once per run and refresher."""

    run = models.ForeignKey(
        CourseRun, on_delete=models.CASCADE, related_name="refresher_invitations"
    )
    alert = models.ForeignKey(RefresherAlert, on_delete=models.CASCADE, related_name="invitations")
    refresher = models.ForeignKey(
        CourseRun, on_delete=models.CASCADE, related_name="invitations_to_refresh"
    )
    invited = models.PositiveIntegerField(help_text="How many people were emailed.")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "refresher"], name="one_refresher_invitation_per_run"
            )
        ]

    def __str__(self):
        return f"{self.run} invited to {self.refresher}"
