"""Reads for the site pages, each shaped for one page with a fixed number of queries."""

from django.db.models import (
    Count,
    Prefetch,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from cms.roles import Role
from courses.models import (
    Site,
    SiteMembership,
)
from courses.sites.scope import sites_for


def site_list_for(user) -> QuerySet[Site]:
    return (
        sites_for(user).annotate(member_count=Count("memberships", distinct=True)).order_by("name")
    )


ROLE_ORDER = [
    Role.PROGRAMME_LEAD,
    Role.SITE_ADMINISTRATOR,
    Role.LAY_TUTOR,
    Role.CLINICAL_TUTOR,
    Role.TRAINEE,
]


def site_detail_for(user, slug) -> tuple[Site, list[tuple[str, list]]]:
    """One site in the user's scope (404 otherwise) and its people grouped by role."""
    site = get_object_or_404(sites_for(user), slug=slug)
    memberships = (
        SiteMembership.objects.filter(site=site)
        .select_related("user")
        .prefetch_related(Prefetch("user__groups"))
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    by_role: dict[str, list] = {role.value: [] for role in ROLE_ORDER}
    no_role = []
    for membership in memberships:
        names = {group.name for group in membership.user.groups.all()}
        placed = False
        for role in ROLE_ORDER:
            if role.value in names:
                by_role[role.value].append(membership.user)
                placed = True
        if not placed:
            no_role.append(membership.user)
    groups = [(role.value, by_role[role.value]) for role in ROLE_ORDER if by_role[role.value]]
    if no_role:
        groups.append(("no role yet", no_role))
    return site, groups
