"""The scheduling services: creating a run and its weekly sessions, assigning tutors, a tutor
withdrawing and a lead finding cover. Bad input is refused with a clear message and changes
nothing; emails go out only once the change is saved."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from cms.curricula.vocabulary import ModuleFormat
from cms.models import ModulePage, ProgrammePage
from courses import errors
from courses.models import (
    AssignmentOverride,
    ClosedDay,
    CourseRun,
    Nation,
    Session,
    TutorKind,
    TutorWithdrawal,
)
from courses.sites.closed_days import public_holidays
from courses.workshops import scheduling
from courses.workshops.scheduling import SchedulingError
from tests.courses.workshops.scheduling_builders import next_spring_clock_change, session_on
from tests.factories import SessionFactory, TutorFactory, VenueFactory

# Dates and times of day matter here: make test-clock runs this module at awkward instants.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

LAY, CLINICAL = TutorKind.LAY, TutorKind.CLINICAL
REMINDERS_MESSAGE = "Give whole numbers of days from 1 to 60, separated by commas, e.g. 7,1."


def weekday_on_or_after(day, weekday):
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def open_public_holidays(site, *, years):
    """The site works on every public holiday of `years`: tests whose dates follow the clock
    then never meet one (the holiday rule has its own tests, at fixed dates)."""
    first, last = date(years[0], 1, 1), date(years[-1], 12, 31)
    ClosedDay.objects.bulk_create(
        ClosedDay(site=site, date=day, kind=ClosedDay.Kind.OPEN)
        for day in public_holidays(nation=site.nation, first=first, last=last)
    )


@pytest.fixture
def plan(workshop):
    """What a lead fills in to create a seven-week Tuesday morning run, starting on a Thursday
    two weeks from now, at a site open on public holidays."""
    thursday = weekday_on_or_after(timezone.localdate() + timedelta(days=14), 3)
    open_public_holidays(workshop["site"], years=[thursday.year, thursday.year + 1])
    return {
        "site": workshop["site"],
        "programme_id": workshop["programme"].pk,
        "venue_id": workshop["venue"].pk,
        "title": "Summer group",
        "first_date": thursday,
        "weekday": 1,
        "start_time": time(10, 0),
        "session_minutes": 180,
        "session_count": 7,
        "capacity": 12,
        "minimum_group": 8,
        "completion_sessions": 5,
        "reminder_days": "7,1",
        "closed_dates": [],
    }


def local_days(run):
    return [timezone.localtime(s.starts_at).date() for s in run.sessions.order_by("number")]


# --- creating a run ---------------------------------------------------------------------------------


def test_a_run_gets_weekly_sessions_from_the_first_such_weekday_on_or_after_the_start(plan):
    run = scheduling.run_create(**plan)

    first_tuesday = plan["first_date"] + timedelta(days=5)
    assert local_days(run) == [first_tuesday + timedelta(weeks=week) for week in range(7)]
    assert run.status == CourseRun.Status.PLANNING
    assert (run.title, run.capacity, run.completion_sessions, run.reminder_day_list) == (
        "Summer group",
        12,
        5,
        [7, 1],
    )
    for session in run.sessions.all():
        assert timezone.localtime(session.starts_at).time() == time(10, 0)
        assert timezone.localtime(session.ends_at).time() == time(13, 0)
        assert session.venue_id == plan["venue_id"]
        assert session.lay_tutor_id is None and session.clinical_tutor_id is None
    assert list(run.sessions.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]


def test_a_start_date_on_the_weekday_itself_is_the_first_session(plan):
    tuesday = plan["first_date"] + timedelta(days=5)

    run = scheduling.run_create(**{**plan, "first_date": tuesday})

    assert local_days(run)[0] == tuesday


def test_closed_days_of_the_site_and_dates_marked_closed_are_skipped(plan, workshop, hillside):
    tuesdays = [plan["first_date"] + timedelta(days=5, weeks=week) for week in range(9)]
    ClosedDay.objects.create(site=workshop["site"], date=tuesdays[2], reason="Bank holiday")
    ClosedDay.objects.create(site=hillside, date=tuesdays[1], reason="Not ours")

    run = scheduling.run_create(**{**plan, "closed_dates": [tuesdays[4]]})

    assert local_days(run) == [tuesdays[n] for n in (0, 1, 3, 5, 6, 7, 8)]
    # The date the lead marked is kept as one of the site's closed days.
    assert ClosedDay.objects.filter(site=workshop["site"], date=tuesdays[4]).exists()


# --- public holidays and the dates a run skips (Easter 2027: Friday 26 to Monday 29 March) ------


@pytest.fixture
def before_easter(frozen_clock, workshop):
    """The clock on Friday 15 January 2027, whatever instant the suite runs at, and a plan for a
    Monday run from 1 March 2027 at the workshop's site (England and Wales)."""
    frozen_clock.move_to(datetime(2027, 1, 15, 10, 30, tzinfo=UTC))
    return {
        "site": workshop["site"],
        "programme_id": workshop["programme"].pk,
        "venue_id": workshop["venue"].pk,
        "title": "Spring group",
        "first_date": date(2027, 3, 1),
        "weekday": 0,
        "start_time": time(10, 0),
        "session_minutes": 180,
        "session_count": 7,
        "capacity": 12,
    }


MONDAYS_FROM_1_MARCH_2027 = [date(2027, 3, 1) + timedelta(weeks=week) for week in range(9)]


def test_a_run_across_easter_skips_easter_monday_and_says_why(before_easter):
    run = scheduling.run_create(**before_easter)

    assert date(2027, 3, 29) not in local_days(run)
    assert local_days(run) == [MONDAYS_FROM_1_MARCH_2027[n] for n in (0, 1, 2, 3, 5, 6, 7)]
    assert [closure.skipped for closure in run.skipped_days] == [
        "Skipped Monday 29 March 2027: Easter Monday (public holiday)"
    ]


def test_a_friday_run_across_easter_skips_good_friday(before_easter):
    run = scheduling.run_create(**{**before_easter, "weekday": 4, "session_count": 5})

    assert local_days(run) == [
        date(2027, 3, 5),
        date(2027, 3, 12),
        date(2027, 3, 19),
        date(2027, 4, 2),
        date(2027, 4, 9),
    ]
    assert [closure.skipped for closure in run.skipped_days] == [
        "Skipped Friday 26 March 2027: Good Friday (public holiday)"
    ]


def test_a_site_in_scotland_runs_on_easter_monday(before_easter):
    site = before_easter["site"]
    site.nation = Nation.SCOTLAND
    site.save(update_fields=["nation"])

    run = scheduling.run_create(**before_easter)

    assert local_days(run) == MONDAYS_FROM_1_MARCH_2027[:7]
    assert run.skipped_days == []


def test_a_public_holiday_the_site_opened_gets_its_session(before_easter):
    ClosedDay.objects.create(
        site=before_easter["site"], date=date(2027, 3, 29), kind=ClosedDay.Kind.OPEN
    )

    run = scheduling.run_create(**before_easter)

    assert date(2027, 3, 29) in local_days(run)
    assert run.skipped_days == []


def test_the_sites_own_closed_days_and_the_leads_dates_are_skipped_with_their_reasons(
    before_easter,
):
    ClosedDay.objects.create(site=before_easter["site"], date=date(2027, 3, 8), reason="Flooding")

    run = scheduling.run_create(**{**before_easter, "closed_dates": [date(2027, 3, 15)]})

    assert local_days(run)[:2] == [date(2027, 3, 1), date(2027, 3, 22)]
    assert [closure.skipped for closure in run.skipped_days] == [
        "Skipped Monday 8 March 2027: closed by the site (Flooding)",
        "Skipped Monday 15 March 2027: closed by the site (Chosen when planning a run)",
        "Skipped Monday 29 March 2027: Easter Monday (public holiday)",
        # Pushed three weeks later, the run meets the May Day bank holiday too.
        "Skipped Monday 3 May 2027: May Day (public holiday)",
    ]


def test_a_lead_closing_an_opened_holiday_closes_it_again(before_easter):
    opened = ClosedDay.objects.create(
        site=before_easter["site"], date=date(2027, 3, 29), kind=ClosedDay.Kind.OPEN
    )

    run = scheduling.run_create(**{**before_easter, "closed_dates": [date(2027, 3, 29)]})

    assert date(2027, 3, 29) not in local_days(run)
    opened.refresh_from_db()
    assert opened.kind == ClosedDay.Kind.CLOSED


def test_the_site_closed_days_cost_one_query_however_many_there_are(
    before_easter, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        scheduling.run_dates(
            site=before_easter["site"], first_date=date(2027, 3, 1), weekday=0, count=7
        )
    for week in range(30):
        ClosedDay.objects.create(
            site=before_easter["site"], date=date(2027, 3, 2) + timedelta(weeks=week)
        )

    with django_assert_num_queries(len(few.captured_queries)):
        scheduling.run_dates(
            site=before_easter["site"], first_date=date(2027, 3, 1), weekday=0, count=7
        )
    assert len(few.captured_queries) == 1


def course_module(programme, title, *, format=ModuleFormat.COURSE, live=True):
    return programme.add_child(
        instance=ModulePage(
            title=title,
            slug=title.lower().replace(" ", "-"),
            theme="communication",
            summary=title,
            format=format,
            live=live,
        )
    )


def test_session_n_teaches_the_nth_published_course_module(plan, workshop):
    programme = workshop["programme"]
    first = course_module(programme, "Getting started")
    course_module(programme, "Preparing online", format=ModuleFormat.ELEARNING)
    second = course_module(programme, "Agenda setting")
    course_module(programme, "Not ready yet", live=False)
    third = course_module(programme, "Goal setting")

    run = scheduling.run_create(**{**plan, "session_count": 5, "completion_sessions": 3})

    modules = [s.module_id for s in run.sessions.order_by("number")]
    assert modules == [first.pk, second.pk, third.pk, None, None]


def test_a_run_of_the_small_curriculum_starts_with_its_module(small_curriculum, riverside):
    programme = ProgrammePage.objects.get(title="Moving on Together")
    venue = VenueFactory(site=riverside)

    run = scheduling.run_create(
        site=riverside,
        programme_id=programme.pk,
        venue_id=venue.pk,
        title="Small group",
        first_date=timezone.localdate() + timedelta(days=7),
        weekday=2,
        start_time=time(14, 0),
        session_minutes=30,
        session_count=2,
        capacity=10,
        completion_sessions=1,
    )

    first, second = run.sessions.order_by("number")
    assert first.module.title == "Getting started"
    assert second.module is None


def test_sessions_keep_their_london_time_across_the_spring_clock_change(plan):
    change = next_spring_clock_change()

    run = scheduling.run_create(
        **{
            **plan,
            "first_date": change - timedelta(days=12),
            "session_count": 3,
            "completion_sessions": 3,
        }
    )

    sessions = list(run.sessions.order_by("number"))
    assert [timezone.localtime(s.starts_at).time() for s in sessions] == [time(10, 0)] * 3
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [10, 10, 9]
    assert all(s.ends_at - s.starts_at == timedelta(hours=3) for s in sessions)


def test_a_session_across_the_clock_change_lasts_as_long_as_asked(plan):
    """Clocks go forward at 01:00 on the change day: two hours from 00:30 end at 03:30."""
    change = next_spring_clock_change()

    run = scheduling.run_create(
        **{
            **plan,
            "first_date": change,
            "weekday": 6,
            "start_time": time(0, 30),
            "session_minutes": 120,
            "session_count": 1,
            "completion_sessions": 1,
        }
    )

    session = run.sessions.get()
    assert session.ends_at.astimezone(UTC) - session.starts_at.astimezone(UTC) == timedelta(hours=2)
    assert timezone.localtime(session.ends_at).time() == time(3, 30)


def counts():
    return (
        CourseRun.objects.count(),
        Session.objects.count(),
        ClosedDay.objects.count(),
    )


def yesterday():
    return timezone.localdate() - timedelta(days=1)


BAD_RUNS = {
    "ends-as-it-starts": (lambda c: {"session_minutes": 0}, errors.ENDS_BEFORE_STARTS),
    "ends-before-it-starts": (lambda c: {"session_minutes": -30}, errors.ENDS_BEFORE_STARTS),
    "capacity-0": (lambda c: {"capacity": 0}, errors.CAPACITY_TOO_SMALL),
    "capacity-negative": (lambda c: {"capacity": -3}, errors.CAPACITY_TOO_SMALL),
    "capacity-above-the-venue": (
        lambda c: {"capacity": 21},
        errors.VENUE_TOO_SMALL.format(venue="Riverside Library", venue_capacity=20, capacity=21),
    ),
    "capacity-below-the-smallest-group": (
        lambda c: {"capacity": 6, "minimum_group": 8},
        "The capacity must be at least the smallest group.",
    ),
    "start-date-in-the-past": (lambda c: {"first_date": yesterday()}, errors.DATE_IN_PAST),
    "first-session-earlier-today": (
        lambda c: {
            "first_date": timezone.localdate(),
            "weekday": timezone.localdate().weekday(),
            "start_time": time(0, 0),
        },
        errors.DATE_IN_PAST,
    ),
    "unknown-programme": (lambda c: {"programme_id": 987654}, errors.UNKNOWN_PROGRAMME),
    "a-page-that-is-not-a-programme": (
        lambda c: {"programme_id": c["home_page"].pk},
        errors.UNKNOWN_PROGRAMME,
    ),
    "venue-of-another-site": (
        lambda c: {"venue_id": VenueFactory(site=c["hillside"]).pk},
        errors.UNKNOWN_VENUE,
    ),
    "venue-no-longer-used": (
        lambda c: {"venue_id": VenueFactory(site=c["riverside"], is_active=False).pk},
        errors.UNKNOWN_VENUE,
    ),
    "completion-needs-more-sessions-than-there-are": (
        lambda c: {"completion_sessions": 8},
        errors.COMPLETION_OVER_COUNT.format(needed=8, count=7),
    ),
    "reminder-days-not-numbers": (lambda c: {"reminder_days": "7,soon"}, REMINDERS_MESSAGE),
    "reminder-day-0": (lambda c: {"reminder_days": "0"}, REMINDERS_MESSAGE),
    "reminder-day-too-far": (lambda c: {"reminder_days": "61,1"}, REMINDERS_MESSAGE),
    "reminder-day-negative": (lambda c: {"reminder_days": "-1"}, REMINDERS_MESSAGE),
    "no-such-weekday": (lambda c: {"weekday": 7}, errors.WEEKDAY_UNKNOWN),
    "no-sessions": (lambda c: {"session_count": 0}, errors.SESSION_COUNT_RANGE),
    "too-many-sessions": (lambda c: {"session_count": 21}, errors.SESSION_COUNT_RANGE),
    "no-title": (lambda c: {"title": "   "}, "This field cannot be blank."),
}


@pytest.mark.parametrize("case", BAD_RUNS)
def test_bad_input_gives_a_clear_error_and_changes_nothing(
    case, plan, workshop, hillside, home_page
):
    change, message = BAD_RUNS[case]
    bad = {
        **plan,
        "closed_dates": [plan["first_date"] + timedelta(days=12)],
        **change({"hillside": hillside, "riverside": workshop["site"], "home_page": home_page}),
    }
    before = counts()

    with pytest.raises(SchedulingError) as refused:
        scheduling.run_create(**bad)

    assert refused.value.message == message
    assert counts() == before


# --- assigning tutors -----------------------------------------------------------------------------


@pytest.fixture
def first(workshop):
    return workshop["sessions"][0]


def assignments():
    return (
        list(Session.objects.order_by("pk").values_list("lay_tutor_id", "clinical_tutor_id")),
        AssignmentOverride.objects.count(),
    )


def test_assigning_the_lay_and_clinical_tutor(workshop, first):
    scheduling.session_assign(session=first, tutor_id=workshop["lay"].pk, kind=LAY)
    scheduling.session_assign(session=first, tutor_id=workshop["clinical"].pk, kind=CLINICAL)

    first.refresh_from_db()
    assert (first.lay_tutor, first.clinical_tutor) == (workshop["lay"], workshop["clinical"])
    assert first.has_pair


def test_an_unknown_tutor_is_refused(workshop, first):
    before = assignments()

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=first, tutor_id=987654, kind=LAY)

    assert refused.value.message == errors.UNKNOWN_TUTOR
    assert assignments() == before


def test_a_tutor_from_another_sites_pool_is_refused(workshop, first, hillside):
    elsewhere = TutorFactory(site=hillside, kind=LAY, accredited_for=[workshop["programme"]])
    before = assignments()

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=first, tutor_id=elsewhere.pk, kind=LAY)

    assert refused.value.message == errors.UNKNOWN_TUTOR
    assert assignments() == before


def test_a_tutor_of_the_wrong_kind_is_refused(workshop, first):
    before = assignments()
    clinician = workshop["clinical"]

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=first, tutor_id=clinician.pk, kind=LAY)

    assert refused.value.message == errors.RULE_WRONG_KIND.format(
        name=clinician.name, kind="clinical tutor", slot="lay tutor"
    )
    assert assignments() == before


def test_a_place_that_is_neither_lay_nor_clinical_is_refused(workshop, first):
    before = assignments()

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=first, tutor_id=workshop["lay"].pk, kind="either")

    assert refused.value.message == errors.UNKNOWN_SLOT
    with pytest.raises(SchedulingError):
        scheduling.session_unassign(session=first, kind="either")
    assert assignments() == before


def test_a_session_that_has_taken_place_cannot_be_changed(workshop):
    started = timezone.now() - timedelta(hours=4)
    past = SessionFactory(
        run=workshop["run"], number=9, starts_at=started, ends_at=started + timedelta(hours=3)
    )
    before = assignments()

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=past, tutor_id=workshop["lay"].pk, kind=LAY)

    assert refused.value.message == errors.SESSION_PAST
    assert assignments() == before


def test_a_session_of_a_cancelled_run_cannot_be_changed(workshop, first):
    CourseRun.objects.filter(pk=workshop["run"].pk).update(status=CourseRun.Status.CANCELLED)
    before = assignments()

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=first, tutor_id=workshop["lay"].pk, kind=LAY)

    assert refused.value.message == errors.RUN_CANCELLED
    assert assignments() == before


def test_filling_a_taken_place_is_refused_naming_who_holds_it(workshop, first):
    holder = workshop["lay"]
    scheduling.session_assign(session=first, tutor_id=holder.pk, kind=LAY)
    newcomer = TutorFactory(site=workshop["site"], kind=LAY, accredited_for=[workshop["programme"]])
    before = assignments()

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=first, tutor_id=newcomer.pk, kind=LAY)

    assert refused.value.message == errors.SLOT_TAKEN.format(slot="lay tutor", name=holder.name)
    assert assignments() == before
    # Assigning the holder again changes nothing; replacing on purpose works.
    scheduling.session_assign(session=first, tutor_id=holder.pk, kind=LAY)
    scheduling.session_assign(session=first, tutor_id=newcomer.pk, kind=LAY, replace=True)
    first.refresh_from_db()
    assert first.lay_tutor == newcomer


def test_unassigning_empties_the_place(workshop, first):
    scheduling.session_assign(session=first, tutor_id=workshop["lay"].pk, kind=LAY)

    scheduling.session_unassign(session=first, kind=LAY)

    first.refresh_from_db()
    assert first.lay_tutor is None


# --- withdrawal and cover ---------------------------------------------------------------------------


@pytest.fixture
def paired(workshop, first, people):
    """Session 1 with its lay and clinical tutor; Riverside's lead (and Hillside's) exist."""
    for kind in (LAY, CLINICAL):
        scheduling.session_assign(session=first, tutor_id=workshop[kind].pk, kind=kind)
    first.refresh_from_db()
    return first


def when(session):
    start = timezone.localtime(session.starts_at)
    return f"{date_format(start, 'l j F Y')} at 10:00 (Riverside Library)"


def test_a_tutor_withdraws_the_place_empties_and_everyone_is_told_once_saved(
    workshop, paired, people, django_capture_on_commit_callbacks
):
    lay, clinical = workshop["lay"], workshop["clinical"]

    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = scheduling.tutor_withdraw(
            session=paired, tutor=lay, reason="Hospital appointment", recorded_by=people["lead"]
        )
        assert mail.outbox == []

    paired.refresh_from_db()
    assert paired.lay_tutor is None
    assert paired.clinical_tutor == clinical
    assert (withdrawal.session, withdrawal.tutor, withdrawal.reason, withdrawal.recorded_by) == (
        paired,
        lay,
        "Hospital appointment",
        people["lead"],
    )
    assert withdrawal.covered_by is None
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_recipient) == sorted(
        [lay.user.email, clinical.user.email, people["lead"].email]
    )
    assert all(len(message.to) == 1 for message in mail.outbox)
    cover_link = f"http://testserver/sites/riverside/sessions/{paired.pk}/cover/"
    for address in (clinical.user.email, people["lead"].email):
        told = by_recipient[address]
        assert told.subject.endswith(f"{lay.name} has withdrawn from Spring group, session 1")
        assert f"{lay.name} has withdrawn from Spring group, session 1" in told.body
        assert when(paired) in told.body
        assert "Reason given: Hospital appointment" in told.body
        assert f"{clinical.name} is still teaching this session." in told.body
        assert "needs a new lay tutor" in told.body
        assert cover_link in told.body
    own = by_recipient[lay.user.email]
    assert own.subject.endswith("You have withdrawn from Spring group, session 1")
    assert when(paired) in own.body
    assert cover_link not in own.body
    assert "http://testserver/teach/" in own.body


def test_nothing_is_sent_when_the_withdrawal_is_not_saved(workshop, paired, people):
    # Outside a committed transaction (pytest-django rolls the test back), on_commit never fires.
    scheduling.tutor_withdraw(session=paired, tutor=workshop["lay"])

    assert mail.outbox == []


def test_withdrawing_a_tutor_who_is_not_on_the_session_is_refused(
    workshop, paired, django_capture_on_commit_callbacks
):
    stranger = TutorFactory(site=workshop["site"], kind=LAY)
    before = assignments()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SchedulingError) as e:
        scheduling.tutor_withdraw(session=paired, tutor=stranger)

    assert e.value.message == errors.NOT_ASSIGNED.format(name=stranger.name)
    assert assignments() == before
    assert not TutorWithdrawal.objects.exists()
    assert mail.outbox == []


def test_withdrawing_from_a_session_that_has_taken_place_is_refused(workshop):
    started = timezone.now() - timedelta(hours=4)
    past = SessionFactory(
        run=workshop["run"],
        number=9,
        starts_at=started,
        ends_at=started + timedelta(hours=3),
        lay_tutor=workshop["lay"],
    )

    with pytest.raises(SchedulingError) as refused:
        scheduling.tutor_withdraw(session=past, tutor=workshop["lay"])

    assert refused.value.message == errors.SESSION_PAST
    assert not TutorWithdrawal.objects.exists()


@pytest.fixture
def cover(workshop):
    return TutorFactory(site=workshop["site"], kind=LAY, accredited_for=[workshop["programme"]])


def test_cover_fills_the_place_marks_the_withdrawal_and_tells_everyone(
    workshop, paired, people, cover, django_capture_on_commit_callbacks
):
    lay, clinical = workshop["lay"], workshop["clinical"]
    withdrawal = scheduling.tutor_withdraw(session=paired, tutor=lay)

    with django_capture_on_commit_callbacks(execute=True):
        scheduling.session_cover(session=paired, tutor_id=cover.pk, assigned_by=people["lead"])

    paired.refresh_from_db()
    withdrawal.refresh_from_db()
    assert paired.lay_tutor == cover
    assert withdrawal.covered_by == cover
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [cover.user.email, clinical.user.email, people["lead"].email]
    )
    for message in mail.outbox:
        assert message.subject.endswith(f"{cover.name} is covering Spring group, session 1")
        assert f"{cover.name} is now the lay tutor for Spring group, session 1" in message.body
        assert f"in place of {lay.name}" in message.body
        assert when(paired) in message.body
        assert f"Tutors: {cover.name} and {clinical.name}." in message.body
        assert f"http://testserver/teach/sessions/{paired.pk}/plan/" in message.body


def test_cover_that_breaks_a_rule_is_refused_and_the_place_stays_open(
    workshop, paired, programmes, django_capture_on_commit_callbacks
):
    scheduling.tutor_withdraw(session=paired, tutor=workshop["lay"])
    unaccredited = TutorFactory(
        site=workshop["site"], kind=LAY, accredited_for=[programmes["professional"]]
    )
    before = assignments()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SchedulingError) as e:
        scheduling.session_cover(session=paired, tutor_id=unaccredited.pk)

    assert e.value.message.startswith("Accreditation: ")
    assert unaccredited.name in e.value.message
    assert assignments() == before
    assert TutorWithdrawal.objects.get().covered_by is None
    assert mail.outbox == []


def test_cover_by_an_unknown_tutor_is_refused(workshop, paired):
    scheduling.tutor_withdraw(session=paired, tutor=workshop["lay"])

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_cover(session=paired, tutor_id=987654)

    assert refused.value.message == errors.UNKNOWN_TUTOR


def test_with_both_tutors_withdrawn_cover_marks_only_the_place_it_fills(workshop, paired, cover):
    scheduling.tutor_withdraw(session=paired, tutor=workshop["lay"])
    scheduling.tutor_withdraw(session=paired, tutor=workshop["clinical"])

    scheduling.session_cover(session=paired, tutor_id=cover.pk)

    covered = dict(TutorWithdrawal.objects.values_list("tutor__kind", "covered_by"))
    assert covered == {LAY: cover.pk, CLINICAL: None}


def test_cover_for_a_place_emptied_twice_marks_the_latest_withdrawal(workshop, paired, cover):
    first_withdrawal = scheduling.tutor_withdraw(session=paired, tutor=workshop["lay"])
    first_withdrawal.covered_by = workshop["lay"]  # they came back
    first_withdrawal.save()
    scheduling.session_assign(session=paired, tutor_id=workshop["lay"].pk, kind=LAY)
    second = scheduling.tutor_withdraw(session=paired, tutor=workshop["lay"])

    scheduling.session_cover(session=paired, tutor_id=cover.pk)

    second.refresh_from_db()
    assert second.covered_by == cover


def test_a_run_created_then_paired_opens(plan, workshop):
    run = scheduling.run_create(**{**plan, "session_count": 2, "completion_sessions": 1})
    for session in run.sessions.all():
        for kind in (LAY, CLINICAL):
            scheduling.session_assign(session=session, tutor_id=workshop[kind].pk, kind=kind)

    assert scheduling.run_open(run=run).status == CourseRun.Status.OPEN


def test_a_tutor_busy_at_that_time_elsewhere_is_refused_for_a_new_run(plan, workshop):
    run = scheduling.run_create(**{**plan, "session_count": 1, "completion_sessions": 1})
    new = run.sessions.get()
    other = VenueFactory(site=workshop["site"])
    elsewhere_run = workshop["run"]
    session_on(
        elsewhere_run,
        9,
        timezone.localtime(new.starts_at).date(),
        start=(12, 0),
        venue=other,
        lay_tutor=workshop["lay"],
    )

    with pytest.raises(SchedulingError) as refused:
        scheduling.session_assign(session=new, tutor_id=workshop["lay"].pk, kind=LAY)

    assert refused.value.message.startswith(f"Double-booking: {workshop['lay'].name}")
