"""Goal themes: each programme's list of themes ("getting out and about", "sleep"), kept by its
leads, and the tag a goal carries (one theme of its programme, or none).

Only goals their writer shared with the tutors can be tagged, since tagging means reading the
goal's words; who may tag (a group's tutors) is for the caller to know, as assessments knows
nothing of runs. A theme's name is one line (cms.validation.single_line), at most
THEME_NAME_LENGTH characters, and unique in its programme whatever its capitals: "Sleep" and
"sleep" are one theme. Removing a theme untags its goals and keeps them.

Locks are taken theme first, then goals, in every service here, so a tutor tagging a goal while
a lead removes the theme wait for each other instead of deadlocking.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import Lower

from assessments.errors import AssessmentError
from assessments.models import (
    THEME_NAME_LENGTH,
    Goal,
    GoalsShared,
    GoalTheme,
    Phase,
    Response,
)
from cms.models import ProgrammePage
from cms.validation import single_line

THEME_NAME_MISSING = "Enter a name for the theme."
THEME_NAME_TOO_LONG = (
    f"Write the theme's name in {THEME_NAME_LENGTH} characters or fewer (you wrote {{length}})."
)
THEME_NAME_TAKEN = (
    "{programme} already has a theme called “{name}”. Names count as the same whatever their "
    "capitals: choose another name."
)
THEME_NOT_FOUND = "That theme no longer exists: someone may have just removed it."
THEME_OF_ANOTHER_PROGRAMME = "That theme belongs to another programme than this goal's."
GOAL_NOT_SHARED = "Only goals that their writer shared with the tutors can be tagged."

SHARED = (GoalsShared.WITHOUT_NAME, GoalsShared.WITH_NAME)


def theme_name_clean(name) -> str:
    """The name as kept: runs of spaces (and line breaks, which a text box cannot hold anyway)
    become one space. Refuses an empty name, other control characters, and a long one."""
    tidy = " ".join(name.split()) if isinstance(name, str) else ""
    if not tidy:
        raise AssessmentError(THEME_NAME_MISSING)
    try:
        single_line(tidy)
    except ValidationError as error:
        raise AssessmentError(error.messages[0]) from error
    if len(tidy) > THEME_NAME_LENGTH:
        raise AssessmentError(THEME_NAME_TOO_LONG.format(length=len(tidy)))
    return tidy


def _refuse_a_taken_name(programme_id: int, name: str, *, besides: int | None = None) -> None:
    """Compared in Python with casefold(), which knows every script's capitals (SQLite's LOWER
    knows only A to Z); the database's constraint still stops two leads adding one at once."""
    others = GoalTheme.objects.filter(programme_id=programme_id).exclude(pk=besides)
    for other in others.values_list("name", flat=True):
        if other.casefold() == name.casefold():
            programme = ProgrammePage.objects.filter(pk=programme_id).values_list(
                "title", flat=True
            )
            raise AssessmentError(THEME_NAME_TAKEN.format(programme=programme.get(), name=other))


def _save(theme: GoalTheme, **options) -> None:
    theme.full_clean(validate_constraints=False)  # the name's rules are checked above, in words
    try:
        with transaction.atomic():
            theme.save(**options)
    except IntegrityError as error:
        # Someone else gave a theme of the programme the same name a moment before.
        raise AssessmentError(
            THEME_NAME_TAKEN.format(programme=theme.programme.title, name=theme.name)
        ) from error


# --- services ------------------------------------------------------------------------------------


@transaction.atomic
def goal_theme_add(*, programme: ProgrammePage, name: str, created_by) -> GoalTheme:
    """A new theme in the programme's list."""
    name = theme_name_clean(name)
    _refuse_a_taken_name(programme.pk, name)
    theme = GoalTheme(programme=programme, name=name, created_by=created_by)
    _save(theme)
    return theme


@transaction.atomic
def goal_theme_rename(*, theme: GoalTheme, name: str) -> bool:
    """Give the theme a new name (its goals keep it). False when the name is the same."""
    name = theme_name_clean(name)
    locked = GoalTheme.objects.select_for_update().filter(pk=theme.pk).first()
    if locked is None:
        raise AssessmentError(THEME_NOT_FOUND)
    if locked.name == name:
        return False
    _refuse_a_taken_name(locked.programme_id, name, besides=locked.pk)
    locked.name = name
    _save(locked, update_fields=["name"])
    theme.name = name
    return True


@transaction.atomic
def goal_theme_remove(*, theme: GoalTheme) -> int:
    """Take the theme off the programme's list, and off every goal tagged with it (the goals and
    their ratings are kept). Returns how many goals lost it."""
    locked = GoalTheme.objects.select_for_update().filter(pk=theme.pk).first()
    if locked is None:
        raise AssessmentError(THEME_NOT_FOUND)
    untagged = Goal.objects.filter(theme=locked).update(theme=None)
    locked.delete()
    return untagged


@dataclass(frozen=True)
class GoalTagged:
    text: str
    theme: GoalTheme | None
    changed: bool


@transaction.atomic
def goal_tag(*, goal_id: int, theme_id: int | None) -> GoalTagged:
    """Tag a shared goal with a theme of its programme (the programme whose questionnaire it
    was written in), or with none when `theme_id` is None."""
    theme = None
    if theme_id is not None:
        theme = GoalTheme.objects.select_for_update().filter(pk=theme_id).first()
        if theme is None:
            raise AssessmentError(THEME_NOT_FOUND)
    goal = (
        Goal.objects.select_for_update(of=("self",))
        .select_related("response__administration")
        .filter(pk=goal_id)
        .first()
    )
    if (
        goal is None
        or goal.response.status != Response.Status.SUBMITTED
        or goal.response.administration.phase != Phase.BEFORE
        or goal.response.goals_shared not in SHARED
    ):
        raise AssessmentError(GOAL_NOT_SHARED)
    if theme is not None and theme.programme_id != goal.response.administration.programme_id:
        raise AssessmentError(THEME_OF_ANOTHER_PROGRAMME)
    changed = goal.theme_id != (theme.pk if theme else None)
    if changed:
        goal.theme = theme
        goal.save(update_fields=["theme"])
    return GoalTagged(text=goal.text, theme=theme, changed=changed)


# --- selectors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeShown:
    pk: int
    name: str
    goals: int  # how many goals are tagged with it, at every site


def goal_themes_for(programme: ProgrammePage) -> list[ThemeShown]:
    """The programme's themes in the order of their names, each with how many goals are tagged
    with it (counted, never listed). One query."""
    return [
        ThemeShown(pk=row["pk"], name=row["name"], goals=row["goals"])
        for row in GoalTheme.objects.filter(programme=programme)
        .values("pk", "name")
        .annotate(goals=Count("goals"))
        .order_by(Lower("name"), "pk")
    ]


def goals_tagged_with(theme: GoalTheme) -> int:
    return Goal.objects.filter(theme=theme).count()
