"""Whole addresses in emails and calendars come from the URL configuration, on the site's own
address (WAGTAILADMIN_BASE_URL)."""

from courses.common import links
from courses.models import CalendarFeed


def test_every_address_is_the_base_url_and_the_named_page(settings):
    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.org/"

    assert links.course_url(7) == "https://learn.example.org/courses/7/"
    assert links.session_plan_url(3) == "https://learn.example.org/teach/sessions/3/plan/"
    assert links.session_register_url(3) == "https://learn.example.org/teach/sessions/3/register/"
    assert links.reflection_url(12) == "https://learn.example.org/reflections/12/"
    assert (
        links.feed_url(CalendarFeed(token="abc_DEF-1"))
        == "https://learn.example.org/calendar/abc_DEF-1.ics"
    )
