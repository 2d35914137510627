"""When each person may answer an administration, told by the app that owns its target.

This app knows nothing of course runs or e-learning modules. The app that does (courses)
registers, for each target model, a function that says for one person and some
administrations of that model's targets when each is open to them: from when, until when (None:
no end yet). An administration it says nothing about is not that person's to answer.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime | None

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now and (self.closes_at is None or now < self.closes_at)

    def is_closed(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.closes_at is not None and now >= self.closes_at


# (person, administrations of one target model) -> {administration id: Window}
Resolver = Callable[[object, list], dict[int, Window]]

_resolvers: dict[str, Resolver] = {}


def register(model_label: str, resolver: Resolver) -> None:
    """`model_label` is "app_label.modelname", e.g. "courses.courserun"."""
    _resolvers[model_label.lower()] = resolver


def windows_for(person, administrations: Iterable) -> dict[int, Window]:
    """The windows of those administrations that are this person's to answer, by id."""
    by_model: dict[str, list] = {}
    for administration in administrations:
        content_type = administration.target_type
        by_model.setdefault(f"{content_type.app_label}.{content_type.model}", []).append(
            administration
        )
    windows = {}
    for label, group in by_model.items():
        resolver = _resolvers.get(label)
        if resolver is not None and getattr(person, "is_authenticated", False):
            windows.update(resolver(person, group))
    return windows


def window_for(person, administration) -> Window | None:
    return windows_for(person, [administration]).get(administration.pk)


# Which administrations might be this person's (e.g. those of every run they booked): courses
# registers one function; the person's reflections page asks it, then the resolvers above.
_candidates: list[Callable[[object], Iterable]] = []


def register_candidates(function: Callable[[object], Iterable]) -> None:
    if function not in _candidates:
        _candidates.append(function)


def candidate_administrations(person) -> list:
    found = []
    for function in _candidates:
        found.extend(function(person))
    return found
