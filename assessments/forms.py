from django import forms

from .blocks import QuestionKind
from .errors import AssessmentError
from .models import KnowledgeCheck
from .selectors import questions_for_display
from .services import knowledge_check_answers_validate


class FirstOptionTakesTheFieldId:
    """The error summary links to the field's id; the first option carries it, as in the NHS.UK
    design system, so the link lands on the question's first answer."""

    def id_for_label(self, id_, index="0"):
        if index == "0":
            return id_
        return super().id_for_label(id_, index)


class Radios(FirstOptionTakesTheFieldId, forms.RadioSelect):
    pass


class Checkboxes(FirstOptionTakesTheFieldId, forms.CheckboxSelectMultiple):
    pass


class AnswerField(forms.ChoiceField):
    """The options of a one-answer question. Whether an answer is acceptable is decided by the
    service's validation (in the form's clean), so form and service refuse the same answers
    with the same words."""

    def validate(self, value):
        pass


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
