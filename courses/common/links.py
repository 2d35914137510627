"""Addresses of our pages as whole URLs, for emails and calendars, which are read outside the
site. Each is built with reverse() from the URL's name, so it follows the URL configuration."""

from django.conf import settings
from django.urls import reverse


def base_url() -> str:
    """The site's own address, without a trailing slash (WAGTAILADMIN_BASE_URL)."""
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def absolute(name: str, *args) -> str:
    """The whole URL of the page named `name` (as in reverse())."""
    return f"{base_url()}{reverse(name, args=args)}"


def course_url(run_id: int) -> str:
    return absolute("courses:run_detail", run_id)


def session_plan_url(session_id: int) -> str:
    return absolute("courses:session_plan", session_id)


def session_register_url(session_id: int) -> str:
    return absolute("courses:register", session_id)


def feed_url(feed) -> str:
    return absolute("courses:calendar_feed", feed.token)


def reflection_url(administration_id: int) -> str:
    return absolute("assessments:answer", administration_id)
