"""Reads of the curricula that several areas share: a module's live lessons, in order."""

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Subquery,
)

from cms.models import LessonPage


def lesson_count_for_module(module_ref):
    """Live lessons directly under a module, as a subquery on the module's tree path."""
    return Subquery(
        LessonPage.objects.live()
        .filter(
            path__startswith=OuterRef(f"{module_ref}__path"),
            depth=OuterRef(f"{module_ref}__depth") + 1,
        )
        .order_by()
        .values("depth")
        .annotate(total=Count("pk"))
        .values("total")[:1],
        output_field=IntegerField(),
    )


def module_lessons(module):
    """The live lessons of a module, in teaching order."""
    return LessonPage.objects.child_of(module).live().order_by("path")
