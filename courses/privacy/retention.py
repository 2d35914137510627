"""Retention of written reflection answers, counted from the end of the course: only course
delivery knows when a run ends (its last session), so the rule lives here, over the reflections'
rows. An e-learning module has no end: its answers count from when they were last changed.

The words are emptied and the ratings kept (assessments/privacy/erasure.py explains why): the
figures and the matched analysis stay the same."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q

from assessments.models import Answer, Goal, GoalRating, ItemKind
from cms.privacy.periods import period_cutoff
from cms.privacy.retention import RetentionRule
from courses.models import CourseRun


def _passed_responses(now, prefix: str = "response__") -> Q:
    """Responses to surveys of runs that ended before the reflections' cutoff, or of modules
    last changed before it (`prefix`: the path from the rows to the response)."""
    cutoff = period_cutoff("reflections", now)
    run_type = ContentType.objects.get_for_model(CourseRun)
    runs_ended = (
        CourseRun.objects.annotate(ended=Max("sessions__ends_at"))
        .filter(ended__lt=cutoff)
        .values("pk")
    )
    of_runs = Q(
        **{
            f"{prefix}administration__target_type": run_type,
            f"{prefix}administration__target_id__in": runs_ended,
        }
    )
    of_modules = ~Q(**{f"{prefix}administration__target_type": run_type}) & Q(
        **{f"{prefix}updated_at__lt": cutoff}
    )
    return of_runs | of_modules


def written_answers_passed(now):
    return (
        Answer.objects.filter(item__kind=ItemKind.FREE_TEXT)
        .exclude(text="")
        .filter(_passed_responses(now))
    )


def written_answers_empty(rows) -> tuple[int, list]:
    return Answer.objects.filter(pk__in=list(rows.values_list("pk", flat=True))).update(text=""), []


def goals_passed(now):
    """Goals in people's own words, written in reflections past the period: the same rule as
    written answers."""
    return Goal.objects.exclude(text="").filter(_passed_responses(now))


def goals_empty(rows) -> tuple[int, list]:
    """The goals' words and what helped them go; their ratings stay for the goal figures."""
    goal_ids = list(rows.values_list("pk", flat=True))
    GoalRating.objects.filter(goal_id__in=goal_ids).exclude(helped="").update(helped="")
    return Goal.objects.filter(pk__in=goal_ids).update(text=""), []


def courses_retention_rules() -> list[RetentionRule]:
    return [
        RetentionRule(
            kind="reflections",
            does="Empties written reflection answers (the ratings are kept for the totals).",
            passed=written_answers_passed,
            apply=written_answers_empty,
        ),
        RetentionRule(
            kind="reflection_goals",
            does="Empties the words of people's own goals and what helped (their ratings are "
            "kept for the goal figures).",
            passed=goals_passed,
            apply=goals_empty,
            period="reflections",
        ),
    ]
