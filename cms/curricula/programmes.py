"""Which tutors belong to which programme, for telling the right people about a sign-off.

The curricula know programmes (pages) but not tutors' accreditations, which delivery keeps; a
lower app never imports a higher one. So delivery registers, in its AppConfig.ready, a function
returning (user id, programme page id) rows of the tutors it counts as tutors of a programme.
With none registered (the curricula on their own), every lay and clinical tutor counts for
every programme.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from wagtail.models import Page

from cms.roles import TUTOR_ROLES

__all__ = [
    "programme_of",
    "programme_tutors_register",
    "tutors_of_programme",
    "under_programmes_tutored_by",
]

_finder: list[Callable[[], QuerySet]] = []


def programme_tutors_register(finder: Callable[[], QuerySet]) -> None:
    """`finder()` returns a queryset of rows with `user_id` and `programme_id` fields. One
    finder: a second registration replaces the first."""
    _finder[:] = [finder]


def _pairs() -> QuerySet | None:
    return _finder[0]() if _finder else None


def programme_of(obj) -> Page | None:
    """The programme page a page belongs to, or None for a page outside any programme and for
    knowledge checks (snippets)."""
    from cms.models import ProgrammePage

    if not isinstance(obj, Page):
        return None
    return ProgrammePage.objects.ancestor_of(obj, inclusive=True).first()


def tutors_of_programme(programme) -> QuerySet:
    """Active lay and clinical tutors of `programme` (all of them if it is None or no finder is
    registered)."""
    users = get_user_model().objects.filter(
        is_active=True, groups__name__in=[role.value for role in TUTOR_ROLES]
    )
    pairs = _pairs()
    if programme is not None and pairs is not None:
        users = users.filter(pk__in=pairs.filter(programme_id=programme.pk).values("user_id"))
    return users.distinct()


def under_programmes_tutored_by(user) -> Q | None:
    """A filter on pages: those under a programme `user` tutors (None: no restriction, because
    no finder is registered). One query; a user who tutors no programme matches nothing."""
    pairs = _pairs()
    if pairs is None:
        return None
    from cms.models import ProgrammePage

    paths = ProgrammePage.objects.filter(
        pk__in=pairs.filter(user_id=user.pk).values("programme_id")
    ).values_list("path", flat=True)
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition
