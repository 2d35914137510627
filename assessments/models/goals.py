"""Personal goals: up to three, in the person's own words, written in a before reflection and
rated 0 to 10 there and again after the course and at each follow-up.

A goal belongs to the before response it was written in (so erasing a person's reflections
erases their goals); each rating belongs to the response it was given in. An after or follow-up
rating keeps the goal's before rating next to it, copied when it is sent (the before survey is
always sent and closed first), and a follow-up rating its after rating too, so matched analysis is
one pass over rating rows, as for scales.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from assessments.models.reflections import Response
from cms.validation import single_line

GOAL_LOWEST, GOAL_HIGHEST = 0, 10
MAX_GOALS = 3
GOAL_TEXT_LENGTH = 200
HELPED_LENGTH = 300
THEME_NAME_LENGTH = 60


class GoalTheme(models.Model):
    """A theme a programme's lead lists, for the tutors of a group to tag its shared goals with
    ("getting out and about", "sleep"). Names are unique in a programme whatever their
    capitals (assessments/reflections/themes.py says so first, with its own words)."""

    programme = models.ForeignKey(
        "cms.ProgrammePage", on_delete=models.CASCADE, related_name="goal_themes"
    )
    name = models.CharField(max_length=THEME_NAME_LENGTH, validators=[single_line])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "programme", Lower("name"), name="one_goal_theme_name_in_any_case"
            )
        ]

    def __str__(self):
        return self.name


class Goal(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=GOAL_TEXT_LENGTH, validators=[single_line])
    theme = models.ForeignKey(
        GoalTheme, null=True, blank=True, on_delete=models.SET_NULL, related_name="goals"
    )

    class Meta:
        ordering = ["response", "position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "position"], name="one_goal_per_position")
        ]

    def __str__(self):
        return self.text


class GoalRating(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="goal_ratings")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    before_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="After and follow-up: the goal's rating when written."
    )
    after_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Follow-up: the goal's rating in the after survey."
    )
    no_longer_important = models.BooleanField(default=False)
    helped = models.CharField(max_length=HELPED_LENGTH, blank=True, validators=[single_line])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "goal"], name="one_rating_per_goal")
        ]

    def __str__(self):
        return f"{self.goal_id}: {self.rating}"
