"""{{ value|figure }}: a mean or percentage by the project's one rounding rule (cms.numbers), one
decimal place; {{ value|figure:2 }} for the few figures shown to two (standard deviations,
effect sizes)."""

from django import template

from cms.numbers import PLACES, figure_text

register = template.Library()


@register.filter
def figure(value, places=PLACES) -> str:
    if value is None or value == "":
        return figure_text(None)
    if isinstance(value, str):
        return value
    return figure_text(value, int(places))
