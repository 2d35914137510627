"""Knowledge checks: the questions of a lesson check (drafts and revisions under the co-production
sign-off) and each attempt at one."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin

from assessments.check_blocks import QuestionKind, QuestionsBlock

DEFAULT_CHECK_TITLE = "Check your understanding"


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    id: str
    number: int  # 1, 2, 3 ... as people see it
    text: str
    kind: str
    options: tuple[Option, ...]

    @property
    def option_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options)

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)


class KnowledgeCheck(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """A short quiz at the end of an e-learning lesson.

    Questions and options are identified by their StreamField and ListBlock item ids, which stay
    the same through edits (and through reloads from content/), so attempts keep their meaning.

    A check changes what trainees must answer, so like a lesson it goes live only through the
    co-production sign-off (cms.curricula.workflows): an edit in the admin is a draft, and trainees
    keep answering the live check (the row; `live`) until a lay and a clinical tutor approve.
    """

    lesson = models.OneToOneField(
        "cms.LessonPage", on_delete=models.CASCADE, related_name="knowledge_check"
    )
    title = models.CharField(max_length=200, default=DEFAULT_CHECK_TITLE)
    pass_mark = models.PositiveSmallIntegerField(
        help_text="How many questions must be answered correctly to pass."
    )
    questions = StreamField(QuestionsBlock(), min_num=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="knowledgecheck")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="knowledgecheck",
        for_concrete_model=False,
    )

    class Meta:
        ordering = ["lesson__path"]

    def __str__(self):
        return f"{self.title} ({self.lesson.title})"

    @property
    def revisions(self):
        return self._revisions

    def question_list(self) -> list[Question]:
        """The questions with their options, correct flags and feedback, in order."""
        questions = []
        for child in self.questions:
            if child.block_type != "question":
                continue
            value = child.value
            questions.append(
                Question(
                    id=str(child.id),
                    number=len(questions) + 1,
                    text=value["text"],
                    kind=value["kind"],
                    options=tuple(
                        Option(
                            id=str(item.id),
                            text=item.value["text"],
                            correct=bool(item.value["correct"]),
                            feedback=item.value["feedback"],
                        )
                        for item in value["options"].bound_blocks
                    ),
                )
            )
        return questions

    def clean(self):
        super().clean()
        problems = check_problems(self.question_list(), self.pass_mark)
        if problems:
            raise ValidationError(problems)


def check_problems(questions: list[Question], pass_mark: int | None) -> dict[str, list[str]]:
    """What is wrong with a check's questions and pass mark, as messages for authors, by field."""
    problems = {}
    question_problems = []
    if not questions:
        question_problems.append("Add at least one question.")
    for question in questions:
        correct = len(question.correct_ids)
        if len(question.options) < 2:
            question_problems.append(f"Question {question.number} needs at least two options.")
        if question.kind == QuestionKind.SINGLE and correct != 1:
            question_problems.append(
                f"Question {question.number} has one answer, so exactly one option must be "
                f"marked correct (it has {correct})."
            )
        elif question.kind == QuestionKind.MULTIPLE and correct < 1:
            question_problems.append(
                f"Question {question.number} needs at least one option marked correct."
            )
    if question_problems:
        problems["questions"] = question_problems
    if pass_mark is not None and questions and not 1 <= pass_mark <= len(questions):
        problems["pass_mark"] = [
            f"The pass mark must be between 1 and {len(questions)}, the number of questions "
            f"(it is {pass_mark})."
        ]
    return problems


class KnowledgeCheckAttempt(models.Model):
    """One submission of a knowledge check. Attempts are kept, never changed; retrying adds one.

    The pass mark and number of questions are kept as they were, so later edits to the check do
    not change what an attempt scored or whether it passed.
    """

    # Not called `check`: that name is Model.check(), Django's system checks.
    knowledge_check = models.ForeignKey(
        KnowledgeCheck, on_delete=models.CASCADE, related_name="attempts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="knowledge_check_attempts"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    answers = models.JSONField(help_text="Question id -> the option ids chosen.")
    correct_count = models.PositiveSmallIntegerField()
    question_count = models.PositiveSmallIntegerField()
    pass_mark = models.PositiveSmallIntegerField()
    passed = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["knowledge_check", "user"], name="attempt_check_user")]

    def __str__(self):
        return f"{self.user}: {self.correct_count} of {self.question_count} right"
