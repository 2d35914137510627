"""Finding a course: the public list of runs open for booking, searched by place and course, and
one run's page. Anyone may read these, signed in or not; a signed-in person also sees their own
place on each run. Reads only (the bookings themselves are in `workshops/booking.py`), each in a
fixed number of queries however many runs there are.

A place is matched as people type it, as on NHS.UK's "find a service": a site's name, a venue's
name or the words of its address (every word typed must appear in one of them), or a postcode
district ("RV1" and "RV1 1AA" both find venues whose postcode is in district RV1, in any case and
spacing; "RV1" never finds "RV10").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import and_
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.db.models import Case, CharField, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Length, Replace, Upper
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cms.curricula.vocabulary import Track
from courses.common import wording
from courses.models import CourseRun, Enrolment
from courses.workshops.booking import waiting_position_annotation

RUNS_PER_PAGE = 10

# A whole postcode (outward code and inward code) or only its district (the outward code), with
# or without the space: AB1, AB12, A1B, AB1C; then, optionally, a digit and two letters.
POSTCODE = re.compile(r"(?P<district>[A-Z]{1,2}[0-9][A-Z0-9]?)(?:[0-9][A-Z]{2})?")
INWARD_CODE_LENGTH = 3
OPENSTREETMAP_SEARCH = "https://www.openstreetmap.org/search?query="


def postcode_district(text: str) -> str | None:
    """'rv1 1aa' -> 'RV1'; 'RV1' -> 'RV1'; None when the text is not a postcode or a district."""
    match = POSTCODE.fullmatch(re.sub(r"\s+", "", text).upper())
    return match["district"] if match else None


def place_words(text: str) -> list[str]:
    """The words of a place as typed: 'Riverside,  High Street' -> ['Riverside', 'High', 'Street']."""
    return [word for word in re.split(r"[\s,]+", text) if word]


def _matching_place(runs: QuerySet, place: str) -> QuerySet:
    district = postcode_district(place)
    if district:
        # The venue's postcode without spaces, upper case: its district, then the inward code
        # (or only the district, for a venue that gave no more).
        postcode = Upper(Replace(F("venue__postcode"), Value(" "), Value("")))
        return runs.alias(venue_postcode=postcode, venue_postcode_length=Length(postcode)).filter(
            venue_postcode__startswith=district,
            venue_postcode_length__in=(len(district), len(district) + INWARD_CODE_LENGTH),
        )
    words = place_words(place)
    if not words:
        return runs
    return runs.filter(
        reduce(
            and_,
            (
                Q(site__name__icontains=word)
                | Q(venue__name__icontains=word)
                | Q(venue__address__icontains=word)
                for word in words
            ),
        )
    )


def _who_it_is_for():
    """The programme's track in words, worked out with the run (courses/common/wording.py)."""
    return Case(
        *(
            When(programme__track=track, then=Value(wording.who_it_is_for(track)))
            for track in Track
        ),
        default=Value(""),
        output_field=CharField(),
    )


def open_runs(
    *, person=None, place: str = "", programme_id: int | None = None
) -> QuerySet[CourseRun]:
    """Runs that can be booked (open, or full with a waiting list) whose first session is still
    to come, soonest first, each with its dates, places, venue, site, programme, whom it is for
    and, for a signed-in `person`, their own status on it (`my_status`). One query."""
    runs = (
        CourseRun.objects.with_dates()
        .filter(
            phase__in=(CourseRun.Phase.OPEN, CourseRun.Phase.FULL),
            first_start__gt=timezone.now(),
        )
        .annotate(who_for=_who_it_is_for(), my_status=_status_of(person))
        .select_related("venue", "site", "programme")
        .in_date_order()
    )
    if place:
        runs = _matching_place(runs, place)
    if programme_id:
        runs = runs.filter(programme_id=programme_id)
    return runs


def _status_of(person):
    if person is None or not person.is_authenticated:
        return Value(None, output_field=CharField())
    return Subquery(
        Enrolment.objects.filter(run=OuterRef("pk"), trainee=person).values("status")[:1]
    )


def map_url(venue) -> str:
    """OpenStreetMap's search for the venue: its postcode, or its address when it has none."""
    where = venue.postcode.strip() or ", ".join(wording.address_lines(venue)) or venue.name
    return OPENSTREETMAP_SEARCH + quote(where, safe="")


@dataclass(frozen=True)
class FinderPage:
    page: Page
    runs: list[CourseRun]


def runs_page(
    *, person=None, place: str = "", programme_id: int | None = None, page_number=None
) -> FinderPage:
    """One page of `open_runs`, each run with the address of its venue's map (`map_url`)."""
    page = Paginator(
        open_runs(person=person, place=place, programme_id=programme_id), RUNS_PER_PAGE
    ).get_page(page_number)
    runs = list(page.object_list)
    for run in runs:
        run.venue.map_url = map_url(run.venue)
    return FinderPage(page=page, runs=runs)


def run_detail_for(*, person=None, run_id: int) -> dict:
    """Everything on a course's page, for anyone, in a fixed number of queries: the run with its
    dates and phase, its sessions, venues (each with its map) and tutors, and for a signed-in
    `person` their enrolment and place on the waiting list. Runs not opened, or cancelled, are
    not found; a run already under way still is (for the people on it)."""
    run = get_object_or_404(
        CourseRun.objects.with_dates()
        .annotate(who_for=_who_it_is_for())
        .select_related("venue", "site", "programme"),
        pk=run_id,
        status=CourseRun.Status.OPEN,
    )
    sessions = list(
        run.sessions.select_related("venue", "lay_tutor__user", "clinical_tutor__user").order_by(
            "starts_at", "pk"
        )
    )
    enrolment = None
    if person is not None and person.is_authenticated:
        enrolment = (
            Enrolment.objects.filter(trainee=person, run=run)
            .annotate(position=waiting_position_annotation())
            .first()
        )
    venues = list(dict.fromkeys(session.venue for session in sessions)) or [run.venue]
    for venue in venues:
        venue.map_url = map_url(venue)
    return {
        "run": run,
        "sessions": sessions,
        "venues": venues,
        "lay_tutors": _names(session.lay_tutor for session in sessions),
        "clinical_tutors": _names(session.clinical_tutor for session in sessions),
        "enrolment": enrolment,
        "position": (
            enrolment.position
            if enrolment and enrolment.status == Enrolment.Status.WAITLISTED
            else None
        ),
        "booking_open": run.is_bookable and run.first_start is not None,
        "first_start": run.first_start,
    }


def _names(tutors) -> list[str]:
    return list(dict.fromkeys(tutor.name for tutor in tutors if tutor is not None))
