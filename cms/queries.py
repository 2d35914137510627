"""Query pieces for any app."""

from django.db.models import Count, IntegerField, Subquery, Value
from django.db.models.functions import Coalesce


def count_rows(queryset) -> Coalesce:
    """A correlated COUNT(*) subquery as an annotation, 0 when no row matches: one subquery per
    counted relation, so counting two relations never multiplies their rows by a join."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(_one=Value(1))
            .values("_one")
            # Grouping by a constant gives one row: the count of the rows that matched.
            .annotate(n=Count("*"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
