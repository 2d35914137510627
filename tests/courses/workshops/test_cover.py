"""Cover: who can replace a tutor who withdrew, ranked, and why the others cannot."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from courses import errors
from courses.models import CourseRun, TimeAway, TutorKind, WeeklyAvailability
from courses.workshops import readiness, scheduling
from courses.workshops.readiness import Rule
from tests.courses.workshops.scheduling_builders import (
    loaded,
    rule_refusals,
    session_on,
    tuesdays_of_month,
)
from tests.factories import (
    CourseRunFactory,
    SessionFactory,
    TutorFactory,
    UserFactory,
    VenueFactory,
)

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

LAY, CLINICAL = TutorKind.LAY, TutorKind.CLINICAL


@pytest.fixture
def group(workshop):
    """A four-week run on the Tuesdays of the month after next, taught throughout by one
    clinician, and another run at another venue for the tutors' other commitments."""
    tuesdays = tuesdays_of_month(2)
    run = CourseRunFactory(
        site=workshop["site"],
        venue=workshop["venue"],
        programme=workshop["programme"],
        title="Winter group",
    )
    clinician = person(workshop, "Carol", "Crane", CLINICAL)
    # The workshop fixture's own pair, named so that the order by name is known.
    for tutor, (first_name, last_name) in (
        (workshop["lay"], ("Sam", "Hill")),
        (workshop["clinical"], ("Pat", "Moss")),
    ):
        tutor.user.first_name, tutor.user.last_name = first_name, last_name
        tutor.user.save()
    sessions = [
        session_on(run, number, day, clinical_tutor=clinician)
        for number, day in enumerate(tuesdays, start=1)
    ]
    other = CourseRunFactory(
        site=workshop["site"],
        venue=VenueFactory(site=workshop["site"], name="Eastgate Health Centre"),
        programme=workshop["programme"],
        title="Other group",
    )
    return {
        "run": run,
        "sessions": sessions,
        "tuesdays": tuesdays,
        "clinician": clinician,
        "other": other,
    }


def person(workshop, first_name, last_name, kind=LAY, **kwargs):
    kwargs.setdefault("accredited_for", [workshop["programme"]])
    return TutorFactory(
        site=workshop["site"],
        kind=kind,
        user=UserFactory(first_name=first_name, last_name=last_name),
        **kwargs,
    )


def held_together(run, number, days_ago, lay, clinical):
    started = timezone.now() - timedelta(days=days_ago)
    return SessionFactory(
        run=run,
        number=number,
        starts_at=started,
        ends_at=started + timedelta(hours=3),
        lay_tutor=lay,
        clinical_tutor=clinical,
    )


def facts(candidates):
    return [(c.name, c.sessions_in_run, c.sessions_with_co_tutor, c.month_load) for c in candidates]


def test_candidates_are_ranked_continuity_then_co_tutor_then_load_then_name(workshop, group):
    sessions, clinician = group["sessions"], group["clinician"]
    target = sessions[1]
    adams = person(workshop, "Zoe", "Adams")
    brown = person(workshop, "Yan", "Brown")
    clark = person(workshop, "Xena", "Clark")
    dunn = person(workshop, "Will", "Dunn")
    ford = person(workshop, "Uma", "Ford")
    evans = person(workshop, "Vic", "Evans")
    grey = person(workshop, "Tess", "Grey")
    walker = person(workshop, "Wendy", "Walker")
    # Continuity: Adams already teaches two other sessions of this run, Brown one.
    for session, lay in ((sessions[0], brown), (sessions[2], adams), (sessions[3], adams)):
        scheduling.session_assign(session=session, tutor_id=lay.pk, kind=LAY)
    # Walker was on the session and withdrew: the place is empty, she is not a candidate.
    scheduling.session_assign(session=target, tutor_id=walker.pk, kind=LAY)
    scheduling.tutor_withdraw(session=target, tutor=walker)
    # Dunn (twice) and Clark (once) have taught with Carol Crane before; Ford only in a run
    # that was cancelled; Evans is paired with her only in the future.
    past = CourseRunFactory(
        site=workshop["site"], venue=workshop["venue"], programme=workshop["programme"]
    )
    held_together(past, 1, 10, clark, clinician)
    held_together(past, 2, 17, dunn, clinician)
    held_together(past, 3, 24, dunn, clinician)
    cancelled = CourseRunFactory(
        site=workshop["site"],
        venue=workshop["venue"],
        programme=workshop["programme"],
        status=CourseRun.Status.CANCELLED,
    )
    held_together(cancelled, 1, 10, ford, clinician)
    session_on(past, 4, tuesdays_of_month(3)[0], lay_tutor=evans, clinical_tutor=clinician)
    # Load in the session's month: Clark and Grey teach once elsewhere.
    session_on(group["other"], 1, group["tuesdays"][0], start=(18, 0), lay_tutor=clark)
    session_on(group["other"], 2, group["tuesdays"][3], start=(18, 0), lay_tutor=grey)

    candidates = readiness.cover_candidates(loaded(target), LAY)

    assert facts(candidates) == [
        ("Zoe Adams", 2, 0, 2),
        ("Yan Brown", 1, 0, 1),
        ("Will Dunn", 0, 2, 0),
        ("Xena Clark", 0, 1, 1),
        ("Sam Hill", 0, 0, 0),
        ("Uma Ford", 0, 0, 0),
        ("Vic Evans", 0, 0, 0),
        ("Tess Grey", 0, 0, 1),
    ]
    assert [c.tutor_id for c in candidates][:2] == [adams.pk, brown.pk]
    assert [(i.name, i.rule, i.reason) for i in readiness.ineligible_with_reasons(target, LAY)] == [
        ("Wendy Walker", None, errors.COVER_WITHDREW.format(name="Wendy Walker"))
    ]


def test_the_best_candidate_can_be_given_the_place(workshop, group, people):
    target = group["sessions"][0]
    leaving = person(workshop, "Lee", "Leaving")
    scheduling.session_assign(session=target, tutor_id=leaving.pk, kind=LAY)
    scheduling.tutor_withdraw(session=target, tutor=leaving)

    [best, *_] = readiness.cover_candidates(loaded(target), LAY)
    scheduling.session_cover(session=target, tutor_id=best.tutor_id, assigned_by=people["lead"])

    target.refresh_from_db()
    assert target.lay_tutor_id == best.tutor_id
    assert target.withdrawals.get().covered_by_id == best.tutor_id


def test_each_rule_keeps_a_tutor_off_the_list_and_says_why(workshop, group, programmes, hillside):
    target = group["sessions"][1]
    day = group["tuesdays"][1]
    workshop["lay"].delete()
    person(workshop, "Ella", "Able")
    inactive = person(workshop, "Ian", "Resting", is_active=False)
    unaccredited = person(
        workshop, "Una", "Unaccredited", accredited_for=[programmes["professional"]]
    )
    unavailable = person(workshop, "Val", "Mondays", available=False)
    WeeklyAvailability.objects.create(
        tutor=unavailable, weekday=0, starts_at=time(8), ends_at=time(22)
    )
    away = person(workshop, "Abe", "Away")
    TimeAway.objects.create(tutor=away, first_day=day, last_day=day + timedelta(days=7))
    double = person(workshop, "Dot", "Double")
    session_on(group["other"], 1, day, start=(12, 0), lay_tutor=double)
    travel = person(workshop, "Tim", "Travel")
    session_on(group["other"], 2, day, start=(13, 15), minutes=60, lay_tutor=travel)
    capped = person(workshop, "Cap", "Full", monthly_cap=1)
    session_on(group["other"], 3, group["tuesdays"][0], lay_tutor=capped)
    holder = person(workshop, "Hal", "Holder")
    clinician_elsewhere = TutorFactory(
        site=hillside, kind=CLINICAL, accredited_for=[workshop["programme"]]
    )

    options = readiness.cover_options(loaded(target), LAY)

    assert [c.name for c in options.candidates] == ["Ella Able", "Hal Holder"]
    expected = {
        tutor.name: (rule, rule_refusals(target, tutor, LAY)[0].message)
        for tutor, rule in (
            (inactive, Rule.INACTIVE),
            (unaccredited, Rule.ACCREDITATION),
            (unavailable, Rule.AVAILABILITY),
            (away, Rule.AVAILABILITY),
            (double, Rule.DOUBLE_BOOKING),
            (travel, Rule.DOUBLE_BOOKING),
            (capped, Rule.MONTHLY_CAP),
        )
    }
    assert {i.name: (i.rule, i.reason) for i in options.ineligible} == expected
    assert [i.name for i in options.ineligible] == sorted(expected, key=str.casefold)
    assert expected["Ian Resting"][1] == errors.RULE_INACTIVE.format(name="Ian Resting")
    assert "less than 30 minutes to travel" in expected["Tim Travel"][1]
    assert "is away from" in expected["Abe Away"][1]
    # Once the place is filled, its holder is not offered as cover for it.
    scheduling.session_assign(session=target, tutor_id=holder.pk, kind=LAY)
    assert [c.name for c in readiness.cover_candidates(loaded(target), LAY)] == ["Ella Able"]
    # The clinical place: its holder Carol Crane is not offered, nor Hillside's clinician.
    clinical = readiness.cover_options(loaded(target), CLINICAL)
    assert clinician_elsewhere.pk not in {c.tutor_id for c in clinical.candidates}
    assert {c.name for c in clinical.candidates} == {"Pat Moss"}
    assert clinical.ineligible == []


def test_tutors_of_another_site_are_never_listed(workshop, group, hillside):
    TutorFactory(site=hillside, kind=LAY, accredited_for=[workshop["programme"]])

    options = readiness.cover_options(loaded(group["sessions"][0]), LAY)

    assert [c.name for c in options.candidates] == ["Sam Hill"]
    assert options.ineligible == []


def pool(workshop, group, size):
    """`size` lay tutors with history: sessions in this run and elsewhere, time with the
    co-tutor, time away, and a few who fail a rule."""
    past = CourseRunFactory(
        site=workshop["site"], venue=workshop["venue"], programme=workshop["programme"]
    )
    number = 0
    for index in range(size):
        tutor = person(workshop, f"Tutor{index:02d}", "Pool", monthly_cap=1 + index % 3)
        number += 1
        held_together(past, number, 10 + index, tutor, group["clinician"])
        number += 1
        session_on(
            group["other"], number, group["tuesdays"][index % 4], start=(18, 0), lay_tutor=tutor
        )
        TimeAway.objects.create(
            tutor=tutor,
            first_day=group["tuesdays"][index % 4],
            last_day=group["tuesdays"][index % 4] + timedelta(days=1),
        )
    return size


@pytest.mark.parametrize("size", [3, 30])
def test_cover_takes_eight_queries_whatever_the_size_of_the_pool(
    workshop, group, django_assert_num_queries, size
):
    pool(workshop, group, size)
    target = loaded(group["sessions"][1])

    with django_assert_num_queries(8):
        options = readiness.cover_options(target, LAY)
    with django_assert_num_queries(8):
        readiness.cover_candidates(target, LAY)
    with django_assert_num_queries(8):
        readiness.ineligible_with_reasons(target, LAY)

    assert len(options.candidates) + len(options.ineligible) == size + 1
    assert options.ineligible  # some are away or at their cap
    assert options.candidates
