"""Deadlines in words: a date alone when the deadline is the end of a day."""

from datetime import datetime

from django.utils import timezone

from cms.templatetags.wording import deadline


def local(*parts):
    return datetime(*parts, tzinfo=timezone.get_current_timezone())


def test_a_deadline_at_midnight_is_the_day_that_ends_there():
    assert deadline(local(2027, 2, 4, 0, 0)) == "Wednesday 3 February 2027"


def test_a_deadline_during_the_day_gives_its_time():
    assert deadline(local(2027, 2, 2, 10, 0)) == "10:00 on Tuesday 2 February 2027"


def test_no_deadline_says_nothing():
    assert deadline(None) == ""
