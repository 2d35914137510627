"""Goal themes as delivery uses them: the tutors of a course run tag the goals their group
shared with them, each with one theme of the run's programme (or none), on the session plan.

The themes themselves, and the rules of a tag (a shared goal, a theme of its programme), are
assessments' (assessments/reflections/themes.py). This module adds who may tag: a lay or
clinical tutor of a session of the run, and only a goal of that run's group. Leads see goals
only counted together, so they keep the list of themes but never tag.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.crypto import constant_time_compare

from assessments.errors import AssessmentError
from assessments.models import GoalTheme
from assessments.reflections.themes import GoalTagged, goal_tag
from courses import errors
from courses.errors import CoursesError
from courses.models import CourseRun, Session
from courses.reflections.administrations import goal_reference, shared_goals


@dataclass(frozen=True)
class ThemeChoice:
    pk: int
    name: str


def themes_to_tag(run: CourseRun) -> list[ThemeChoice]:
    """The themes of the run's programme, in the order of their names. One query."""
    return [
        ThemeChoice(pk=pk, name=name)
        for pk, name in GoalTheme.objects.filter(programme_id=run.programme_id)
        .order_by(Lower("name"), "pk")
        .values_list("pk", "name")
    ]


def teaches_run(user, run: CourseRun) -> bool:
    """Whether `user` is the lay or clinical tutor of any session of the run."""
    return (
        Session.objects.filter(run=run)
        .filter(Q(lay_tutor__user=user) | Q(clinical_tutor__user=user))
        .exists()
    )


@transaction.atomic
def group_goal_tag(
    *, run: CourseRun, reference: str, theme_id: int | None, tagged_by
) -> GoalTagged:
    """Tag one of the goals the run's group shared (named by its `goal_reference`) with a theme
    of the run's programme, or with none. Refused, changing nothing, for anyone but the run's
    tutors, for a goal that is not one of the group's shared goals, and for a theme that is not
    the programme's."""
    if not teaches_run(tagged_by, run):
        raise CoursesError(errors.GOAL_TAGGING_TUTORS_ONLY)
    goal_id = next(
        (
            pk
            for pk in shared_goals(run).values_list("pk", flat=True)
            if constant_time_compare(goal_reference(pk), reference)
        ),
        None,
    )
    if goal_id is None:
        raise CoursesError(errors.GOAL_NOT_IN_GROUP)
    try:
        return goal_tag(goal_id=goal_id, theme_id=theme_id)
    except AssessmentError as error:
        raise CoursesError(error.message) from error
