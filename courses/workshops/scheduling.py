"""Writes for workshops: course runs and their sessions, tutor assignment, opening for booking,
a tutor's withdrawal and its cover. The readiness rules themselves live in `readiness.py`; every
write here goes through them, in one transaction, and refuses with a `SchedulingError` whose
message names the rule and the person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cms.curricula.vocabulary import ModuleFormat
from cms.models import ModulePage, ProgrammePage
from courses import errors
from courses.errors import CoursesError
from courses.models import (
    AssignmentOverride,
    ClosedDay,
    CourseRun,
    Session,
    Site,
    Tutor,
    TutorKind,
    TutorWithdrawal,
    Venue,
)
from courses.reflections.administrations import administrations_ensure_for_run
from courses.sites import closed_days
from courses.sites.closed_days import Closure
from courses.workshops import emails, offers
from courses.workshops.readiness import (
    Refusal,
    load_tutors,
    readiness_of,
    refusals,
    sessions_for_rules,
    snapshot_of,
)


class SchedulingError(CoursesError):
    """A refused scheduling write. `refusals` holds the rules that refused, when there are any."""

    def __init__(self, message, refusals: list[Refusal] | None = None):
        super().__init__(message)
        self.refusals = refusals or []

    @property
    def overridable(self):
        return bool(self.refusals) and all(refusal.overridable for refusal in self.refusals)


def _validation_message(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


def course_modules(programme: ProgrammePage) -> list[ModulePage]:
    """The modules taught in sessions, in curriculum order: session n teaches the n-th."""
    return list(
        ModulePage.objects.child_of(programme)
        .live()
        .filter(format=ModuleFormat.COURSE)
        .order_by("path")
    )


@dataclass(frozen=True)
class RunDates:
    """The days a run's sessions fall on, and the closed days it skipped (with why)."""

    days: list[date]
    skipped: list[Closure]


# A run's weeks are looked up a year past its natural end: room for any number of closed days.
LOOKAHEAD_WEEKS = 52


def session_dates(
    *, first_date: date, weekday: int, count: int, closed: Mapping[date, Closure]
) -> RunDates:
    """`count` weekly dates on `weekday`, from the first such day on or after `first_date`,
    skipping closed days (the course then runs a week later)."""
    day = first_date + timedelta(days=(weekday - first_date.weekday()) % 7)
    found, skipped = [], []
    while len(found) < count:
        if day in closed:
            skipped.append(closed[day])
        else:
            found.append(day)
        day += timedelta(days=7)
    return RunDates(days=found, skipped=skipped)


LEAD_CLOSED_REASON = "Chosen when planning a run"


def run_dates(
    *, site: Site, first_date: date, weekday: int, count: int, closed_dates=()
) -> RunDates:
    """The weekly dates of a new run at `site`: its public holidays and closed days are skipped
    (`closed_days.closures`, one query), and so are the lead's `closed_dates`."""
    last = first_date + timedelta(weeks=count + LOOKAHEAD_WEEKS)
    closed = closed_days.closures(site=site, first=first_date, last=last)
    for day in closed_dates:
        closed.setdefault(
            day, closed_days.Closure(day=day, reason=LEAD_CLOSED_REASON, public_holiday=False)
        )
    return session_dates(first_date=first_date, weekday=weekday, count=count, closed=closed)


def session_rows(
    *, run: CourseRun, days: list[date], start_time: time, session_minutes: int, **tutors
) -> list[Session]:
    """Unsaved sessions of `run` on `days`, numbered in order, session n teaching the
    programme's n-th module. No rule is checked here: `run_create` checks before calling it."""
    modules = course_modules(run.programme)
    zone = timezone.get_current_timezone()
    rows = []
    for number, day in enumerate(days, start=1):
        starts_at = datetime.combine(day, start_time, tzinfo=zone)
        rows.append(
            Session(
                run=run,
                number=number,
                module=modules[number - 1] if number <= len(modules) else None,
                venue=run.venue,
                starts_at=starts_at,
                # Added in UTC: aware arithmetic in a local zone is wall-clock time, which makes
                # a session across a clock change an hour too long or short.
                ends_at=(starts_at.astimezone(UTC) + timedelta(minutes=session_minutes)).astimezone(
                    zone
                ),
                **tutors,
            )
        )
    return rows


@transaction.atomic
def run_create(
    *,
    site: Site,
    programme_id: int,
    venue_id: int,
    title: str,
    first_date: date,
    weekday: int,
    start_time: time,
    session_minutes: int,
    session_count: int,
    capacity: int,
    minimum_group: int = 8,
    completion_sessions: int = 5,
    reminder_days: str = "7,1",
    offer_hours: int = 48,
    closed_dates: list[date] | tuple = (),
    created_by=None,
) -> CourseRun:
    """Create a run and its weekly sessions. Dates in `closed_dates` are recorded as the site's
    closed days, and every closed day of the site (its public holidays included) is skipped:
    the returned run's `skipped_days` lists them with why."""
    programme = ProgrammePage.objects.live().filter(pk=programme_id).first()
    if programme is None:
        raise SchedulingError(errors.UNKNOWN_PROGRAMME)
    venue = Venue.objects.filter(pk=venue_id, site=site, is_active=True).first()
    if venue is None:
        raise SchedulingError(errors.UNKNOWN_VENUE)
    if weekday not in range(7):
        raise SchedulingError(errors.WEEKDAY_UNKNOWN)
    if first_date < timezone.localdate():
        raise SchedulingError(errors.DATE_IN_PAST)
    if session_minutes <= 0:
        raise SchedulingError(errors.ENDS_BEFORE_STARTS)
    if not 1 <= session_count <= 20:
        raise SchedulingError(errors.SESSION_COUNT_RANGE)
    if capacity < 1:
        raise SchedulingError(errors.CAPACITY_TOO_SMALL)
    if capacity > venue.capacity:
        raise SchedulingError(
            errors.VENUE_TOO_SMALL.format(
                venue=venue.name, venue_capacity=venue.capacity, capacity=capacity
            )
        )
    if completion_sessions > session_count:
        raise SchedulingError(
            errors.COMPLETION_OVER_COUNT.format(needed=completion_sessions, count=session_count)
        )
    run = CourseRun(
        programme=programme,
        site=site,
        venue=venue,
        title=(title or "").strip(),
        capacity=capacity,
        minimum_group=minimum_group,
        completion_sessions=completion_sessions,
        reminder_days=reminder_days,
        offer_hours=offer_hours,
        created_by=created_by,
    )
    try:
        run.full_clean()
    except ValidationError as error:
        raise SchedulingError(_validation_message(error)) from error
    planned = run_dates(
        site=site,
        first_date=first_date,
        weekday=weekday,
        count=session_count,
        closed_dates=closed_dates,
    )
    days = planned.days
    zone = timezone.get_current_timezone()
    # The first day may be today, with the start time already gone.
    if datetime.combine(days[0], start_time, tzinfo=zone) <= timezone.now():
        raise SchedulingError(errors.DATE_IN_PAST)
    run.save()
    for day in set(closed_dates):
        # A public holiday the site had opened is closed again: the lead has just said so.
        ClosedDay.objects.update_or_create(
            site=site,
            date=day,
            defaults={"kind": ClosedDay.Kind.CLOSED},
            create_defaults={"kind": ClosedDay.Kind.CLOSED, "reason": LEAD_CLOSED_REASON},
        )
    Session.objects.bulk_create(
        session_rows(run=run, days=days, start_time=start_time, session_minutes=session_minutes)
    )
    administrations_ensure_for_run(run=run)
    # For the page that confirms the new run: which dates it skipped, and why.
    run.skipped_days = planned.skipped
    return run


def _locked_session(session_id: int) -> Session:
    session = sessions_for_rules().select_for_update(of=("self",)).filter(pk=session_id).first()
    if session is None:
        raise SchedulingError(errors.SESSION_GONE)
    if session.run.status == CourseRun.Status.CANCELLED:
        raise SchedulingError(errors.RUN_CANCELLED)
    if session.ends_at <= timezone.now():
        raise SchedulingError(errors.SESSION_PAST)
    return session


def _fill_place(session: Session, field: str, tutor: Tutor | None) -> None:
    """Put `tutor` (or nobody) in a place. Overrides made for the previous holder end: kept as a
    record, they no longer excuse anyone, even if that person is put back later."""
    previous_id = getattr(session, f"{field}_id")
    if previous_id is not None and previous_id != getattr(tutor, "pk", None):
        AssignmentOverride.objects.filter(
            session=session, tutor_id=previous_id, ended_at__isnull=True
        ).update(ended_at=timezone.now())
    setattr(session, field, tutor)
    session.save(update_fields=[field])


def _slot_field(kind: str) -> str:
    return "lay_tutor" if kind == TutorKind.LAY else "clinical_tutor"


def assignment_refusals(*, session: Session, tutor: Tutor, kind: str) -> list[Refusal]:
    """Every rule that stops `tutor` taking the `kind` place of `session` (no overrides)."""
    day = timezone.localtime(session.starts_at).date()
    snapshot = load_tutors([tutor.pk], first=day, last=day)[tutor.pk]
    return refusals(snapshot, snapshot_of(session), kind=kind)


@transaction.atomic
def session_assign(
    *,
    session: Session,
    tutor_id: int,
    kind: str,
    assigned_by=None,
    override_reason: str = "",
    replace: bool = False,
) -> Session:
    """Put a tutor in the lay or clinical place of a session.

    Refuses, naming each rule and the person, unless every broken rule is one a lead may
    override (availability, monthly cap) and `override_reason` says why: then the override is
    recorded with the reason and who made it.
    """
    if kind not in TutorKind.values:
        raise SchedulingError(errors.UNKNOWN_SLOT)
    session = _locked_session(session.pk)
    # Lock the tutor too, so two leads cannot give them two overlapping sessions at once.
    tutor = Tutor.objects.select_for_update(of=("self",)).select_related("user")
    # Only the run's own site pool: a tutor of another site is not one this lead can choose.
    tutor = tutor.filter(pk=tutor_id, site_id=session.run.site_id).first()
    if tutor is None:
        raise SchedulingError(errors.UNKNOWN_TUTOR)
    field = _slot_field(kind)
    current_id = getattr(session, f"{field}_id")
    if current_id == tutor.pk:
        return session
    if current_id is not None and not replace:
        current = getattr(session, field)
        raise SchedulingError(
            errors.SLOT_TAKEN.format(slot=TutorKind(kind).label.lower(), name=current.name)
        )
    found = assignment_refusals(session=session, tutor=tutor, kind=kind)
    reason = (override_reason or "").strip()
    if found:
        if not all(refusal.overridable for refusal in found):
            blocking = [refusal.message for refusal in found if not refusal.overridable]
            if reason:
                blocking.append(errors.OVERRIDE_NOT_ALLOWED)
            raise SchedulingError(" ".join(blocking), found)
        if not reason:
            raise SchedulingError(
                " ".join(r.message for r in found) + " " + errors.OVERRIDE_REASON_REQUIRED, found
            )
        for rule in sorted({refusal.rule for refusal in found}):
            AssignmentOverride.objects.create(
                session=session,
                tutor=tutor,
                rule=rule.value,
                reason=reason[:500],
                decided_by=assigned_by,
            )
    _fill_place(session, field, tutor)
    return session


@transaction.atomic
def session_unassign(*, session: Session, kind: str) -> Session:
    if kind not in TutorKind.values:
        raise SchedulingError(errors.UNKNOWN_SLOT)
    session = _locked_session(session.pk)
    _fill_place(session, _slot_field(kind), None)
    return session


@transaction.atomic
def run_open(*, run: CourseRun) -> CourseRun:
    """Open a run for booking, which needs every session ready."""
    run = CourseRun.objects.select_for_update().get(pk=run.pk)
    if run.status == CourseRun.Status.OPEN:
        raise SchedulingError(errors.RUN_ALREADY_OPEN)
    if run.status == CourseRun.Status.CANCELLED:
        raise SchedulingError(errors.RUN_CANCELLED)
    sessions = list(sessions_for_rules().filter(run=run).order_by("number"))
    if not sessions:
        raise SchedulingError(errors.RUN_NOT_READY.format(problems="it has no sessions."))
    problems = [
        f"Session {readiness.session.number}: {' '.join(readiness.problems)}"
        for readiness in readiness_of(sessions)
        if not readiness.ready
    ]
    if problems:
        raise SchedulingError(errors.RUN_NOT_READY.format(problems=" ".join(problems)))
    run.status = CourseRun.Status.OPEN
    run.opened_at = timezone.now()
    run.save(update_fields=["status", "opened_at"])
    # A questionnaire added since the run was planned is asked too.
    administrations_ensure_for_run(run=run)
    return run


@transaction.atomic
def run_cancel(*, run: CourseRun, reason: str, cancelled_by=None) -> CourseRun:
    """Cancel a run that has not finished. Bookings and the waiting list are kept as they were
    (the trainees' pages say the course is cancelled); calendars and reminders leave it out.
    Everyone booked or waiting, its tutors and the site's leads are told, with the reason; open
    offers of a place close."""
    reason = (reason or "").strip()
    if not reason:
        raise SchedulingError(errors.CANCEL_REASON_REQUIRED)
    run = CourseRun.objects.select_for_update().get(pk=run.pk)
    if run.status == CourseRun.Status.CANCELLED:
        raise SchedulingError(errors.RUN_CANCELLED)
    last_end = run.sessions.order_by("-ends_at").values_list("ends_at", flat=True).first()
    if last_end is not None and last_end <= timezone.now():
        raise SchedulingError(errors.RUN_FINISHED)
    run.status = CourseRun.Status.CANCELLED
    run.cancelled_at = timezone.now()
    run.cancel_reason = reason[:500]
    run.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    offers.offers_close_for_run(run=run)
    transaction.on_commit(lambda: emails.run_cancelled(run.pk))
    return run


@transaction.atomic
def tutor_withdraw(*, session: Session, tutor: Tutor, reason: str = "", recorded_by=None):
    """Take a tutor off a session. The place then needs cover; the tutor, their co-tutor and the
    site's leads are told once the change is saved."""
    session = _locked_session(session.pk)
    if session.lay_tutor_id == tutor.pk:
        kind = TutorKind.LAY
    elif session.clinical_tutor_id == tutor.pk:
        kind = TutorKind.CLINICAL
    else:
        raise SchedulingError(errors.NOT_ASSIGNED.format(name=tutor.name))
    field = _slot_field(kind)
    _fill_place(session, field, None)
    withdrawal = TutorWithdrawal.objects.create(
        session=session, tutor=tutor, reason=(reason or "").strip()[:500], recorded_by=recorded_by
    )
    transaction.on_commit(lambda: emails.tutor_withdrawn(withdrawal.pk))
    return withdrawal


@transaction.atomic
def session_cover(
    *, session: Session, tutor_id: int, assigned_by=None, override_reason: str = ""
) -> Session:
    """Fill a place left by a withdrawal with one of the ranked replacements (see
    `rules.cover_candidates`): the latest uncovered withdrawal from the place of the cover's kind
    is marked covered, and the tutors and leads are told."""
    # The session first, as every other scheduling write locks it first.
    session = _locked_session(session.pk)
    tutor = Tutor.objects.filter(pk=tutor_id).first()
    if tutor is None:
        raise SchedulingError(errors.UNKNOWN_TUTOR)
    # Of the same kind: with both tutors withdrawn, covering one place must not mark the other.
    withdrawal = (
        TutorWithdrawal.objects.select_for_update(of=("self",))
        .filter(session=session, covered_by__isnull=True, tutor__kind=tutor.kind)
        .order_by("-withdrawn_at", "-pk")
        .first()
    )
    session = session_assign(
        session=session,
        tutor_id=tutor.pk,
        kind=tutor.kind,
        assigned_by=assigned_by,
        override_reason=override_reason,
    )
    if withdrawal is not None:
        withdrawal.covered_by = tutor
        withdrawal.save(update_fields=["covered_by"])
        transaction.on_commit(lambda: emails.cover_found(withdrawal.pk))
    return session


@transaction.atomic
def session_tutors_set(
    *,
    session: Session,
    lay_tutor_id: int | None,
    clinical_tutor_id: int | None,
    assigned_by=None,
    override_reason: str = "",
) -> Session:
    """Set both places of a session from the lead's assignment form, all or nothing: an empty
    choice clears that place, a changed one goes through `session_assign` and all its rules."""
    for kind, tutor_id in ((TutorKind.LAY, lay_tutor_id), (TutorKind.CLINICAL, clinical_tutor_id)):
        current_id = getattr(session, f"{_slot_field(kind)}_id")
        if tutor_id == current_id:
            continue
        if tutor_id is None:
            session = session_unassign(session=session, kind=kind)
        else:
            session = session_assign(
                session=session,
                tutor_id=tutor_id,
                kind=kind,
                assigned_by=assigned_by,
                override_reason=override_reason,
                replace=True,
            )
    return session
