"""The demo sites' contact details (the `[[site_contacts]]` of the demo file). A site whose
details someone has already filled in keeps them: a second run changes nothing."""

from django.core.management import CommandError

from courses.models import Site
from courses.sites.services import site_contact_update


def site_contacts_ensure(demo: dict) -> int:
    changes = 0
    for entry in demo.get("site_contacts", []):
        site = Site.objects.filter(slug=entry["site"]).first()
        if site is None:
            raise CommandError(f"No site with slug {entry['site']!r} in the demo file.")
        if site.contact_phone or site.contact_email or site.opening_hours:
            continue
        site_contact_update(
            site=site,
            contact_phone=entry.get("phone", ""),
            contact_email=entry.get("email", ""),
            opening_hours=entry.get("opening_hours", ""),
        )
        changes += 1
    return changes
