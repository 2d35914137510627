"""Small helpers shared by the tests of the readiness rules, the scheduling services and cover."""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from courses.models import Session
from courses.workshops import readiness
from tests.factories import SessionFactory


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware London time."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def tuesdays_of_month(months_ahead: int) -> list[date]:
    """The first four Tuesdays of the month `months_ahead` months from now."""
    today = timezone.localdate()
    index = today.month - 1 + months_ahead
    first = date(today.year + index // 12, index % 12 + 1, 1)
    tuesday = first + timedelta(days=(1 - first.weekday()) % 7)
    return [tuesday + timedelta(weeks=week) for week in range(4)]


def next_spring_clock_change() -> date:
    """The next last Sunday of March (clocks go forward in London) at least two weeks away."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        last = date(year, 3, calendar.monthrange(year, 3)[1])
        sunday = last - timedelta(days=(last.weekday() - 6) % 7)
        if sunday > today + timedelta(days=14):
            return sunday
    raise AssertionError("unreachable")


def session_on(run, number, day, *, start=(10, 0), minutes=180, venue=None, **tutors) -> Session:
    """A session of `run` on `day` at `start` (London time)."""
    starts_at = local(day, *start)
    return SessionFactory(
        run=run,
        number=number,
        venue=venue or run.venue,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        **tutors,
    )


def loaded(session) -> Session:
    return readiness.sessions_for_rules().get(pk=session.pk)


def rule_refusals(session, tutor, kind) -> list[readiness.Refusal]:
    """What the rules say about `tutor` taking the `kind` place, straight from `refusals()`."""
    session = loaded(session)
    day = timezone.localtime(session.starts_at).date()
    snapshot = readiness.load_tutors([tutor.pk], first=day, last=day)[tutor.pk]
    return readiness.refusals(snapshot, readiness.snapshot_of(session), kind=kind)


def problems_of(session) -> list[str]:
    [state] = readiness.readiness_of([loaded(session)])
    return state.problems
