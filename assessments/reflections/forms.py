"""The before-and-after reflection form: one field per question, grouped in sections, with the
consent question last."""

from dataclasses import dataclass

from django import forms

from assessments.errors import AssessmentError
from assessments.models import SCORED_KINDS, ItemKind
from assessments.reflections.responses import CONSENT_FIELD, CONSENT_QUESTION
from cms.forms import AnswerField, Radios

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
        # response_save's messages name their question ("Answer question 2: ..."), so the
        # error summary shows them as they are.
        for field in self.fields.values():
            field.messages_name_the_field = True

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
