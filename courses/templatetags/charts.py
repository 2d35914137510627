"""{% load charts %}: the SVG charts of courses/charts.py in a template.

    {% bar_chart title="Completion per run" bars=completion unit="%" maximum=100 %}
    {% line_chart title="Attendance per session" points=attendance %}

`bars` and `points` are lists of (label, value) pairs the view made; the tags only draw them.
"""

from django import template

from courses.dashboard import charts

register = template.Library()


@register.simple_tag
def bar_chart(*, title, bars, unit="", maximum=None):
    return charts.bar_chart(title=title, bars=list(bars), unit=unit, maximum=maximum)


@register.simple_tag
def line_chart(*, title, points, unit=""):
    return charts.line_chart(title=title, points=list(points), unit=unit)
