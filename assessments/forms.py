from dataclasses import dataclass

from django import forms

from .blocks import QuestionKind
from .errors import AssessmentError
from .models import SCORED_KINDS, ItemKind, KnowledgeCheck
from .responses import CONSENT_FIELD, CONSENT_QUESTION
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


# --- before-and-after reflections ---------------------------------------------------------------

ITEM_PREFIX = "item-"
CONSENT_CHOICES = [("yes", "Yes"), ("no", "No")]


@dataclass(frozen=True)
class ReflectionQuestion:
    """A question of the form with its bound field, for the template."""

    number: int
    item: object
    field: forms.BoundField

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def is_looking_back(self) -> bool:
        return self.item.kind == ItemKind.RETROSPECTIVE


@dataclass(frozen=True)
class ReflectionSection:
    looking_back: bool
    questions: list


class ReflectionForm(forms.Form):
    """One field per question, named "item-<pk>": radios for ratings, looking back and single
    choices, a text box for written answers; and the consent choice when the form asks for any
    written answer. Whether an answer is acceptable is decided by response_save, so the form and
    the service refuse the same answers with the same words; after is_valid(), answers() and
    share_with_tutors() give what to pass to it. A posted "item-..." name that is not a question
    here is passed on too, so that the service refuses it."""

    def __init__(self, questions, *, data=None, share_with_tutors=None, **kwargs):
        initial = {
            f"{ITEM_PREFIX}{question.item.pk}": _initial(question)
            for question in questions
            if question.answer is not None
        }
        if share_with_tutors is not None:
            initial[CONSENT_FIELD] = "yes" if share_with_tutors else "no"
        super().__init__(data=data, initial=initial, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"{ITEM_PREFIX}{question.item.pk}"] = _field(question)
        self.asks_consent = any(question.item.kind == ItemKind.FREE_TEXT for question in questions)
        if self.asks_consent:
            self.fields[CONSENT_FIELD] = AnswerField(
                label=CONSENT_QUESTION,
                choices=CONSENT_CHOICES,
                required=False,
                widget=Radios,
                help_text="They see what you wrote for your group, never who wrote it. Your "
                "other answers are only counted together with everyone else's.",
            )

    def sections(self) -> list[ReflectionSection]:
        """The questions in order, split where looking-back questions start and stop, so that
        each run of them can sit under its own heading."""
        sections: list[ReflectionSection] = []
        for question in self.questions:
            looking_back = question.item.kind == ItemKind.RETROSPECTIVE
            if not sections or sections[-1].looking_back != looking_back:
                sections.append(ReflectionSection(looking_back=looking_back, questions=[]))
            sections[-1].questions.append(
                ReflectionQuestion(
                    number=question.number,
                    item=question.item,
                    field=self[f"{ITEM_PREFIX}{question.item.pk}"],
                )
            )
        return sections

    def answers(self) -> dict[str, str]:
        """Item pk (a string) -> the value posted. Only after is_valid()."""
        answers = {
            str(question.item.pk): self.cleaned_data.get(f"{ITEM_PREFIX}{question.item.pk}") or ""
            for question in self.questions
        }
        for name in self.data:
            if name.startswith(ITEM_PREFIX) and name not in self.fields:
                answers[name.removeprefix(ITEM_PREFIX)] = self.data.get(name) or ""
        return answers

    def share_with_tutors(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get(CONSENT_FIELD))

    def add_errors(self, error: AssessmentError):
        """Show a refusal from response_save next to the questions it is about."""
        shown = set()
        for key, message in error.errors.items():
            name = CONSENT_FIELD if key == CONSENT_FIELD else f"{ITEM_PREFIX}{key}"
            if name in self.fields:
                self.add_error(name, message)
            elif message not in shown:
                self.add_error(None, message)
            shown.add(message)
        if not error.errors:
            self.add_error(None, error.message)


def _initial(question) -> str:
    answer = question.answer
    return str(answer.number) if question.item.kind in SCORED_KINDS else answer.text


def _field(question) -> forms.Field:
    item = question.item
    if item.kind == ItemKind.FREE_TEXT:
        return forms.CharField(
            label=item.text,
            required=False,
            help_text=item.hint,
            widget=forms.Textarea(attrs={"rows": 5}),
        )
    if item.kind in SCORED_KINDS:
        choices = [(str(point["value"]), point.get("label") or "") for point in item.points]
    else:
        choices = [(str(option["value"]), option.get("label") or "") for option in item.options]
    return AnswerField(
        label=item.text, choices=choices, required=False, help_text=item.hint, widget=Radios
    )
