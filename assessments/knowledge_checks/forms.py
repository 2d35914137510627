"""The form a learner answers a knowledge check with: one field per question, checked by the same
validation as the service that saves the attempt."""

from django import forms

from assessments.check_blocks import QuestionKind
from assessments.errors import AssessmentError
from assessments.knowledge_checks.selectors import questions_for_display
from assessments.knowledge_checks.services import knowledge_check_answers_validate
from assessments.models import KnowledgeCheck
from cms.forms import AnswerField, Checkboxes, Radios


class AnswersField(forms.MultipleChoiceField):
    """The options of a one-or-more-answers question; validated like AnswerField."""

    def validate(self, value):
        pass


class KnowledgeCheckForm(forms.Form):
    """One field per question, named by the question's id: radios for one answer, checkboxes
    for one or more. Built from questions_for_display, so nothing in it says which answers are
    right. After is_valid(), answers() gives what to pass to knowledge_check_submit."""

    def __init__(self, check: KnowledgeCheck, data=None, **kwargs):
        super().__init__(data=data, **kwargs)
        self.knowledge_check = check
        self.questions = questions_for_display(check)
        self._answers = None
        for question in self.questions:
            choices = [(option.id, option.text) for option in question.options]
            if question.kind == QuestionKind.MULTIPLE:
                field = AnswersField(
                    label=question.label,
                    choices=choices,
                    required=False,
                    widget=Checkboxes,
                )
            else:
                field = AnswerField(
                    label=question.label, choices=choices, required=False, widget=Radios
                )
            # knowledge_check_answers_validate's messages name their question ("Answer
            # question 1: ..."), so the error summary shows them as they are.
            field.messages_name_the_field = True
            self.fields[question.id] = field

    @property
    def title(self) -> str:
        return self.knowledge_check.title

    @property
    def pass_mark(self) -> int:
        return self.knowledge_check.pass_mark

    def clean(self):
        cleaned = super().clean()
        chosen = {}
        for question in self.questions:
            value = cleaned.get(question.id)
            if isinstance(value, list):
                chosen[question.id] = value
            else:
                chosen[question.id] = [value] if value else []
        try:
            self._answers = knowledge_check_answers_validate(
                check=self.knowledge_check, answers=chosen
            )
        except AssessmentError as error:
            self.add_errors(error)
        return cleaned

    def answers(self) -> dict[str, list[str]]:
        """Question id -> option ids chosen. Only after is_valid() has returned True."""
        if self._answers is None:
            raise ValueError("Call is_valid() first: the answers are known only when valid.")
        return self._answers

    def add_errors(self, error: AssessmentError):
        """Show a refusal from knowledge_check_submit next to the questions it is about."""
        for question_id, message in error.errors.items():
            self.add_error(question_id if question_id in self.fields else None, message)
        if not error.errors:
            self.add_error(None, error.message)
