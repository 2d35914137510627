"""Writes for sites and their members. Each runs in one transaction."""

from django.db import transaction

from courses.models import (
    Site,
    SiteMembership,
)


@transaction.atomic
def site_ensure(*, name: str, slug: str, description: str = "") -> tuple[Site, bool]:
    """Create a site, or bring an existing one (found by slug) up to date. Returns (site, changed)."""
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        site = Site(name=name, slug=slug, description=description)
        site.full_clean()
        site.save()
        return site, True
    if (site.name, site.description) == (name, description):
        return site, False
    site.name, site.description = name, description
    site.full_clean()
    site.save()
    return site, True


@transaction.atomic
def site_membership_ensure(*, site: Site, user) -> tuple[SiteMembership, bool]:
    return SiteMembership.objects.get_or_create(site=site, user=user)
