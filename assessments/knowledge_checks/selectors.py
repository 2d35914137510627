"""Reads for knowledge checks, shaped for the pages that show them, each with a fixed number of
queries. What a learner sees before submitting carries no correct flags and no feedback."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from assessments.models import KnowledgeCheck, KnowledgeCheckAttempt


@dataclass(frozen=True)
class DisplayOption:
    id: str
    text: str


@dataclass(frozen=True)
class DisplayQuestion:
    id: str
    number: int
    text: str
    kind: str  # "single" or "multiple"
    options: tuple[DisplayOption, ...]

    @property
    def label(self) -> str:
        return f"Question {self.number}: {self.text}"


@dataclass(frozen=True)
class OptionFeedback:
    id: str
    text: str
    chosen: bool
    correct: bool
    feedback: str


@dataclass(frozen=True)
class QuestionFeedback:
    id: str
    number: int
    text: str
    kind: str
    answered_correctly: bool
    options: tuple[OptionFeedback, ...]

    @property
    def label(self) -> str:
        return f"Question {self.number}: {self.text}"

    @property
    def chosen_options(self) -> list[OptionFeedback]:
        return [option for option in self.options if option.chosen]

    @property
    def correct_options(self) -> list[OptionFeedback]:
        return [option for option in self.options if option.correct]


@dataclass(frozen=True)
class AttemptFeedback:
    attempt_id: int
    check_title: str
    submitted_at: datetime
    correct_count: int
    question_count: int
    pass_mark: int
    passed: bool
    questions: tuple[QuestionFeedback, ...]


def knowledge_check_for_lesson(lesson_id: int) -> KnowledgeCheck | None:
    """The lesson's live knowledge check, or None. One query. A check not yet signed off is
    not asked; an edit awaiting sign-off is a revision, and the live check is the row."""
    return KnowledgeCheck.objects.filter(lesson_id=lesson_id, live=True).order_by().first()


def questions_for_display(check: KnowledgeCheck) -> list[DisplayQuestion]:
    """The questions and their options as a learner sees them before submitting: ids and text,
    never which options are correct nor their feedback. No queries."""
    return [
        DisplayQuestion(
            id=question.id,
            number=question.number,
            text=question.text,
            kind=question.kind,
            options=tuple(
                DisplayOption(id=option.id, text=option.text) for option in question.options
            ),
        )
        for question in check.question_list()
    ]


def attempt_feedback(attempt: KnowledgeCheckAttempt) -> AttemptFeedback:
    """What a person sees after submitting: the score, and per question what they chose, which
    options are correct and each option's feedback. One query if the check is not yet loaded
    (select_related("knowledge_check") avoids it)."""
    check = attempt.knowledge_check
    answers = attempt.answers or {}
    questions = []
    for question in check.question_list():
        chosen = set(answers.get(question.id, []))
        questions.append(
            QuestionFeedback(
                id=question.id,
                number=question.number,
                text=question.text,
                kind=question.kind,
                answered_correctly=bool(chosen) and chosen == question.correct_ids,
                options=tuple(
                    OptionFeedback(
                        id=option.id,
                        text=option.text,
                        chosen=option.id in chosen,
                        correct=option.correct,
                        feedback=option.feedback,
                    )
                    for option in question.options
                ),
            )
        )
    return AttemptFeedback(
        attempt_id=attempt.pk,
        check_title=check.title,
        submitted_at=attempt.submitted_at,
        correct_count=attempt.correct_count,
        question_count=attempt.question_count,
        pass_mark=attempt.pass_mark,
        passed=attempt.passed,
        questions=tuple(questions),
    )


def attempt_for_feedback(*, attempt_id: int, user) -> AttemptFeedback | None:
    """The feedback on one of this person's attempts, or None if it is not theirs. One query."""
    if not user.is_authenticated:
        return None
    attempt = (
        KnowledgeCheckAttempt.objects.filter(pk=attempt_id, user=user)
        .select_related("knowledge_check")
        .first()
    )
    return attempt_feedback(attempt) if attempt else None


def latest_attempt(*, check: KnowledgeCheck, user) -> KnowledgeCheckAttempt | None:
    """This person's most recent attempt at the check, or None. One query."""
    if not user.is_authenticated:
        return None
    return (
        KnowledgeCheckAttempt.objects.filter(knowledge_check=check, user=user)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def passed_lesson_ids(*, user, lesson_ids: Iterable[int]) -> set[int]:
    """Of these lessons, those whose knowledge check this person has passed at least once.
    One query, however many lessons."""
    lesson_ids = list(lesson_ids)
    if not lesson_ids or not user.is_authenticated:
        return set()
    return set(
        KnowledgeCheckAttempt.objects.filter(
            user=user, passed=True, knowledge_check__lesson_id__in=lesson_ids
        )
        .values_list("knowledge_check__lesson_id", flat=True)
        .distinct()
    )


def lessons_with_checks(lesson_ids: Iterable[int]) -> set[int]:
    """Of these lessons, those that have a knowledge check. One query."""
    lesson_ids = list(lesson_ids)
    if not lesson_ids:
        return set()
    return set(
        KnowledgeCheck.objects.filter(lesson_id__in=lesson_ids, live=True)
        .order_by()
        .values_list("lesson_id", flat=True)
    )
