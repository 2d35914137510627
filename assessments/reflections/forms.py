"""The before-and-after reflection form: one field per question, grouped in sections, with the
consent question last."""

from dataclasses import dataclass

from django import forms

from assessments.errors import AssessmentError
from assessments.models import MAX_GOALS, SCORED_KINDS, GoalsShared, ItemKind
from assessments.reflections import goals as goal_fields
from assessments.reflections.responses import CONSENT_FIELD, CONSENT_QUESTION
from cms.forms import AnswerField, Radios

ITEM_PREFIX = "item-"
CONSENT_CHOICES = [("yes", "Yes"), ("no", "No")]


@dataclass(frozen=True)
class ReflectionQuestion:
    """A question of the form with its bound field, for the template."""

    number: int
    item: object
    field: forms.BoundField | None

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def is_looking_back(self) -> bool:
        return self.item.kind == ItemKind.RETROSPECTIVE


@dataclass(frozen=True)
class GoalFields:
    """One goal's fields on the form. Before: its words and where the person is now. After and
    follow-up: the goal as written, where they are now, no longer important, what helped."""

    number: int
    text: str
    before_rating: int | None
    text_field: forms.BoundField | None
    rating: forms.BoundField
    dropped: forms.BoundField | None
    helped: forms.BoundField | None


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

    def __init__(
        self,
        questions,
        *,
        data=None,
        share_with_tutors=None,
        goals_shared="",
        before=True,
        **kwargs,
    ):
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
            if question.item.kind != ItemKind.GOALS:  # the goals have fields of their own
                self.fields[f"{ITEM_PREFIX}{question.item.pk}"] = _field(question)
        self.goals_question = next(
            (question for question in questions if question.item.kind == ItemKind.GOALS), None
        )
        self.goal_names: list[str] = []
        self.goals_before = before
        if self.goals_question is not None:
            self._add_goal_fields(self.goals_question, goals_shared)
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

    def _add_goal_fields(self, question, goals_shared: str) -> None:
        rating_choices = [(str(point["value"]), point["label"]) for point in goal_fields.POINTS]
        before = self.goals_before
        keys = range(1, MAX_GOALS + 1) if before else [goal.pk for goal in question.goals]
        shown = {goal.number if before else goal.pk: goal for goal in question.goals}
        for number, key in enumerate(keys, start=1):
            goal = shown.get(key)
            if before:
                name = goal_fields.text_field(key)
                self.fields[name] = forms.CharField(
                    label=f"Goal {number}", required=False, strip=False
                )
                self.initial.setdefault(name, goal.text if goal else "")
                self.goal_names.append(name)
            name = goal_fields.rating_field(key)
            self.fields[name] = AnswerField(
                label=f"Goal {number}: where are you now?",
                choices=rating_choices,
                required=False,
                widget=Radios,
                help_text="0 is not at all, 10 is completely.",
            )
            if goal is not None and goal.rating is not None:
                self.initial.setdefault(name, str(goal.rating))
            self.goal_names.append(name)
            if not before:
                name = goal_fields.dropped_field(key)
                self.fields[name] = forms.BooleanField(
                    label="This goal is no longer important to me", required=False
                )
                self.initial.setdefault(name, goal.no_longer_important)
                self.goal_names.append(name)
                name = goal_fields.helped_field(key)
                self.fields[name] = forms.CharField(
                    label="What helped? (optional)", required=False, strip=False
                )
                self.initial.setdefault(name, goal.helped)
                self.goal_names.append(name)
        if before:
            self.fields[goal_fields.SHARED_FIELD] = AnswerField(
                label="May your tutors see your goals?",
                choices=GoalsShared.choices,
                required=False,
                widget=Radios,
                help_text="Your two tutors can shape the sessions around what matters to the "
                "group. Programme leads only ever see goals counted together with everyone "
                "else's.",
            )
            if goals_shared:
                self.initial.setdefault(goal_fields.SHARED_FIELD, goals_shared)
            self.goal_names.append(goal_fields.SHARED_FIELD)

    def goal_rows(self) -> list[GoalFields]:
        """The goals' fields, one row per goal, for the template."""
        question = self.goals_question
        if question is None:
            return []
        rows = []
        if self.goals_before:
            shown = {goal.number: goal for goal in question.goals}
            for number in range(1, MAX_GOALS + 1):
                rows.append(
                    GoalFields(
                        number=number,
                        text=shown[number].text if number in shown else "",
                        before_rating=None,
                        text_field=self[goal_fields.text_field(number)],
                        rating=self[goal_fields.rating_field(number)],
                        dropped=None,
                        helped=None,
                    )
                )
            return rows
        for goal in question.goals:
            rows.append(
                GoalFields(
                    number=goal.number,
                    text=goal.text,
                    before_rating=goal.before_rating,
                    text_field=None,
                    rating=self[goal_fields.rating_field(goal.pk)],
                    dropped=self[goal_fields.dropped_field(goal.pk)],
                    helped=self[goal_fields.helped_field(goal.pk)],
                )
            )
        return rows

    def goals(self) -> dict[str, str]:
        """The goals part as posted, for response_save. Only after is_valid()."""
        posted = {}
        for name in self.goal_names:
            value = self.cleaned_data.get(name)
            if isinstance(value, bool):
                value = "yes" if value else ""
            posted[name] = value or ""
        for name in self.data:
            if goal_fields.NAME.fullmatch(name) and name not in self.fields:
                posted[name] = self.data.get(name) or ""
        return posted

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
                    field=self[f"{ITEM_PREFIX}{question.item.pk}"]
                    if question.item.kind != ItemKind.GOALS
                    else None,
                )
            )
        return sections

    def answers(self) -> dict[str, str]:
        """Item pk (a string) -> the value posted. Only after is_valid()."""
        answers = {
            str(question.item.pk): self.cleaned_data.get(f"{ITEM_PREFIX}{question.item.pk}") or ""
            for question in self.questions
            if question.item.kind != ItemKind.GOALS
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
            if key in self.fields:  # the goals' own fields are named as they are posted
                name = key
            else:
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
