"""Template tags of the co-production sign-off: its status in words, and a page's address on
the site's own host (for Wagtail's emails)."""

from django import template

from cms.curricula.emails import public_url
from cms.curricula.progress import wording_for_object

register = template.Library()


@register.simple_tag
def sign_off_status(obj) -> str:
    """What a page or knowledge check in the sign-off still needs ("" when not in it)."""
    return wording_for_object(obj)


@register.simple_tag
def site_url_of(page) -> str:
    """The page's whole address from WAGTAILADMIN_BASE_URL (SITE_URL), not from Wagtail's site
    record, whose host is "localhost" on port 80 until someone changes it."""
    return public_url(page)
