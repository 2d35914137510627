"""Builders for before-and-after reflection tests: an instrument version made straight from
rows (not through the authoring service), administrations aimed at any row, and a window
resolver the test controls.

    version = version_with_items()          # two scales, a reverse item, looking-back items,
                                            # a free-text and a single-choice item
    target = UserFactory()                  # anything with a content type can be a target
    before = administration(version, "before", target)
    with open_windows({before.pk: Window(opens, closes)}, for_person=trainee): ...
"""

from contextlib import contextmanager
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from assessments.models import (
    Administration,
    Instrument,
    InstrumentVersion,
    Item,
    ItemKind,
    Scale,
)
from assessments.reflections import windows

ZERO_TO_TEN = [
    {"value": value, "label": label}
    for value, label in [(0, "Not at all confident")]
    + [(value, "") for value in range(1, 10)]
    + [(10, "Completely confident")]
]
ONE_TO_FIVE = [
    {"value": 1, "label": "Never"},
    {"value": 2, "label": "Rarely"},
    {"value": 3, "label": "Sometimes"},
    {"value": 4, "label": "Often"},
    {"value": 5, "label": "Always"},
]


def version_with_items(*, instrument=None, slug="partnership-skills", programme=None, number=1):
    """Scales "agenda" (two 0-10 items, one looking-back) and "enabling" (two 1-5 items, the
    second reverse-scored, one looking-back); a free-text item asked after and a single choice
    asked before. Items are keyed a1, a2, a-retro, e1, e2, e-retro, hope, heard."""
    if instrument is None:
        instrument = Instrument.objects.create(
            title="Partnership skills", slug=slug, programme=programme
        )
    version = InstrumentVersion.objects.create(instrument=instrument, number=number, definition={})
    agenda = Scale.objects.create(
        version=version, key="agenda", label="confidence in agenda setting", position=1
    )
    enabling = Scale.objects.create(
        version=version, key="enabling", label="enabling rather than relieving", position=2
    )
    rows = [
        (
            "a1",
            ItemKind.RATING,
            "How confident are you to say what you want to talk about?",
            agenda,
            False,
            True,
            True,
            ZERO_TO_TEN,
            [],
        ),
        (
            "a2",
            ItemKind.RATING,
            "How confident are you to agree a plan for the appointment?",
            agenda,
            False,
            True,
            True,
            ZERO_TO_TEN,
            [],
        ),
        (
            "a-retro",
            ItemKind.RETROSPECTIVE,
            "Looking back, before the course, how confident were you to say what you wanted "
            "to talk about?",
            agenda,
            False,
            False,
            True,
            ZERO_TO_TEN,
            [],
        ),
        (
            "e1",
            ItemKind.RATING,
            "I ask people what they would like to try.",
            enabling,
            False,
            True,
            True,
            ONE_TO_FIVE,
            [],
        ),
        (
            "e2",
            ItemKind.RATING,
            "I solve people's problems for them.",
            enabling,
            True,
            True,
            True,
            ONE_TO_FIVE,
            [],
        ),
        (
            "e-retro",
            ItemKind.RETROSPECTIVE,
            "Looking back, before the course, how often did you ask people what they would "
            "like to try?",
            enabling,
            False,
            False,
            True,
            ONE_TO_FIVE,
            [],
        ),
        ("hope", ItemKind.FREE_TEXT, "What has changed for you?", None, False, False, True, [], []),
        (
            "heard",
            ItemKind.CHOICE,
            "How did you hear about the course?",
            None,
            False,
            True,
            False,
            [],
            [{"value": "gp", "label": "From my GP"}, {"value": "friend", "label": "From a friend"}],
        ),
    ]
    for position, (key, kind, text, scale, reverse, before, after, points, options) in enumerate(
        rows, start=1
    ):
        Item.objects.create(
            version=version,
            key=key,
            position=position,
            kind=kind,
            text=text,
            scale=scale,
            reverse_scored=reverse,
            asked_before=before,
            asked_after=after,
            points=points,
            options=options,
            required=kind != ItemKind.FREE_TEXT,
        )
    return version


def administration(version, phase, target, *, label="Partnership course", programme=None, **kw):
    return Administration.objects.create(
        version=version,
        phase=phase,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        programme=programme,
        label=label,
        **kw,
    )


def open_now():
    now = timezone.now()
    return windows.Window(opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7))


def closed_now():
    now = timezone.now()
    return windows.Window(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))


@contextmanager
def open_windows(by_administration: dict, *, for_person=None, model_label=None):
    """Register a resolver for the administrations' target model that gives `for_person` (or
    anyone, when None) exactly these windows. Restores the previous resolver afterwards."""
    first = Administration.objects.select_related("target_type").get(
        pk=next(iter(by_administration))
    )
    label = model_label or f"{first.target_type.app_label}.{first.target_type.model}"
    previous = windows._resolvers.get(label)

    def resolver(person, administrations):
        if for_person is not None and person.pk != for_person.pk:
            return {}
        return {
            item.pk: by_administration[item.pk]
            for item in administrations
            if item.pk in by_administration
        }

    windows.register(label, resolver)
    try:
        yield
    finally:
        if previous is None:
            windows._resolvers.pop(label, None)
        else:
            windows.register(label, previous)
