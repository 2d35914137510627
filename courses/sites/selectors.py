"""Reads for the site pages, each shaped for one page with a fixed number of queries."""

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from cms.roles import Role, has_any_role
from courses.models import (
    CourseRun,
    Enrolment,
    OrganiserMessage,
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
    return site, _people_by_role(site)


def _people_by_role(site) -> list[tuple[str, list]]:
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
    return groups


LATEST_MESSAGES = 20


def site_page_for(user, slug) -> dict:
    """The site's page: the site (404 outside the user's scope), its people by role and, for
    its programme leads, the latest messages trainees sent its organisers."""
    site, people_by_role = site_detail_for(user, slug)
    reads_messages = may_read_messages(user)
    latest = list(organiser_messages(site)[: LATEST_MESSAGES + 1]) if reads_messages else []
    return {
        "site": site,
        "people_by_role": people_by_role,
        "reads_messages": reads_messages,
        "organiser_messages": latest[:LATEST_MESSAGES],
        "more_messages": len(latest) > LATEST_MESSAGES,
    }


def may_read_messages(user) -> bool:
    """Trainees' messages go to the site's programme leads: they alone read them on the site."""
    return user.is_superuser or has_any_role(user, Role.PROGRAMME_LEAD)


def organiser_messages(site) -> QuerySet[OrganiserMessage]:
    """Messages to a site's organisers, newest first, with their run and sender."""
    return OrganiserMessage.objects.filter(site=site).select_related("run", "sender")


def run_for_message(*, trainee, run_id: int) -> CourseRun:
    """A run the trainee is on (booked, waiting or finished), with its site; 404 otherwise.
    A cancelled run's trainees may still write (their email about it links here)."""
    on_it = Enrolment.objects.filter(
        run=OuterRef("pk"), trainee=trainee, status__in=Enrolment.MAY_MESSAGE_ORGANISERS
    )
    return get_object_or_404(
        CourseRun.objects.filter(Exists(on_it)).select_related("site", "programme"),
        pk=run_id,
    )
