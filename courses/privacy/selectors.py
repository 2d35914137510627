"""Whose data a member of staff may produce for a written request (a subject access request):
a system administrator anyone's; a site administrator that of people with a booking or an
enrolment at their sites."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from courses.models import Enrolment
from courses.sites.scope import sites_for


def people_for_written_requests(staff):
    """The accounts `staff` may produce a copy of everything held for. One query when used."""
    people = get_user_model().objects.all()
    if staff.is_superuser:
        return people
    sites = sites_for(staff)
    booked_at_their_sites = Enrolment.objects.filter(trainee=OuterRef("pk")).filter(
        Q(site__in=sites) | Q(run__site__in=sites)
    )
    return people.filter(Exists(booked_at_their_sites))


def person_for_written_request(*, staff, email: str):
    """The person with this email address, if `staff` may produce their data; None otherwise
    (whether there is no such account or it is out of their scope: the page says neither)."""
    return people_for_written_requests(staff).filter(email__iexact=email.strip()).first()
