"""Builders for the answering tests: one course's before and after administrations of the
reflections.py version, the answers people give by item key, the candidates registry the test
controls, and row counts to show that a refusal stored nothing.

    course = make_course(programme=programmes["patient"])
    with offered({trainee: [course.before, course.after]}), open_windows({...}, for_person=trainee):
        response_save(administration_id=course.before.pk, respondent=trainee,
                      answers=course.answers(BEFORE), share_with_tutors=None, submit=True)
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from assessments.models import (
    Administration,
    Answer,
    InstrumentVersion,
    Item,
    Pseudonym,
    Response,
    ScaleScore,
)
from assessments.reflections import windows
from tests.assessments.reflection_builders import administration, open_now, version_with_items
from tests.factories import UserFactory

# Hand-worked figures (see test_responses): agenda = mean(a1, a2); enabling = mean(e1, 6 - e2).
BEFORE = {"a1": "4", "a2": "5", "e1": "2", "e2": "4", "heard": "gp"}  # agenda 4.5, enabling 2
AFTER = {
    "a1": "8",
    "a2": "9",
    "a-retro": "3",
    "e1": "5",
    "e2": "1",
    "e-retro": "2",
    "hope": "  I set the agenda now.  ",
}  # agenda 8.5 (looking back 3), enabling 5 (looking back 2)


@dataclass
class Course:
    version: InstrumentVersion
    before: Administration
    after: Administration
    target: object
    items: dict[str, Item] = field(default_factory=dict)

    def id(self, key: str) -> str:
        return str(self.items[key].pk)

    def answers(self, by_key: dict[str, str]) -> dict[str, str]:
        """Answers keyed by item pk, as response_save takes them."""
        return {self.id(key): value for key, value in by_key.items()}

    def post(self, by_key: dict[str, str], action: str = "send", **extra) -> dict[str, str]:
        """The answer form's POST data."""
        return {
            **{f"item-{self.id(key)}": value for key, value in by_key.items()},
            "action": action,
            **extra,
        }


def make_course(*, programme=None, label="Moving on Together at Riverside"):
    """A target with a before and an after administration. Courses of one programme share its
    instrument's version, as runs of a programme do."""
    target = UserFactory()  # anything with a content type will do as a target
    version = (
        InstrumentVersion.objects.filter(instrument__programme=programme).first()
        if programme is not None
        else None
    ) or version_with_items(programme=programme, slug=f"skills-{target.pk}")
    return Course(
        version=version,
        before=administration(version, "before", target, label=label, programme=programme),
        after=administration(version, "after", target, label=label, programme=programme),
        target=target,
        items={item.key: item for item in version.items.all()},
    )


@contextmanager
def offered(by_person: dict):
    """While inside, the only candidates function is one that offers each person (key) these
    administrations; whatever else was registered (courses) is put back afterwards."""
    by_pk = {person.pk: list(items) for person, items in by_person.items()}

    def candidates(person):
        return by_pk.get(person.pk, [])

    saved = list(windows._candidates)
    windows._candidates.clear()
    windows.register_candidates(candidates)
    try:
        yield by_pk
    finally:
        windows._candidates.remove(candidates)
        windows._candidates.extend(saved)


def counts() -> dict[str, int]:
    return {
        "responses": Response.objects.count(),
        "answers": Answer.objects.count(),
        "scores": ScaleScore.objects.count(),
        "pseudonyms": Pseudonym.objects.count(),
    }


@contextmanager
def open_for(by_person: dict, *, model_label: str = "cms.user"):
    """Like reflections.open_windows, for several people at once: {person: {administration pk:
    Window}}. Anyone not named has no window (the administration is not theirs)."""
    by_pk = {person.pk: dict(found) for person, found in by_person.items()}
    previous = windows._resolvers.get(model_label)

    def resolver(person, administrations):
        found = by_pk.get(person.pk, {})
        return {item.pk: found[item.pk] for item in administrations if item.pk in found}

    windows.register(model_label, resolver)
    try:
        yield by_pk
    finally:
        if previous is None:
            windows._resolvers.pop(model_label, None)
        else:
            windows.register(model_label, previous)


@contextmanager
def everything_open(*, model_label: str = "cms.user"):
    """Every administration of the model is open now to everyone (for counting queries as
    administrations are added)."""
    previous = windows._resolvers.get(model_label)
    windows.register(model_label, lambda person, items: {item.pk: open_now() for item in items})
    try:
        yield
    finally:
        if previous is None:
            windows._resolvers.pop(model_label, None)
        else:
            windows.register(model_label, previous)
