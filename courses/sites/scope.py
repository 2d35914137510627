"""Which sites a person may see and act on. Every scoped page and admin screen starts here."""

from django.contrib.auth import get_user_model
from django.db.models import (
    Exists,
    OuterRef,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from cms.roles import Role
from courses.models import (
    Site,
    SiteMembership,
)


def sites_for(user) -> QuerySet[Site]:
    """The sites a person may see: every site for a superuser, their own sites for anyone else."""
    sites = Site.objects.all()
    if not user.is_superuser:
        # Exists, not a join, so counting memberships later counts everyone at the site.
        sites = sites.filter(Exists(SiteMembership.objects.filter(site=OuterRef("pk"), user=user)))
    return sites


def site_for_lead(user, slug) -> Site:
    return get_object_or_404(sites_for(user), slug=slug)


def site_ids_for(user) -> frozenset[int]:
    """The ids of the sites a person manages, read once per request and kept on the user."""
    cached = getattr(user, "_workshop_admin_site_ids", None)
    if cached is None:
        cached = frozenset(sites_for(user).values_list("pk", flat=True))
        user._workshop_admin_site_ids = cached
    return cached


def lead_emails(site_id) -> list[str]:
    """The addresses of a site's programme leads (active accounts): who hears about its runs."""
    return list(
        get_user_model()
        .objects.filter(
            site_memberships__site_id=site_id,
            groups__name=Role.PROGRAMME_LEAD.value,
            is_active=True,
        )
        .values_list("email", flat=True)
        .distinct()
    )
