"""Small random planning instances, and an exhaustive search that knows nothing of the planner.

Used by tests/courses/workshops/planner/test_search.py (many seeds) and handy when the planner
changes: `PLANNER_SEEDS=2000 pytest tests/courses/workshops/planner/test_search.py -k exhaustive`.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from courses.models import (
    Accreditation,
    CourseRun,
    Session,
    TimeAway,
    Tutor,
    TutorKind,
    WeeklyAvailability,
)
from courses.workshops.readiness import load_tutors, refusals, sessions_for_rules, snapshot_of
from tests.factories import CourseRunFactory, TutorFactory, VenueFactory

KINDS = (TutorKind.LAY, TutorKind.CLINICAL)
SLOTS = [(8, 22), (8, 22), (9, 17), (9, 13), (12, 21), (17, 21)]


def build_random_instance(seed: int, *, site, programmes) -> tuple[date, date]:
    """2-4 runs of 3-6 weekly sessions (clustered on a few weekdays and times, at two venues with
    a travel buffer, some places already filled), 2-4 tutors of each kind with varied weekly
    availability, accreditation (some expiring during the period), caps, time away and a fully
    staffed run they already teach. Returns the period to plan."""
    rng = random.Random(seed)
    site.travel_buffer_minutes = rng.choice([0, 30, 90])
    site.save(update_fields=["travel_buffer_minutes"])
    zone = timezone.get_current_timezone()
    venues = [VenueFactory(site=site), VenueFactory(site=site)]
    today = timezone.localdate()
    # From the first of the month after next, so that a seed gives the same weekdays and month
    # boundaries (which the caps count by) whatever day the test runs.
    anchor = (today.replace(day=1) + timedelta(days=62)).replace(day=1)
    first_day = anchor + timedelta(days=rng.randint(0, 25))
    programme_list = list(programmes.values())

    tutors = {kind: [] for kind in KINDS}
    for kind in KINDS:
        for _ in range(rng.randint(2, 4)):
            tutor = TutorFactory(
                site=site,
                kind=kind,
                available=False,
                monthly_cap=rng.randint(1, 6),
                is_active=rng.random() > 0.1,
            )
            for programme in programme_list:
                if rng.random() < 0.9:
                    expires = (
                        first_day + timedelta(days=rng.randint(5, 40))
                        if rng.random() < 0.2
                        else today + timedelta(days=400)
                    )
                    Accreditation.objects.create(
                        tutor=tutor,
                        programme=programme,
                        accredited_on=today - timedelta(days=100),
                        expires_on=expires,
                    )
            for weekday in range(7):
                if rng.random() < 0.85:
                    start, end = rng.choice(SLOTS)
                    WeeklyAvailability.objects.create(
                        tutor=tutor, weekday=weekday, starts_at=time(start), ends_at=time(end)
                    )
            if rng.random() < 0.3:
                away = first_day + timedelta(days=rng.randint(0, 35))
                TimeAway.objects.create(
                    tutor=tutor, first_day=away, last_day=away + timedelta(days=rng.randint(0, 6))
                )
            tutors[kind].append(tutor)

    weekdays = rng.sample(range(5), 2)
    for _ in range(rng.randint(2, 4)):
        run = CourseRunFactory(
            site=site, venue=rng.choice(venues), programme=rng.choice(programme_list)
        )
        weekday = rng.choice(weekdays)
        hour = rng.choice([10, 10, 11, 13, 18])
        minutes = rng.choice([120, 180])
        start_day = first_day + timedelta(days=(weekday - first_day.weekday()) % 7)
        for number in range(1, rng.randint(3, 6) + 1):
            starts = datetime.combine(start_day + timedelta(weeks=number - 1), time(hour), zone)
            Session.objects.create(
                run=run,
                number=number,
                venue=rng.choice(venues) if rng.random() < 0.2 else run.venue,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=minutes),
                lay_tutor=rng.choice(tutors[TutorKind.LAY]) if rng.random() < 0.15 else None,
                clinical_tutor=(
                    rng.choice(tutors[TutorKind.CLINICAL]) if rng.random() < 0.15 else None
                ),
            )
    # What the tutors already teach: a staffed run the planner leaves alone.
    staffed = CourseRunFactory(
        site=site,
        venue=venues[0],
        programme=programme_list[0],
        status=CourseRun.Status.OPEN,
        opened_at=timezone.now(),
    )
    for number in range(1, 3):
        day = first_day + timedelta(days=rng.randint(0, 30))
        starts = datetime.combine(day, time(rng.choice([10, 12, 14])), zone)
        Session.objects.create(
            run=staffed,
            number=number,
            venue=venues[0],
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            lay_tutor=rng.choice(tutors[TutorKind.LAY]),
            clinical_tutor=rng.choice(tutors[TutorKind.CLINICAL]),
        )
    return first_day, first_day + timedelta(days=60)


def most_places_fillable(*, site, first_day, last_day) -> int:
    """The most empty places any rule-respecting assignment fills: an exhaustive search over
    every choice (leave the place empty, or any tutor whom `rules.refusals` accepts given the
    choices before), place by place in time order.

    Lay places take lay tutors only and each rule looks at one tutor's own sessions, so the two
    kinds are searched separately and added. States are memoised on what can still matter to
    later places: the sessions each tutor was given that end less than the travel buffer before
    the next place starts (later places start later still) and their counts in months not yet
    past.
    """
    zone = timezone.get_current_timezone()
    sessions = [
        session
        for session in sessions_for_rules()
        .filter(run__site=site)
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .filter(starts_at__gt=timezone.now())
        .order_by("starts_at", "pk")
        if first_day <= timezone.localtime(session.starts_at, zone).date() <= last_day
    ]
    total = 0
    for kind in KINDS:
        places = [
            snapshot_of(session)
            for session in sessions
            if getattr(session, f"{kind}_tutor_id") is None
        ]
        if places:
            days = [place.day for place in places]
            tutors = load_tutors(
                Tutor.objects.filter(site=site, is_active=True, kind=kind),
                first=min(days),
                last=max(days),
            )
            total += _most_of_kind(places, list(tutors.values()), kind)
    return total


def _most_of_kind(places, tutors, kind) -> int:
    given = {tutor.id: [] for tutor in tutors}
    memo = {}

    def best(i):
        if i == len(places):
            return 0
        place = places[i]
        key = (
            i,
            tuple(
                (
                    tuple(s.id for s in given[t.id] if s.ends_at + place.buffer > place.starts_at),
                    tuple(
                        sorted(
                            (month, count)
                            for month, count in _months(given[t.id]).items()
                            if month >= place.month
                        )
                    ),
                )
                for t in tutors
            ),
        )
        if key not in memo:
            value = best(i + 1)  # leave it empty
            for tutor in tutors:
                if not refusals(tutor, place, kind=kind, first_only=True):
                    tutor.book(place)
                    given[tutor.id].append(place)
                    value = max(value, 1 + best(i + 1))
                    given[tutor.id].pop()
                    tutor.unbook(place)
            memo[key] = value
        return memo[key]

    return best(0)


def _months(sessions):
    counts = {}
    for session in sessions:
        counts[session.month] = counts.get(session.month, 0) + 1
    return counts
