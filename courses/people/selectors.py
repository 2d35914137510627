"""Reads about a site's people: the list staff search, a person's page, the runs staff may book
them onto. A person belongs to a site's list when its staff added them (`PersonRecord.site`) or
when they have a booking (any status) on one of its runs; nobody else is found here."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from assessments.models import Response
from assessments.reflections import responses
from cms.models import Audience, ContactChannel
from cms.texts import texts_for_person, texts_status
from cms.validation import normalise_mobile
from courses.models import AccessNeed, CourseRun, Enrolment, GroupException, PersonMerge
from courses.workshops.booking import waiting_position_annotation

GROUPS = {
    Audience.CONDITION: "Lives with a long-term condition",
    Audience.PROFESSIONAL: "Works in health or care",
    Audience.BOTH: "Lives with a long-term condition and works in health or care",
}
"""A person's group, as staff read it."""

CHANNELS = {
    ContactChannel.EMAIL: "Email",
    ContactChannel.TEXT: "Text message",
    ContactChannel.LETTER: "Letter",
}

CURRENT = (Enrolment.Status.BOOKED, Enrolment.Status.WAITLISTED)
TEXTS_SHOWN = 5  # the latest texts to the person, with what became of each, on their page


NEEDS = {
    AccessNeed.WHEELCHAIR: "Uses a wheelchair",
    AccessNeed.HEARING_LOOP: "Needs a hearing loop",
    AccessNeed.LARGE_PRINT: "Needs handouts in large print",
    AccessNeed.COMPANION: "Someone comes with them (a carer or supporter)",
}


def needs_in_words(codes) -> list[str]:
    return [NEEDS[code] for code in AccessNeed.values if code in (codes or ())]


def group_of(person) -> str:
    return GROUPS.get(person.audience, "Not known")


def contact_of(person) -> tuple[str, str]:
    """How the person wants to be contacted, in words, and the address or number it uses."""
    address = {
        ContactChannel.EMAIL: person.email,
        ContactChannel.TEXT: person.mobile,
        ContactChannel.LETTER: person.postal_address,
    }.get(person.contact_by)
    return CHANNELS.get(person.contact_by, "Email"), address or "Not given"


def linked_to(site) -> Q:
    """The one definition of a site's people: added by its staff, or booked, waiting or once
    booked on its runs (the people list, the person pages and merging all use it)."""
    return Q(staff_record__site=site) | Q(
        Exists(Enrolment.objects.filter(trainee=OuterRef("pk"), run__site=site))
    )


def _matching(query: str) -> Q:
    """People whose name, email address or mobile number matches what was typed. A mobile
    typed in any usual form (07700 900123, +44 7700 900123) is matched as it is saved."""
    query = " ".join(query.split())
    found = (
        Q(full_name__icontains=query) | Q(last_name__icontains=query) | Q(email__icontains=query)
    )
    if any(character.isdigit() for character in query):
        try:
            mobile = normalise_mobile(query)
        except ValidationError:
            mobile = ""
        if mobile:
            found |= Q(mobile=mobile)
        digits = "".join(character for character in query if character.isdigit())
        if len(digits) >= 4:
            found |= Q(mobile__contains=digits.lstrip("0"))
    return found


def site_people(site, *, query: str = "") -> QuerySet:
    """The site's people, by last name, each with `site_bookings` (their current bookings on the
    site's runs, with the run). Paginate it: two queries a page, and one for the count."""
    people = (
        get_user_model()
        .objects.filter(linked_to(site))
        .annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        .prefetch_related(
            Prefetch(
                "enrolments",
                queryset=Enrolment.objects.filter(run__site=site, status__in=CURRENT)
                .select_related("run")
                .order_by("enrolled_at", "pk"),
                to_attr="site_bookings",
            )
        )
        .order_by("last_name", "first_name", "pk")
    )
    if query.strip():
        people = people.filter(_matching(query))
    return people


def person_for_site(site, person_id):
    """A person of the site's list, with their staff record; 404 for anyone else."""
    return get_object_or_404(
        get_user_model().objects.filter(linked_to(site)).select_related("staff_record__site"),
        pk=person_id,
    )


def in_scope(site, person) -> bool:
    """Whether `person` is on the site's list (so a page may link to them)."""
    return get_user_model().objects.filter(linked_to(site), pk=person.pk).exists()


@dataclass(frozen=True)
class PersonPage:
    person: object
    record: object | None
    needs: list
    bookings: list
    reflections: list
    texts: list
    texts_status: object
    merges: list


def person_page(site, person) -> PersonPage:
    """What the person page shows: their bookings on the site's runs (every status, newest
    first, with the waiting position and who booked or took them off) and the reflections they
    can be entered for from a paper form. A fixed number of queries."""
    bookings = list(
        Enrolment.objects.filter(trainee=person, run__site=site)
        .select_related("run__programme", "booked_by", "withdrawn_by")
        .annotate(position=waiting_position_annotation())
        .order_by("-enrolled_at", "-pk")
    )
    record = getattr(person, "staff_record", None)
    return PersonPage(
        person=person,
        record=record,
        needs=needs_in_words(record.access_needs) if record else [],
        bookings=bookings,
        reflections=paper_reflections(person, {b.run_id for b in bookings}),
        texts=texts_for_person(person, limit=TEXTS_SHOWN),
        texts_status=texts_status(),
        merges=merges_for(person),
    )


def merges_for(person) -> list:
    """The merges into a person's record, latest first, with who merged them. One query."""
    return list(PersonMerge.objects.filter(kept=person).select_related("merged_by", "site"))


def paper_reflections(person, run_ids) -> list:
    """The person's reflections (before, after and follow-ups) of those runs, as they would see
    them, each with its status: staff may enter one from a paper form while it is open."""
    if not run_ids:
        return []
    return [
        reflection
        for reflection in responses.reflections_for(person)
        if reflection.administration.target_type.model == "courserun"
        and reflection.administration.target_id in run_ids
    ]


def reflection_for_site_or_404(site, person, administration_id):
    """One of the person's reflections of a run at the site, or 404."""
    reflection = responses.reflection_for(person, administration_id)
    if reflection is None:
        raise Http404("Not one of this person's reflections.")
    administration = reflection.administration
    if (
        administration.target_type.model != "courserun"
        or not Enrolment.objects.filter(
            trainee=person, run_id=administration.target_id, run__site=site
        ).exists()
    ):
        raise Http404("Not a reflection of this site's courses.")
    return reflection


def current_booking_or_404(site, person, enrolment_id) -> Enrolment:
    """The person's booking or waiting place on one of the site's runs."""
    return get_object_or_404(
        Enrolment.objects.select_related("run__programme", "run__venue").annotate(
            position=waiting_position_annotation()
        ),
        pk=enrolment_id,
        trainee=person,
        run__site=site,
    )


def runs_to_book(site, person, *, programme_id=None, exclude_run_id=None) -> list[CourseRun]:
    """The site's runs the person could be booked onto: open, not started, meant for their
    group (or a lead made an exception for them), first session first, with places left."""
    runs = (
        CourseRun.objects.filter(site=site, status=CourseRun.Status.OPEN)
        .with_dates()
        .filter(first_start__gt=timezone.now())
        .select_related("programme", "venue")
        .annotate(
            excepted=Exists(GroupException.objects.filter(run=OuterRef("pk"), trainee=person))
        )
        .in_date_order()
    )
    if programme_id is not None:
        runs = runs.filter(programme_id=programme_id)
    if exclude_run_id is not None:
        runs = runs.exclude(pk=exclude_run_id)
    return [run for run in runs if run.excepted or person.is_in_group_of(run.programme.track)]


def run_to_book_or_404(site, run_id) -> CourseRun:
    try:
        run_id = int(run_id)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(
        CourseRun.objects.with_dates().select_related("programme", "venue", "site"),
        pk=run_id,
        site=site,
    )


def paper_response(person, administration_id):
    """The person's response to an administration, if any (to say who entered it)."""
    return (
        Response.objects.filter(respondent=person, administration_id=administration_id)
        .select_related("entered_by")
        .first()
    )
