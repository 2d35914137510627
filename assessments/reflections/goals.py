"""Personal goals, the reflections' question type in the person's own words.

In a before reflection the person may write up to MAX_GOALS goals and rate each 0 to 10 for
where they are now, and choose whether the tutors of their group see them (and their name). In
an after or follow-up reflection of the same course or module, the goals they sent before are
listed to rate again; each may be marked no longer important, with a line about what helped.

`goals_clean` checks what was posted with no lock and no write, and names every problem by the
form field it is about; `goals_write` keeps it, inside `response_save`'s transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F

from assessments.models import (
    GOAL_HIGHEST,
    GOAL_LOWEST,
    GOAL_TEXT_LENGTH,
    HELPED_LENGTH,
    MAX_GOALS,
    Administration,
    Goal,
    GoalRating,
    GoalsShared,
    Item,
    ItemKind,
    Phase,
    Response,
)
from cms.validation import single_line

SHARED_FIELD = "goals_shared"

GOAL_TEXT_MISSING = "Goal {number}: write the goal, or clear where you are now."
GOAL_RATING_MISSING = "Goal {number}: choose where you are now, from 0 to 10."
GOAL_RATING_RANGE = "Goal {number}: choose a number from 0 to 10."
GOAL_TOO_LONG = "Goal {number}: write {limit} characters or fewer (you wrote {length})."
GOAL_NOT_TEXT = "Goal {number}: write it in words, without special characters."
TOO_MANY_GOALS = f"You can write up to {MAX_GOALS} goals."
SHARED_MISSING = "Choose whether your tutors may see your goals."
SHARED_UNKNOWN = "Choose one of the answers shown about who may see your goals."
RERATE_MISSING = (
    "Goal {number} (“{text}”): choose where you are now, from 0 to 10, or tick that it is no "
    "longer important to you."
)
HELPED_TOO_LONG = (
    "Goal {number}: write {limit} characters or fewer about what helped (you wrote {length})."
)
HELPED_NOT_TEXT = "Goal {number}: write what helped in words, without special characters."
NOT_YOUR_GOAL = "One of the goals sent is not one of yours in this reflection."

# The words of the 0 to 10 scale, at its ends.
LOWEST_LABEL, HIGHEST_LABEL = "Not at all", "Completely"
POINTS = [
    {"value": value, "label": LOWEST_LABEL if value == GOAL_LOWEST else HIGHEST_LABEL}
    if value in (GOAL_LOWEST, GOAL_HIGHEST)
    else {"value": value, "label": ""}
    for value in range(GOAL_LOWEST, GOAL_HIGHEST + 1)
]

NAME = re.compile(r"goal-(\d+)-(text|rating|dropped|helped)")
IMPROVED_BY = 2
"""A goal counts as improved when its rating rose by at least this many points."""


def text_field(number: int) -> str:
    return f"goal-{number}-text"


def rating_field(key: int) -> str:
    return f"goal-{key}-rating"


def dropped_field(key: int) -> str:
    return f"goal-{key}-dropped"


def helped_field(key: int) -> str:
    return f"goal-{key}-helped"


@dataclass
class GoalsAnswer:
    """What to keep. Before: (position, text, rating or None) for each goal written. After and
    follow-up: goal id -> (rating or None, no longer important, what helped)."""

    written: list[tuple[int, str, int | None]] = field(default_factory=list)
    rated: dict[int, tuple[int | None, bool, str]] = field(default_factory=dict)
    shared: str = ""


def goals_item(items: list[Item]) -> Item | None:
    return next((item for item in items if item.kind == ItemKind.GOALS), None)


def goals_to_rate(administration: Administration, respondent) -> list[Goal]:
    """An after or follow-up survey's goals: those the person wrote in the before survey of the
    same course or module, if they sent it, each with `before_rating`. None for a before survey."""
    if administration.phase == Phase.BEFORE:
        return []
    goals = Goal.objects.filter(
        response__respondent=respondent,
        response__status=Response.Status.SUBMITTED,
        response__administration__target_type_id=administration.target_type_id,
        response__administration__target_id=administration.target_id,
        response__administration__phase=Phase.BEFORE,
    ).order_by("position")
    before = dict(
        GoalRating.objects.filter(goal__in=goals, response_id=F("goal__response_id")).values_list(
            "goal_id", "rating"
        )
    )
    found = list(goals)
    for goal in found:
        goal.before_rating = before.get(goal.pk)
    return found


def _tidy(raw) -> str | None:
    """One line of words: runs of spaces and line breaks become one space; None when what is
    left breaks the project's one-line rule (cms.validation.single_line: control characters)."""
    if not isinstance(raw, str):
        return None
    text = " ".join(raw.split())
    try:
        single_line(text)
    except ValidationError:
        return None
    return text


def _rating(raw) -> int | None | str:
    """The posted rating: None when empty, the number, or "bad"."""
    if raw in (None, ""):
        return None
    if isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
        if GOAL_LOWEST <= value <= GOAL_HIGHEST:
            return value
    return "bad"


def goals_clean(
    administration: Administration,
    to_rate: list[Goal],
    posted: dict,
    *,
    submit: bool,
) -> tuple[GoalsAnswer, dict[str, str]]:
    """The goals part of a reflection checked: what to keep, and the problems by field name."""
    posted = {str(key): value for key, value in (posted or {}).items()}
    answer, problems = GoalsAnswer(), {}
    if administration.phase == Phase.BEFORE:
        for name in posted:
            match = NAME.fullmatch(name)
            if match and int(match.group(1)) > MAX_GOALS:
                problems[name] = TOO_MANY_GOALS
        for number in range(1, MAX_GOALS + 1):
            text = _tidy(posted.get(text_field(number), ""))
            rating = _rating(posted.get(rating_field(number)))
            if text is None:
                problems[text_field(number)] = GOAL_NOT_TEXT.format(number=number)
                continue
            if len(text) > GOAL_TEXT_LENGTH:
                problems[text_field(number)] = GOAL_TOO_LONG.format(
                    number=number, limit=GOAL_TEXT_LENGTH, length=len(text)
                )
                continue
            if rating == "bad":
                problems[rating_field(number)] = GOAL_RATING_RANGE.format(number=number)
                continue
            if not text:
                if rating is not None:
                    problems[text_field(number)] = GOAL_TEXT_MISSING.format(number=number)
                continue
            if rating is None and submit:
                problems[rating_field(number)] = GOAL_RATING_MISSING.format(number=number)
                continue
            answer.written.append((number, text, rating))
        shared = posted.get(SHARED_FIELD) or ""
        if shared and shared not in GoalsShared.values:
            problems[SHARED_FIELD] = SHARED_UNKNOWN
        elif submit and answer.written and not shared:
            problems[SHARED_FIELD] = SHARED_MISSING
        else:
            answer.shared = shared
        return answer, problems

    known = {goal.pk: goal for goal in to_rate}
    for name in posted:
        match = NAME.fullmatch(name)
        if match and int(match.group(1)) not in known:
            problems[name] = NOT_YOUR_GOAL
    for number, goal in enumerate(to_rate, start=1):
        rating = _rating(posted.get(rating_field(goal.pk)))
        dropped = posted.get(dropped_field(goal.pk)) in ("yes", "on", "true", True)
        helped = _tidy(posted.get(helped_field(goal.pk), ""))
        if rating == "bad":
            problems[rating_field(goal.pk)] = GOAL_RATING_RANGE.format(number=number)
            continue
        if helped is None:
            problems[helped_field(goal.pk)] = HELPED_NOT_TEXT.format(number=number)
            continue
        if len(helped) > HELPED_LENGTH:
            problems[helped_field(goal.pk)] = HELPED_TOO_LONG.format(
                number=number, limit=HELPED_LENGTH, length=len(helped)
            )
            continue
        if submit and rating is None and not dropped:
            problems[rating_field(goal.pk)] = RERATE_MISSING.format(number=number, text=goal.text)
            continue
        if rating is not None or dropped or helped:
            answer.rated[goal.pk] = (rating, dropped, helped)
    return answer, problems


def goals_write(response: Response, administration: Administration, answer: GoalsAnswer) -> None:
    """Keep the goals part of a response (inside response_save's transaction, the response's
    row locked). A before response's goals are replaced by what was posted; an after or
    follow-up response's ratings too, each with the goal's before rating beside it (and at a
    follow-up its after rating)."""
    if administration.phase == Phase.BEFORE:
        kept = {goal.position: goal for goal in Goal.objects.filter(response=response)}
        written = {position for position, _text, _rating in answer.written}
        Goal.objects.filter(response=response).exclude(position__in=written).delete()
        for position, text, rating in answer.written:
            goal = kept.get(position)
            if goal is None:
                goal = Goal(response=response, position=position, text=text)
                goal.full_clean(exclude=["response"])
                goal.save()
            elif goal.text != text:
                goal.text = text
                goal.theme = None  # a new goal in the same place: its old theme no longer fits
                goal.full_clean(exclude=["response"])
                goal.save(update_fields=["text", "theme"])
            GoalRating.objects.update_or_create(
                response=response, goal=goal, defaults={"rating": rating}
            )
        if response.goals_shared != answer.shared:
            response.goals_shared = answer.shared
            response.save(update_fields=["goals_shared"])
        return
    # Each goal's rating in the before response it was written in, and at a follow-up its
    # rating in the sent after response (the after survey always closes first).
    before = dict(
        GoalRating.objects.filter(
            goal_id__in=answer.rated, response_id=F("goal__response_id")
        ).values_list("goal_id", "rating")
    )
    after = {}
    if administration.phase == Phase.FOLLOW_UP:
        after = dict(
            GoalRating.objects.filter(
                goal_id__in=answer.rated,
                response__administration__phase=Phase.AFTER,
                response__status=Response.Status.SUBMITTED,
            ).values_list("goal_id", "rating")
        )
    GoalRating.objects.filter(response=response).exclude(goal_id__in=answer.rated).delete()
    for goal_id, (rating, dropped, helped) in answer.rated.items():
        GoalRating.objects.update_or_create(
            response=response,
            goal_id=goal_id,
            defaults={
                "rating": rating,
                "before_rating": before.get(goal_id),
                "after_rating": after.get(goal_id),
                "no_longer_important": dropped,
                "helped": helped,
            },
        )


# --- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalShown:
    """A goal on a person's form or answers: its words, where they were when they wrote it, and
    this response's rating so far."""

    pk: int
    number: int
    text: str
    before_rating: int | None
    rating: int | None
    no_longer_important: bool
    helped: str


def goals_shown(administration: Administration, response: Response | None, respondent) -> list:
    """The goals of a form or a sent reflection, in order (two queries at most)."""
    if administration.phase == Phase.BEFORE:
        if response is None:
            return []
        goals = list(Goal.objects.filter(response=response).order_by("position"))
        ratings = {
            rating.goal_id: rating for rating in GoalRating.objects.filter(response=response)
        }
        return [
            GoalShown(
                pk=goal.pk,
                number=goal.position,
                text=goal.text,
                before_rating=None,
                rating=getattr(ratings.get(goal.pk), "rating", None),
                no_longer_important=False,
                helped="",
            )
            for goal in goals
        ]
    goals = goals_to_rate(administration, respondent)
    ratings = {}
    if response is not None:
        ratings = {
            rating.goal_id: rating for rating in GoalRating.objects.filter(response=response)
        }
    shown = []
    for number, goal in enumerate(goals, start=1):
        rating = ratings.get(goal.pk)
        shown.append(
            GoalShown(
                pk=goal.pk,
                number=number,
                text=goal.text,
                before_rating=goal.before_rating,
                rating=rating.rating if rating else None,
                no_longer_important=rating.no_longer_important if rating else False,
                helped=rating.helped if rating else "",
            )
        )
    return shown
