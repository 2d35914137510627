"""Tagging a group's goals (courses.reflections.goal_themes): only a tutor of a session of the run
tags, only a goal the run's group shared, only with a theme of the goal's programme; anything
else is refused with its reason and changes nothing."""

import pytest

from assessments.models import Goal, GoalsShared, GoalTheme
from assessments.reflections.themes import THEME_OF_ANOTHER_PROGRAMME
from cms.roles import Role
from courses import errors
from courses.errors import CoursesError
from courses.models import TutorKind
from courses.reflections.administrations import goal_reference
from courses.reflections.goal_themes import group_goal_tag, themes_to_tag
from tests.courses.workshops import test_group_goals, test_teaching
from tests.factories import CourseRunFactory, SessionFactory, TutorFactory, UserFactory

pytestmark = pytest.mark.django_db

# The run of the teaching tests (three trainees booked, taught by the Riverside tutors) and its
# before survey.
course = test_teaching.course
before = test_group_goals.before
wrote = test_group_goals.wrote


@pytest.fixture
def sleep(course):
    return GoalTheme.objects.create(programme=course["run"].programme, name="Sleep")


def goal_of(course, before, text, shared=GoalsShared.WITHOUT_NAME, person=0):
    trainee = course["enrolments"][person].trainee
    return wrote(course["run"], before, trainee, [text], shared).goals.get()


def refused(**kwargs) -> str:
    with pytest.raises(CoursesError) as raised:
        group_goal_tag(**kwargs)
    return raised.value.message


def test_a_tutor_of_the_run_tags_a_shared_goal(course, before, sleep, people):
    goal = goal_of(course, before, "Sleep through the night")

    tagged = group_goal_tag(
        run=course["run"],
        reference=goal_reference(goal.pk),
        theme_id=sleep.pk,
        tagged_by=people["clinical_tutor"],
    )

    assert (tagged.text, tagged.theme, tagged.changed) == ("Sleep through the night", sleep, True)
    assert Goal.objects.get().theme == sleep


def test_a_tutor_of_any_session_of_the_run_may_tag(course, before, sleep, riverside):
    """The run's tutors, not only this session's: a tutor covering one session is one of them."""
    cover = TutorFactory(site=riverside, kind=TutorKind.LAY)
    SessionFactory(run=course["run"], number=5, lay_tutor=cover)
    goal = goal_of(course, before, "Sleep through the night")

    group_goal_tag(
        run=course["run"],
        reference=goal_reference(goal.pk),
        theme_id=sleep.pk,
        tagged_by=cover.user,
    )

    assert Goal.objects.get().theme == sleep


@pytest.mark.parametrize("who", ["lead", "trainee", "other_tutor"])
def test_nobody_else_may_tag(course, before, sleep, people, riverside, who):
    person = (
        TutorFactory(site=riverside, kind=TutorKind.LAY).user
        if who == "other_tutor"
        else people[who]
    )
    goal = goal_of(course, before, "Sleep through the night")

    message = refused(
        run=course["run"], reference=goal_reference(goal.pk), theme_id=sleep.pk, tagged_by=person
    )

    assert message == errors.GOAL_TAGGING_TUTORS_ONLY
    assert Goal.objects.get().theme is None


def test_a_goal_kept_from_the_tutors_cannot_be_tagged(course, before, sleep, people):
    goal = goal_of(course, before, "Kept to myself", shared=GoalsShared.NO)

    message = refused(
        run=course["run"],
        reference=goal_reference(goal.pk),
        theme_id=sleep.pk,
        tagged_by=people["lay_tutor"],
    )

    assert message == errors.GOAL_NOT_IN_GROUP
    assert Goal.objects.get().theme is None


def test_a_goal_of_another_runs_group_cannot_be_tagged(course, before, sleep, people, riverside):
    other_run = CourseRunFactory(site=riverside, programme=course["run"].programme)
    SessionFactory(run=other_run, number=1, lay_tutor=course["lay"])
    goal = goal_of(course, before, "Sleep through the night")

    message = refused(
        run=other_run,
        reference=goal_reference(goal.pk),
        theme_id=sleep.pk,
        tagged_by=people["lay_tutor"],
    )

    assert message == errors.GOAL_NOT_IN_GROUP
    assert Goal.objects.get().theme is None


@pytest.mark.parametrize("reference", ["", "not-a-reference", "1"])
def test_a_reference_that_names_no_goal_is_refused(course, before, sleep, people, reference):
    goal_of(course, before, "Sleep through the night")

    message = refused(
        run=course["run"], reference=reference, theme_id=sleep.pk, tagged_by=people["lay_tutor"]
    )

    assert message == errors.GOAL_NOT_IN_GROUP


def test_a_theme_of_another_programme_is_refused(course, before, people, programmes):
    elsewhere = GoalTheme.objects.create(programme=programmes["professional"], name="Sleep")
    goal = goal_of(course, before, "Sleep through the night")

    message = refused(
        run=course["run"],
        reference=goal_reference(goal.pk),
        theme_id=elsewhere.pk,
        tagged_by=people["lay_tutor"],
    )

    assert message == THEME_OF_ANOTHER_PROGRAMME
    assert Goal.objects.get().theme is None


def test_the_references_name_no_id(course, before, people):
    """A page names a goal by a reference that does not tell which anonymous goals one person
    wrote (consecutive ids would), nor in which order people sent them."""
    goal = goal_of(course, before, "Sleep through the night")
    reference = goal_reference(goal.pk)

    assert len(reference) == 24 and reference != str(goal.pk)
    assert reference == goal_reference(goal.pk) != goal_reference(goal.pk + 1)


def test_the_themes_to_tag_are_the_runs_programmes_in_name_order(course, programmes):
    programme = course["run"].programme
    for name in ("sleep", "Cooking", "Getting about"):
        GoalTheme.objects.create(programme=programme, name=name)
    GoalTheme.objects.create(programme=programmes["professional"], name="Agenda setting")

    assert [theme.name for theme in themes_to_tag(course["run"])] == [
        "Cooking",
        "Getting about",
        "sleep",
    ]


def test_a_person_with_both_roles_is_still_only_a_tutor_of_their_runs(course, before, sleep):
    """A lead who also teaches tags only the runs they teach."""
    lead = UserFactory(roles=[Role.PROGRAMME_LEAD.value, Role.LAY_TUTOR.value])
    goal = goal_of(course, before, "Sleep through the night")

    message = refused(
        run=course["run"], reference=goal_reference(goal.pk), theme_id=sleep.pk, tagged_by=lead
    )

    assert message == errors.GOAL_TAGGING_TUTORS_ONLY
