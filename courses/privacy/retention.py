"""Retention of written reflection answers, counted from the end of the course: only course
delivery knows when a run ends (its last session), so the rule lives here, over the reflections'
rows. An e-learning module has no end: its answers count from when they were last changed.

The words are emptied and the ratings kept (assessments/privacy/erasure.py explains why): the
figures and the matched analysis stay the same."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q

from assessments.models import Answer, ItemKind
from cms.privacy.periods import period_cutoff
from cms.privacy.retention import RetentionRule
from courses.models import CourseRun


def written_answers_passed(now):
    cutoff = period_cutoff("reflections", now)
    run_type = ContentType.objects.get_for_model(CourseRun)
    runs_ended = (
        CourseRun.objects.annotate(ended=Max("sessions__ends_at"))
        .filter(ended__lt=cutoff)
        .values("pk")
    )
    of_runs = Q(
        response__administration__target_type=run_type,
        response__administration__target_id__in=runs_ended,
    )
    of_modules = ~Q(response__administration__target_type=run_type) & Q(
        response__updated_at__lt=cutoff
    )
    return (
        Answer.objects.filter(item__kind=ItemKind.FREE_TEXT)
        .exclude(text="")
        .filter(of_runs | of_modules)
    )


def written_answers_empty(rows) -> tuple[int, list]:
    return Answer.objects.filter(pk__in=list(rows.values_list("pk", flat=True))).update(text=""), []


def courses_retention_rules() -> list[RetentionRule]:
    return [
        RetentionRule(
            kind="reflections",
            does="Empties written reflection answers (the ratings are kept for the totals).",
            passed=written_answers_passed,
            apply=written_answers_empty,
        )
    ]
