"""Dates as people read them."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def deadline(moment) -> str:
    """When something must be done by, to follow "by": "Tuesday 3 February 2027" for a
    deadline at midnight (the end of that day, as after surveys close), otherwise
    "10:00 on Tuesday 3 February 2027"."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return date_format(local - timedelta(days=1), "l j F Y")
    return f"{date_format(local, 'H:i')} on {date_format(local, 'l j F Y')}"
