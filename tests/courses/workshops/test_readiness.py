"""The readiness rules, one by one: through the service a lead uses (`session_assign`), through
`readiness.refusals` and through `readiness.readiness_of`, each with its exact message naming the
rule and the person; overrides; opening a run; London time."""

from datetime import UTC, time, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from courses import errors
from courses.models import (
    Accreditation,
    AssignmentOverride,
    CourseRun,
    Session,
    TimeAway,
    TutorKind,
    WeeklyAvailability,
)
from courses.workshops import readiness, scheduling
from courses.workshops.readiness import Refusal, Rule
from courses.workshops.scheduling import SchedulingError
from tests.courses.workshops.scheduling_builders import (
    loaded,
    local,
    next_spring_clock_change,
    problems_of,
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


def other_kind(kind):
    return CLINICAL if kind == LAY else LAY


def assert_refused(workshop, session, tutor, kind, rule, message):
    """The rule refuses `tutor` for the `kind` place of `session` with `message`: the service
    refuses and changes nothing, `refusals()` names the rule and the person, and a session holding
    the tutor anyway (set behind the service's back) is not ready, for that reason alone."""
    overrides = AssignmentOverride.objects.count()
    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=session, tutor_id=tutor.pk, kind=kind)
    expected = message
    if rule in readiness.OVERRIDABLE:
        expected = f"{message} {errors.OVERRIDE_REASON_REQUIRED}"
    assert refused.value.message == expected
    assert [(r.rule, r.tutor_id) for r in refused.value.refusals] == [(rule, tutor.pk)]
    session.refresh_from_db()
    assert session.lay_tutor_id is None
    assert session.clinical_tutor_id is None
    assert AssignmentOverride.objects.count() == overrides

    assert rule_refusals(session, tutor, kind) == [Refusal(rule, message, tutor.pk)]

    co_tutor = workshop[other_kind(kind)]
    Session.objects.filter(pk=session.pk).update(
        **{f"{kind}_tutor": tutor, f"{other_kind(kind)}_tutor": co_tutor}
    )
    assert problems_of(session) == [message]


def assert_allowed(session, tutor, kind):
    assert rule_refusals(session, tutor, kind) == []
    scheduling.session_assign(session=session, tutor_id=tutor.pk, kind=kind)
    session.refresh_from_db()
    assert getattr(session, f"{kind}_tutor_id") == tutor.pk


def day_of(session):
    return timezone.localtime(session.starts_at).date()


@pytest.fixture
def first(workshop):
    return workshop["sessions"][0]


@pytest.fixture
def other_run(workshop):
    """Another Riverside run of the same programme, at another venue."""
    return CourseRunFactory(
        site=workshop["site"],
        venue=VenueFactory(site=workshop["site"], name="Eastgate Health Centre"),
        programme=workshop["programme"],
        title="Autumn group",
    )


def tutor(workshop, kind=LAY, **kwargs):
    kwargs.setdefault("accredited_for", [workshop["programme"]])
    return TutorFactory(site=workshop["site"], kind=kind, **kwargs)


# --- tutor kind and the pool ------------------------------------------------------------------


def test_a_clinician_cannot_take_the_lay_place(workshop, first):
    clinician = tutor(workshop, CLINICAL)
    message = errors.RULE_WRONG_KIND.format(
        name=clinician.name, kind="clinical tutor", slot="lay tutor"
    )

    assert_refused(workshop, first, clinician, LAY, Rule.KIND, message)


def test_a_lay_tutor_cannot_take_the_clinical_place(workshop, first):
    lay = tutor(workshop, LAY)
    message = errors.RULE_WRONG_KIND.format(name=lay.name, kind="lay tutor", slot="clinical tutor")

    assert_refused(workshop, first, lay, CLINICAL, Rule.KIND, message)


def test_an_inactive_tutor_is_refused(workshop, first):
    resting = tutor(workshop, is_active=False)

    assert_refused(
        workshop, first, resting, LAY, Rule.INACTIVE, errors.RULE_INACTIVE.format(name=resting.name)
    )


# --- accreditation ------------------------------------------------------------------------------


def test_a_tutor_accredited_only_for_the_other_programme_is_refused(workshop, first, programmes):
    other = tutor(workshop, accredited_for=[programmes["professional"]])
    message = errors.RULE_NOT_ACCREDITED.format(
        name=other.name, programme="Moving on Together", date=date_format(day_of(first))
    )

    assert_refused(workshop, first, other, LAY, Rule.ACCREDITATION, message)


def test_an_accreditation_that_expired_before_the_session_is_refused(workshop, first):
    day = day_of(first)
    lapsed = tutor(workshop, accredited_for=[])
    Accreditation.objects.create(
        tutor=lapsed,
        programme=workshop["programme"],
        accredited_on=day - timedelta(days=400),
        expires_on=day - timedelta(days=1),
    )
    message = errors.RULE_ACCREDITATION_EXPIRED.format(
        name=lapsed.name,
        programme="Moving on Together",
        expired=date_format(day - timedelta(days=1)),
        date=date_format(day),
    )

    assert_refused(workshop, first, lapsed, LAY, Rule.ACCREDITATION, message)
    assert "expired on" in message and date_format(day, "j M Y") in message


def test_an_accreditation_valid_only_from_after_the_session_is_refused(workshop, first):
    day = day_of(first)
    trainee_tutor = tutor(workshop, accredited_for=[])
    Accreditation.objects.create(
        tutor=trainee_tutor,
        programme=workshop["programme"],
        accredited_on=day + timedelta(days=1),
        expires_on=day + timedelta(days=700),
    )
    message = errors.RULE_NOT_ACCREDITED.format(
        name=trainee_tutor.name, programme="Moving on Together", date=date_format(day)
    )

    assert_refused(workshop, first, trainee_tutor, LAY, Rule.ACCREDITATION, message)


def test_an_accreditation_running_exactly_from_and_to_the_session_day_is_enough(workshop, first):
    day = day_of(first)
    just = tutor(workshop, accredited_for=[])
    Accreditation.objects.create(
        tutor=just, programme=workshop["programme"], accredited_on=day, expires_on=day
    )

    assert_allowed(first, just, LAY)


# --- availability ---------------------------------------------------------------------------------


def weekly(tutor, weekday, start, end):
    WeeklyAvailability.objects.create(tutor=tutor, weekday=weekday, starts_at=start, ends_at=end)


def not_available_message(tutor):
    return errors.RULE_NOT_AVAILABLE.format(
        name=tutor.name, weekday="Tuesday", start="10:00", end="13:00"
    )


def test_a_tutor_not_available_on_that_weekday_is_refused(workshop, first):
    mondays = tutor(workshop, available=False)
    weekly(mondays, 0, time(8), time(22))

    assert_refused(workshop, first, mondays, LAY, Rule.AVAILABILITY, not_available_message(mondays))


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(10, 30), time(17)), (time(8), time(12, 30))],
    ids=["starts-too-late", "ends-too-early"],
)
def test_a_slot_too_short_at_either_end_is_refused(workshop, first, start, end):
    short = tutor(workshop, available=False)
    weekly(short, 1, start, end)

    assert_refused(workshop, first, short, LAY, Rule.AVAILABILITY, not_available_message(short))


def test_two_slots_with_a_gap_inside_the_session_are_refused(workshop, first):
    gappy = tutor(workshop, available=False)
    weekly(gappy, 1, time(9), time(11, 30))
    weekly(gappy, 1, time(12), time(14))

    assert_refused(workshop, first, gappy, LAY, Rule.AVAILABILITY, not_available_message(gappy))


def test_a_slot_exactly_the_length_of_the_session_is_enough(workshop, first):
    exact = tutor(workshop, available=False)
    weekly(exact, 1, time(10), time(13))

    assert_allowed(first, exact, LAY)


def test_morning_and_afternoon_slots_that_meet_cover_a_session_across_noon(workshop, first):
    split = tutor(workshop, available=False)
    weekly(split, 1, time(12), time(17))
    weekly(split, 1, time(9), time(12))

    assert_allowed(first, split, LAY)


def test_a_tutor_away_on_the_session_date_is_refused(workshop, first):
    day = day_of(first)
    away = tutor(workshop)
    TimeAway.objects.create(
        tutor=away, first_day=day - timedelta(days=2), last_day=day + timedelta(days=3)
    )
    message = errors.RULE_AWAY.format(
        name=away.name,
        first_day=date_format(day - timedelta(days=2)),
        last_day=date_format(day + timedelta(days=3)),
    )

    assert_refused(workshop, first, away, LAY, Rule.AVAILABILITY, message)


def test_time_away_that_ends_the_day_before_does_not_count(workshop, first):
    day = day_of(first)
    back = tutor(workshop)
    TimeAway.objects.create(
        tutor=back, first_day=day - timedelta(days=7), last_day=day - timedelta(days=1)
    )

    assert_allowed(first, back, LAY)


# --- double-booking and travel ----------------------------------------------------------------------


def test_a_tutor_teaching_an_overlapping_session_in_another_run_is_refused(
    workshop, first, other_run
):
    busy = tutor(workshop)
    day = day_of(first)
    session_on(other_run, 1, day, start=(11, 0), minutes=60, lay_tutor=busy)
    message = errors.RULE_DOUBLE_BOOKED.format(
        name=busy.name,
        other="Autumn group, session 1",
        when=f"{date_format(day, 'l j F Y')}, 11:00 to 12:00",
    )

    assert_refused(workshop, first, busy, LAY, Rule.DOUBLE_BOOKING, message)


def test_sessions_twenty_minutes_apart_at_different_venues_leave_too_little_travel_time(
    workshop, first, other_run
):
    assert workshop["site"].travel_buffer_minutes == 30
    travelling = tutor(workshop)
    day = day_of(first)
    session_on(other_run, 1, day, start=(13, 20), minutes=60, lay_tutor=travelling)
    message = errors.RULE_TRAVEL_BUFFER.format(
        name=travelling.name,
        other="Autumn group, session 1",
        when=f"{date_format(day, 'l j F Y')}, 13:20 to 14:20",
        venue="Eastgate Health Centre",
        minutes=30,
    )

    assert_refused(workshop, first, travelling, LAY, Rule.DOUBLE_BOOKING, message)


def test_a_session_ending_twenty_minutes_before_at_another_venue_is_refused_too(
    workshop, first, other_run
):
    travelling = tutor(workshop)
    session_on(other_run, 1, day_of(first), start=(8, 40), minutes=60, lay_tutor=travelling)

    [refusal] = rule_refusals(first, travelling, LAY)

    assert refusal.rule == Rule.DOUBLE_BOOKING
    assert "less than 30 minutes to travel between venues" in refusal.message


def test_thirty_minutes_between_venues_is_enough(workshop, first, other_run):
    travelling = tutor(workshop)
    session_on(other_run, 1, day_of(first), start=(13, 30), minutes=60, lay_tutor=travelling)

    assert_allowed(first, travelling, LAY)


def test_the_sites_travel_buffer_is_configurable(workshop, first, other_run):
    workshop["site"].travel_buffer_minutes = 10
    workshop["site"].save()
    travelling = tutor(workshop)
    session_on(other_run, 1, day_of(first), start=(13, 20), minutes=60, lay_tutor=travelling)

    assert_allowed(first, travelling, LAY)


def test_back_to_back_sessions_at_the_same_venue_are_allowed(workshop, first):
    same_room = CourseRunFactory(
        site=workshop["site"], venue=workshop["venue"], programme=workshop["programme"]
    )
    busy = tutor(workshop)
    session_on(same_room, 1, day_of(first), start=(13, 0), minutes=60, lay_tutor=busy)
    session_on(same_room, 2, day_of(first), start=(8, 0), minutes=120, lay_tutor=busy)

    assert_allowed(first, busy, LAY)


# --- monthly cap ------------------------------------------------------------------------------------


@pytest.fixture
def month(workshop):
    """Four Tuesdays two months from now, and a session of the workshop run on the third."""
    tuesdays = tuesdays_of_month(2)
    return {"tuesdays": tuesdays, "session": session_on(workshop["run"], 4, tuesdays[2])}


def test_a_tutor_at_their_monthly_cap_is_refused(workshop, month, other_run):
    capped = tutor(workshop, monthly_cap=2)
    for number, day in enumerate(month["tuesdays"][:2], start=1):
        session_on(other_run, number, day, lay_tutor=capped)
    message = errors.RULE_MONTHLY_CAP.format(
        name=capped.name, count=2, month=date_format(month["tuesdays"][0], "F Y"), cap=2
    )

    assert_refused(workshop, month["session"], capped, LAY, Rule.MONTHLY_CAP, message)


def test_sessions_in_another_month_do_not_count_against_the_cap(workshop, month, other_run):
    capped = tutor(workshop, monthly_cap=2)
    next_month = tuesdays_of_month(3)
    for number, day in enumerate(next_month[:2], start=1):
        session_on(other_run, number, day, lay_tutor=capped)

    assert_allowed(month["session"], capped, LAY)


def test_the_session_being_checked_does_not_count_against_itself(workshop, month, other_run):
    capped = tutor(workshop, monthly_cap=2)
    session_on(other_run, 1, month["tuesdays"][0], lay_tutor=capped)
    scheduling.session_assign(session=month["session"], tutor_id=capped.pk, kind=LAY)
    scheduling.session_assign(
        session=month["session"], tutor_id=workshop["clinical"].pk, kind=CLINICAL
    )

    assert rule_refusals(month["session"], capped, LAY) == []
    assert problems_of(month["session"]) == []
    # ...but a third session that month is one too many.
    third = session_on(workshop["run"], 5, month["tuesdays"][3])
    [refusal] = rule_refusals(third, capped, LAY)
    assert refusal.rule == Rule.MONTHLY_CAP


def test_sessions_of_cancelled_runs_count_for_neither_double_booking_nor_the_cap(
    workshop, month, other_run
):
    capped = tutor(workshop, monthly_cap=1)
    session_on(other_run, 1, month["tuesdays"][0], lay_tutor=capped)
    session_on(other_run, 2, month["tuesdays"][2], start=(11, 0), lay_tutor=capped)
    assert {r.rule for r in rule_refusals(month["session"], capped, LAY)} == {
        Rule.DOUBLE_BOOKING,
        Rule.MONTHLY_CAP,
    }

    CourseRun.objects.filter(pk=other_run.pk).update(status=CourseRun.Status.CANCELLED)

    assert_allowed(month["session"], capped, LAY)


def test_every_broken_rule_is_listed_in_a_fixed_order(workshop, month, other_run, programmes):
    everything = tutor(
        workshop, accredited_for=[programmes["professional"]], monthly_cap=1, available=False
    )
    session_on(other_run, 1, month["tuesdays"][2], start=(12, 0), lay_tutor=everything)

    assert [r.rule for r in rule_refusals(month["session"], everything, LAY)] == [
        Rule.ACCREDITATION,
        Rule.AVAILABILITY,
        Rule.DOUBLE_BOOKING,
        Rule.MONTHLY_CAP,
    ]


# --- overrides ------------------------------------------------------------------------------------


@pytest.fixture
def unavailable(workshop):
    """An accredited lay tutor who is not available on Tuesdays."""
    person = tutor(workshop, available=False)
    weekly(person, 0, time(8), time(22))
    return person


def test_a_lead_overrides_availability_with_a_reason_which_is_recorded(
    workshop, first, unavailable, people
):
    scheduling.session_assign(
        session=first,
        tutor_id=unavailable.pk,
        kind=LAY,
        assigned_by=people["lead"],
        override_reason="  Swapped her Monday group for this one.  ",
    )

    first.refresh_from_db()
    assert first.lay_tutor_id == unavailable.pk
    [override] = AssignmentOverride.objects.all()
    assert (override.session, override.tutor, override.rule) == (first, unavailable, "availability")
    assert override.reason == "Swapped her Monday group for this one."
    assert override.decided_by == people["lead"]


def test_a_lead_overrides_the_monthly_cap_with_a_reason(workshop, month, other_run, people):
    capped = tutor(workshop, monthly_cap=1)
    session_on(other_run, 1, month["tuesdays"][0], lay_tutor=capped)

    scheduling.session_assign(
        session=month["session"],
        tutor_id=capped.pk,
        kind=LAY,
        assigned_by=people["lead"],
        override_reason="Only accredited tutor free that week.",
    )

    [override] = AssignmentOverride.objects.all()
    assert (override.tutor, override.rule, override.decided_by) == (
        capped,
        "monthly_cap",
        people["lead"],
    )


def test_one_override_row_per_rule_set_aside(workshop, month, other_run, people):
    both = tutor(workshop, monthly_cap=1, available=False)
    session_on(other_run, 1, month["tuesdays"][0], lay_tutor=both)

    scheduling.session_assign(
        session=month["session"],
        tutor_id=both.pk,
        kind=LAY,
        assigned_by=people["lead"],
        override_reason="Agreed with the tutor.",
    )

    assert sorted(AssignmentOverride.objects.values_list("rule", flat=True)) == [
        "availability",
        "monthly_cap",
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_without_a_reason_is_refused(workshop, first, unavailable, people, reason):
    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(
            session=first,
            tutor_id=unavailable.pk,
            kind=LAY,
            assigned_by=people["lead"],
            override_reason=reason,
        )

    assert refused.value.message == (
        f"{not_available_message(unavailable)} {errors.OVERRIDE_REASON_REQUIRED}"
    )
    assert refused.value.overridable
    first.refresh_from_db()
    assert first.lay_tutor_id is None
    assert not AssignmentOverride.objects.exists()


def never_overridable(workshop, first, other_run, programmes):
    """One tutor per rule a lead may never set aside, with the message that refuses them."""
    clinician = tutor(workshop, CLINICAL)
    unaccredited = tutor(workshop, accredited_for=[programmes["professional"]])
    double = tutor(workshop)
    session_on(other_run, 1, day_of(first), start=(9, 0), lay_tutor=double)
    resting = tutor(workshop, is_active=False)
    return {
        Rule.KIND: (clinician, rule_refusals(first, clinician, LAY)[0].message),
        Rule.ACCREDITATION: (unaccredited, rule_refusals(first, unaccredited, LAY)[0].message),
        Rule.DOUBLE_BOOKING: (double, rule_refusals(first, double, LAY)[0].message),
        Rule.INACTIVE: (resting, rule_refusals(first, resting, LAY)[0].message),
    }


@pytest.mark.parametrize(
    "rule", [Rule.KIND, Rule.ACCREDITATION, Rule.DOUBLE_BOOKING, Rule.INACTIVE]
)
def test_kind_accreditation_double_booking_and_inactive_are_never_overridden(
    workshop, first, other_run, programmes, people, rule
):
    person, message = never_overridable(workshop, first, other_run, programmes)[rule]

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(
            session=first,
            tutor_id=person.pk,
            kind=LAY,
            assigned_by=people["lead"],
            override_reason="We really need them.",
        )

    assert refused.value.message == f"{message} {errors.OVERRIDE_NOT_ALLOWED}"
    assert not refused.value.overridable
    first.refresh_from_db()
    assert first.lay_tutor_id is None
    assert not AssignmentOverride.objects.exists()


def test_an_overridable_rule_does_not_carry_a_blocking_one_through(
    workshop, first, programmes, people
):
    both = tutor(workshop, accredited_for=[programmes["professional"]], available=False)
    accreditation = rule_refusals(first, both, LAY)[0].message

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(
            session=first,
            tutor_id=both.pk,
            kind=LAY,
            assigned_by=people["lead"],
            override_reason="Please.",
        )

    assert refused.value.message == f"{accreditation} {errors.OVERRIDE_NOT_ALLOWED}"
    assert [r.rule for r in refused.value.refusals] == [Rule.ACCREDITATION, Rule.AVAILABILITY]
    assert not AssignmentOverride.objects.exists()


def test_a_session_with_an_overridden_assignment_is_ready_and_its_run_opens(
    workshop, unavailable, people
):
    first, *others = workshop["sessions"]
    scheduling.session_assign(
        session=first,
        tutor_id=unavailable.pk,
        kind=LAY,
        assigned_by=people["lead"],
        override_reason="Cover agreed.",
    )
    scheduling.session_assign(session=first, tutor_id=workshop["clinical"].pk, kind=CLINICAL)
    for session in others:
        for kind in (LAY, CLINICAL):
            scheduling.session_assign(session=session, tutor_id=workshop[kind].pk, kind=kind)

    assert problems_of(first) == []
    run = scheduling.run_open(run=workshop["run"])

    assert run.status == CourseRun.Status.OPEN


def test_an_override_for_one_tutor_does_not_excuse_another(workshop, first, unavailable, people):
    scheduling.session_assign(
        session=first,
        tutor_id=unavailable.pk,
        kind=LAY,
        assigned_by=people["lead"],
        override_reason="Cover agreed.",
    )
    other = tutor(workshop, CLINICAL, available=False)
    Session.objects.filter(pk=first.pk).update(clinical_tutor=other)

    assert problems_of(first) == [
        errors.RULE_NOT_AVAILABLE.format(
            name=other.name, weekday="Tuesday", start="10:00", end="13:00"
        )
    ]


# --- opening a run ------------------------------------------------------------------------------


def test_a_run_does_not_open_while_a_session_is_not_ready_and_says_why(workshop, unavailable):
    first, second, third = workshop["sessions"]
    for session in (first, second, third):
        scheduling.session_assign(session=session, tutor_id=workshop["lay"].pk, kind=LAY)
    scheduling.session_assign(session=third, tutor_id=workshop["clinical"].pk, kind=CLINICAL)
    Session.objects.filter(pk=first.pk).update(lay_tutor=unavailable)

    with pytest.raises(SchedulingError) as refused:
        scheduling.run_open(run=workshop["run"])

    unavailable_message = not_available_message(unavailable)
    assert refused.value.message == errors.RUN_NOT_READY.format(
        problems=f"Session 1: {unavailable_message} No clinical tutor assigned. "
        "Session 2: No clinical tutor assigned."
    )
    workshop["run"].refresh_from_db()
    assert workshop["run"].status == CourseRun.Status.PLANNING
    assert workshop["run"].opened_at is None


def test_a_run_with_every_session_ready_opens_once(workshop):
    for session in workshop["sessions"]:
        for kind in (LAY, CLINICAL):
            scheduling.session_assign(session=session, tutor_id=workshop[kind].pk, kind=kind)

    run = scheduling.run_open(run=workshop["run"])

    assert run.status == CourseRun.Status.OPEN
    assert run.opened_at is not None
    with pytest.raises(SchedulingError) as refused:
        scheduling.run_open(run=workshop["run"])
    assert refused.value.message == errors.RUN_ALREADY_OPEN


def test_a_run_whose_tutor_lost_their_accreditation_after_assignment_does_not_open(workshop):
    for session in workshop["sessions"]:
        for kind in (LAY, CLINICAL):
            scheduling.session_assign(session=session, tutor_id=workshop[kind].pk, kind=kind)
    last_day = day_of(workshop["sessions"][1]) - timedelta(days=1)
    Accreditation.objects.filter(tutor=workshop["clinical"]).update(expires_on=last_day)

    with pytest.raises(SchedulingError) as refused:
        scheduling.run_open(run=workshop["run"])

    assert "Session 1:" not in refused.value.message
    for number in (2, 3):
        session = workshop["sessions"][number - 1]
        assert (
            f"Session {number}: "
            + errors.RULE_ACCREDITATION_EXPIRED.format(
                name=workshop["clinical"].name,
                programme="Moving on Together",
                expired=date_format(last_day),
                date=date_format(day_of(session)),
            )
            in refused.value.message
        )


def test_a_cancelled_run_does_not_open(workshop):
    CourseRun.objects.filter(pk=workshop["run"].pk).update(status=CourseRun.Status.CANCELLED)

    with pytest.raises(SchedulingError) as refused:
        scheduling.run_open(run=workshop["run"])

    assert refused.value.message == errors.RUN_CANCELLED


def test_a_run_without_sessions_does_not_open(workshop):
    empty = CourseRunFactory(
        site=workshop["site"], venue=workshop["venue"], programme=workshop["programme"]
    )

    with pytest.raises(SchedulingError) as refused:
        scheduling.run_open(run=empty)

    assert refused.value.message == errors.RUN_NOT_READY.format(problems="it has no sessions.")


# --- London time ----------------------------------------------------------------------------------


def test_availability_is_read_in_london_time_either_side_of_the_spring_clock_change(workshop):
    change = next_spring_clock_change()
    before = session_on(workshop["run"], 4, change - timedelta(days=5))  # Tuesday, GMT
    after = session_on(workshop["run"], 5, change + timedelta(days=2))  # Tuesday, BST
    tuesday_mornings = tutor(workshop, available=False)
    weekly(tuesday_mornings, 1, time(10), time(13))

    assert before.starts_at.utcoffset() == timedelta(0)
    assert after.starts_at.utcoffset() == timedelta(hours=1)
    assert rule_refusals(before, tuesday_mornings, LAY) == []
    assert rule_refusals(after, tuesday_mornings, LAY) == []


def test_the_month_of_a_session_is_its_london_month(workshop, other_run):
    """00:30 on 1 April in London is still 31 March in UTC: it counts in April."""
    change = next_spring_clock_change()
    april_first = change.replace(day=1, month=4)
    capped = tutor(workshop, monthly_cap=1)
    early = session_on(other_run, 1, april_first, start=(0, 30), minutes=60, lay_tutor=capped)
    assert early.starts_at.astimezone(UTC).day == 31

    march = session_on(workshop["run"], 4, april_first - timedelta(days=1))
    april = session_on(workshop["run"], 5, april_first + timedelta(days=1))

    assert rule_refusals(march, capped, LAY) == []
    assert rule_refusals(april, capped, LAY) == [
        Refusal(
            Rule.MONTHLY_CAP,
            errors.RULE_MONTHLY_CAP.format(
                name=capped.name, count=1, month=date_format(april_first, "F Y"), cap=1
            ),
            capped.pk,
        )
    ]


# --- query counts ---------------------------------------------------------------------------------


def paired_sessions(workshop, other_run, count):
    """`count` sessions, each with its own pair of tutors (with time away and another session)."""
    sessions = []
    for number in range(1, count + 1):
        day = timezone.localdate() + timedelta(days=7 + number)
        pair = {kind: tutor(workshop, kind) for kind in (LAY, CLINICAL)}
        for person in pair.values():
            TimeAway.objects.create(
                tutor=person, first_day=day + timedelta(days=1), last_day=day + timedelta(days=2)
            )
        session_on(other_run, number, day, start=(18, 0), minutes=60, lay_tutor=pair[LAY])
        sessions.append(
            SessionFactory(
                run=workshop["run"],
                number=10 + number,
                starts_at=local(day, 10),
                ends_at=local(day, 13),
                lay_tutor=pair[LAY],
                clinical_tutor=pair[CLINICAL],
            )
        )
    return sessions


@pytest.mark.parametrize("count", [2, 20])
def test_readiness_takes_six_queries_however_many_sessions_and_tutors(
    workshop, other_run, django_assert_num_queries, count
):
    sessions = [loaded(s) for s in paired_sessions(workshop, other_run, count)]

    with django_assert_num_queries(6):
        states = readiness.readiness_of(sessions)

    assert len(states) == count
    assert all(r.ready for r in states)


@pytest.mark.parametrize("count", [2, 20])
def test_loading_tutors_takes_five_queries_however_many(
    workshop, other_run, django_assert_num_queries, count
):
    sessions = paired_sessions(workshop, other_run, count)
    ids = [s.lay_tutor_id for s in sessions] + [s.clinical_tutor_id for s in sessions]
    today = timezone.localdate()

    with django_assert_num_queries(5):
        tutors = readiness.load_tutors(ids, first=today, last=today + timedelta(days=40))

    assert len(tutors) == 2 * count
    assert all(len(tutors[s.lay_tutor_id].busy) == 2 for s in sessions)
    assert all(tutors[s.clinical_tutor_id].away for s in sessions)


def test_a_person_is_named_in_full_in_every_message(workshop, first):
    named = tutor(
        workshop, user=UserFactory(first_name="Ruth", last_name="Baxter"), is_active=False
    )

    [refusal] = rule_refusals(first, named, LAY)

    assert refusal.message == "Tutor pool: Ruth Baxter is not teaching at the moment."


def test_an_override_ends_when_its_tutor_leaves_the_place(workshop, people):
    from courses.models import AssignmentOverride
    from courses.workshops.readiness import readiness_of, sessions_for_rules

    session = workshop["sessions"][0]
    away = TutorFactory(
        site=workshop["site"], kind=LAY, available=False, accredited_for=[workshop["programme"]]
    )
    scheduling.session_assign(
        session=session, tutor_id=away.pk, kind=LAY, override_reason="Agreed by phone."
    )
    scheduling.session_unassign(session=session, kind=LAY)
    # Put back directly, as a lead would by mistake: the old override no longer excuses them.
    Session.objects.filter(pk=session.pk).update(
        lay_tutor=away, clinical_tutor=workshop["clinical"]
    )

    (readiness,) = readiness_of(list(sessions_for_rules().filter(pk=session.pk)))

    assert AssignmentOverride.objects.get().ended_at is not None
    assert len(readiness.problems) == 1
    assert readiness.problems[0].startswith("Availability:")
