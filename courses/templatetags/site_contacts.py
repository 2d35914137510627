"""The delivery sites' contact details, for pages of the site shell (cms) that list them, such as
the Contact us information page: cms may not import courses, a template tag may."""

from django import template

from courses.models import Site

register = template.Library()


@register.inclusion_tag("courses/sites/_site_contacts.html")
def site_contacts():
    """Every site, in name order, in one query."""
    return {"sites": list(Site.objects.order_by("name"))}
