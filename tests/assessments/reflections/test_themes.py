"""Goal themes (assessments.reflections.themes): a programme's list kept by its leads, with
names of one line, at most 60 characters and unique whatever their capitals; removing a theme
untags its goals and keeps them; a tag goes only on a shared goal, and only with a theme of the
goal's programme. Every refusal is named and changes nothing."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from assessments.errors import AssessmentError
from assessments.models import Goal, GoalRating, GoalsShared, GoalTheme, Response
from assessments.reflections import themes
from cms.roles import Role
from cms.validation import CONTROL_CHARACTERS
from tests.assessments.reflection_builders import administration, version_with_items
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def lead(db):
    return UserFactory(roles=[Role.PROGRAMME_LEAD.value])


@pytest.fixture
def patient(programmes):
    return programmes["patient"]


@pytest.fixture
def before(patient):
    """The patient programme's before survey of a course (any row can be its target)."""
    version = version_with_items(programme=patient)
    return administration(version, "before", UserFactory(), programme=patient)


def wrote(before, text, *, shared=GoalsShared.WITHOUT_NAME, status=Response.Status.SUBMITTED):
    response = Response.objects.create(
        administration=before,
        respondent=UserFactory(roles=["trainee"]),
        status=status,
        submitted_at=SENT if status == Response.Status.SUBMITTED else None,
        goals_shared=shared,
    )
    goal = Goal.objects.create(response=response, position=1, text=text)
    GoalRating.objects.create(response=response, goal=goal, rating=3)
    return goal


def refused(call, **kwargs) -> str:
    with pytest.raises(AssessmentError) as raised:
        call(**kwargs)
    return raised.value.message


# --- adding -----------------------------------------------------------------------------------


def test_a_lead_adds_a_theme_to_the_programmes_list(patient, lead):
    theme = themes.goal_theme_add(
        programme=patient, name="  Getting   out\tand about ", created_by=lead
    )

    assert (theme.programme, theme.name, theme.created_by) == (
        patient,
        "Getting out and about",
        lead,
    )
    assert [shown.name for shown in themes.goal_themes_for(patient)] == ["Getting out and about"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", themes.THEME_NAME_MISSING),
        ("   \t ", themes.THEME_NAME_MISSING),
        ("Sleep\x07", CONTROL_CHARACTERS),
        ("Sleep\u200bwell", CONTROL_CHARACTERS),
        ("x" * 61, themes.THEME_NAME_TOO_LONG.format(length=61)),
    ],
)
def test_a_name_that_is_not_one_short_line_is_refused_with_its_reason(patient, lead, name, message):
    assert refused(themes.goal_theme_add, programme=patient, name=name, created_by=lead) == message
    assert not GoalTheme.objects.exists()


def test_sixty_characters_are_enough(patient, lead):
    assert themes.goal_theme_add(programme=patient, name="x" * 60, created_by=lead).name == "x" * 60


def test_a_line_break_in_a_pasted_name_becomes_a_space(patient, lead):
    theme = themes.goal_theme_add(programme=patient, name="Sleep\nwell", created_by=lead)

    assert theme.name == "Sleep well"


@pytest.mark.parametrize("again", ["Sleep", "sleep", "SLEEP", " sleep "])
def test_a_name_the_programme_has_in_any_capitals_is_refused(patient, lead, again):
    themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)

    message = refused(themes.goal_theme_add, programme=patient, name=again, created_by=lead)

    assert message == themes.THEME_NAME_TAKEN.format(programme=patient.title, name="Sleep")
    assert GoalTheme.objects.count() == 1


def test_capitals_of_any_script_count_as_the_same(patient, lead):
    themes.goal_theme_add(programme=patient, name="Ärger", created_by=lead)

    message = refused(themes.goal_theme_add, programme=patient, name="ärger", created_by=lead)

    assert "already has a theme called “Ärger”" in message


def test_another_programme_may_have_a_theme_of_the_same_name(programmes, lead):
    themes.goal_theme_add(programme=programmes["patient"], name="Sleep", created_by=lead)

    other = themes.goal_theme_add(
        programme=programmes["professional"], name="sleep", created_by=lead
    )

    assert other.programme == programmes["professional"]


def test_the_database_refuses_two_names_in_different_capitals_too(patient):
    """What stops two leads who add "Sleep" and "sleep" at the same moment."""
    GoalTheme.objects.create(programme=patient, name="Sleep")

    with pytest.raises(IntegrityError), transaction.atomic():
        GoalTheme.objects.create(programme=patient, name="SLEEP")


# --- renaming ---------------------------------------------------------------------------------


def test_renaming_keeps_the_goals_tagged(patient, lead, before):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    goal = wrote(before, "Sleep through the night")
    themes.goal_tag(goal_id=goal.pk, theme_id=theme.pk)

    assert themes.goal_theme_rename(theme=theme, name="Sleeping well") is True

    theme.refresh_from_db()
    goal.refresh_from_db()
    assert (theme.name, goal.theme) == ("Sleeping well", theme)


def test_renaming_to_the_same_name_changes_nothing(patient, lead):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)

    assert themes.goal_theme_rename(theme=theme, name=" Sleep ") is False


def test_a_theme_may_change_only_its_capitals(patient, lead):
    theme = themes.goal_theme_add(programme=patient, name="sleep", created_by=lead)

    assert themes.goal_theme_rename(theme=theme, name="Sleep") is True
    assert GoalTheme.objects.get().name == "Sleep"


def test_renaming_to_another_themes_name_is_refused(patient, lead):
    themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    theme = themes.goal_theme_add(programme=patient, name="Cooking", created_by=lead)

    message = refused(themes.goal_theme_rename, theme=theme, name="SLEEP")

    assert message == themes.THEME_NAME_TAKEN.format(programme=patient.title, name="Sleep")
    assert GoalTheme.objects.get(pk=theme.pk).name == "Cooking"


def test_renaming_to_a_bad_name_is_refused(patient, lead):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)

    assert refused(themes.goal_theme_rename, theme=theme, name="") == themes.THEME_NAME_MISSING
    assert GoalTheme.objects.get().name == "Sleep"


def test_renaming_a_theme_just_removed_says_so(patient, lead):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    GoalTheme.objects.filter(pk=theme.pk).delete()

    assert refused(themes.goal_theme_rename, theme=theme, name="Rest") == themes.THEME_NOT_FOUND


# --- removing ---------------------------------------------------------------------------------


def test_removing_a_theme_untags_its_goals_and_keeps_them(patient, lead, before):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    other = themes.goal_theme_add(programme=patient, name="Cooking", created_by=lead)
    tagged = [wrote(before, f"Goal {number}") for number in range(3)]
    for goal in tagged[:2]:
        themes.goal_tag(goal_id=goal.pk, theme_id=theme.pk)
    themes.goal_tag(goal_id=tagged[2].pk, theme_id=other.pk)

    assert themes.goal_theme_remove(theme=theme) == 2

    assert list(GoalTheme.objects.values_list("name", flat=True)) == ["Cooking"]
    assert Goal.objects.count() == 3
    assert GoalRating.objects.count() == 3
    assert dict(Goal.objects.values_list("text", "theme_id")) == {
        "Goal 0": None,
        "Goal 1": None,
        "Goal 2": other.pk,
    }


def test_removing_a_theme_twice_says_it_is_gone(patient, lead):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    themes.goal_theme_remove(theme=theme)

    assert refused(themes.goal_theme_remove, theme=theme) == themes.THEME_NOT_FOUND


# --- tagging ----------------------------------------------------------------------------------


def test_a_shared_goal_is_tagged_and_untagged(patient, lead, before):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    goal = wrote(before, "Sleep through the night", shared=GoalsShared.WITH_NAME)

    tagged = themes.goal_tag(goal_id=goal.pk, theme_id=theme.pk)
    again = themes.goal_tag(goal_id=goal.pk, theme_id=theme.pk)
    untagged = themes.goal_tag(goal_id=goal.pk, theme_id=None)

    assert (tagged.text, tagged.theme, tagged.changed) == ("Sleep through the night", theme, True)
    assert again.changed is False
    assert (untagged.theme, untagged.changed) == (None, True)
    goal.refresh_from_db()
    assert goal.theme is None


@pytest.mark.parametrize(
    ("shared", "status"),
    [
        (GoalsShared.NO, Response.Status.SUBMITTED),
        ("", Response.Status.SUBMITTED),
        (GoalsShared.WITH_NAME, Response.Status.DRAFT),
    ],
)
def test_a_goal_not_shared_with_the_tutors_cannot_be_tagged(patient, lead, before, shared, status):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    goal = wrote(before, "Kept to myself", shared=shared, status=status)

    message = refused(themes.goal_tag, goal_id=goal.pk, theme_id=theme.pk)

    assert message == themes.GOAL_NOT_SHARED
    assert Goal.objects.get().theme is None


def test_a_goal_that_does_not_exist_cannot_be_tagged(patient, lead):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)

    assert refused(themes.goal_tag, goal_id=999999, theme_id=theme.pk) == themes.GOAL_NOT_SHARED


def test_only_a_theme_of_the_goals_programme_fits(programmes, lead, before):
    elsewhere = themes.goal_theme_add(
        programme=programmes["professional"], name="Sleep", created_by=lead
    )
    goal = wrote(before, "Sleep through the night")

    message = refused(themes.goal_tag, goal_id=goal.pk, theme_id=elsewhere.pk)

    assert message == themes.THEME_OF_ANOTHER_PROGRAMME
    assert Goal.objects.get().theme is None


def test_a_theme_just_removed_cannot_be_used(patient, lead, before):
    theme = themes.goal_theme_add(programme=patient, name="Sleep", created_by=lead)
    goal = wrote(before, "Sleep through the night")
    themes.goal_theme_remove(theme=theme)

    assert refused(themes.goal_tag, goal_id=goal.pk, theme_id=theme.pk) == themes.THEME_NOT_FOUND


# --- the list ---------------------------------------------------------------------------------


def test_the_list_counts_the_goals_of_each_theme_in_one_query(
    patient, lead, before, django_assert_num_queries
):
    sleep = themes.goal_theme_add(programme=patient, name="sleep", created_by=lead)
    themes.goal_theme_add(programme=patient, name="Cooking", created_by=lead)
    for number in range(3):
        themes.goal_tag(goal_id=wrote(before, f"Goal {number}").pk, theme_id=sleep.pk)

    with django_assert_num_queries(1):
        shown = themes.goal_themes_for(patient)

    assert [(theme.name, theme.goals) for theme in shown] == [("Cooking", 0), ("sleep", 3)]
