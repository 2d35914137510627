"""The rules that make a workshop session ready, in one place.

A session is ready when it has one lay tutor and one clinical tutor, each accredited for the
programme on the session's date, available then, not teaching an overlapping session (with a
travel buffer between different venues) and under their monthly cap.

The rules work on plain snapshots (`TutorSnapshot`, `SessionSnapshot`) loaded in a fixed number
of queries, so that one assignment, a run's readiness and the pairing planner over hundreds of
sessions all apply exactly the same checks. Services load snapshots, call `refusals()` and
refuse or write; the planner calls `refusals()` on its own simulated bookings.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format, time_format

from courses import errors
from courses.common.wording import when_text
from courses.models import (
    Accreditation,
    AssignmentOverride,
    CourseRun,
    Session,
    TimeAway,
    Tutor,
    TutorKind,
    TutorWithdrawal,
    WeeklyAvailability,
)


class Rule(StrEnum):
    KIND = "kind"
    INACTIVE = "inactive"
    ACCREDITATION = "accreditation"
    AVAILABILITY = "availability"
    DOUBLE_BOOKING = "double_booking"
    MONTHLY_CAP = "monthly_cap"


# A lead may assign someone despite these, with a recorded reason; never despite the others.
OVERRIDABLE = frozenset({Rule.AVAILABILITY, Rule.MONTHLY_CAP})


@dataclass(frozen=True)
class Refusal:
    rule: Rule
    message: str
    tutor_id: int | None = None

    @property
    def overridable(self):
        return self.rule in OVERRIDABLE

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class SessionSnapshot:
    id: int | None
    run_id: int | None
    label: str  # "Moving on Together, Riverside spring, session 3"
    programme_id: int
    programme_title: str
    venue_id: int
    venue_name: str
    buffer: timedelta
    starts_at: datetime
    ends_at: datetime

    @property
    def local_start(self) -> datetime:
        return timezone.localtime(self.starts_at)

    @property
    def local_end(self) -> datetime:
        return timezone.localtime(self.ends_at)

    @property
    def day(self) -> date:
        return self.local_start.date()

    @property
    def month(self) -> tuple[int, int]:
        return (self.day.year, self.day.month)


@dataclass(frozen=True)
class Busy:
    session_id: int | None
    label: str
    venue_id: int
    venue_name: str
    starts_at: datetime
    ends_at: datetime


@dataclass
class TutorSnapshot:
    id: int
    name: str
    kind: str
    site_id: int
    monthly_cap: int
    is_active: bool = True
    accreditations: list[tuple[int, date, date]] = field(default_factory=list)
    weekly: dict[int, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    away: list[tuple[date, date]] = field(default_factory=list)
    busy: list[Busy] = field(default_factory=list)
    month_load: Counter = field(default_factory=Counter)

    @property
    def kind_label(self):
        return TutorKind(self.kind).label.lower()

    def book(self, session: SessionSnapshot):
        """Count a session against this tutor (the planner's simulated assignment)."""
        self.busy.append(
            Busy(
                session.id,
                session.label,
                session.venue_id,
                session.venue_name,
                session.starts_at,
                session.ends_at,
            )
        )
        self.month_load[session.month] += 1

    def unbook(self, session: SessionSnapshot):
        for index, busy in enumerate(self.busy):
            if busy.session_id == session.id and busy.starts_at == session.starts_at:
                del self.busy[index]
                self.month_load[session.month] -= 1
                return

    def is_teaching(self, session: SessionSnapshot) -> bool:
        return any(busy.session_id == session.id for busy in self.busy if session.id)

    def is_free_for(self, session: SessionSnapshot) -> bool:
        """Available by the weekly pattern and not away: the shared-availability test."""
        return _availability(self, session) is None


def _accreditation(tutor: TutorSnapshot, session: SessionSnapshot) -> Refusal | None:
    day = session.day
    expired = None
    for programme_id, first, last in tutor.accreditations:
        if programme_id != session.programme_id:
            continue
        if first <= day <= last:
            return None
        if last < day and (expired is None or last > expired):
            expired = last
    fields = {"name": tutor.name, "programme": session.programme_title, "date": date_format(day)}
    if expired is not None:
        message = errors.RULE_ACCREDITATION_EXPIRED.format(expired=date_format(expired), **fields)
    else:
        message = errors.RULE_NOT_ACCREDITED.format(**fields)
    return Refusal(Rule.ACCREDITATION, message, tutor.id)


def _availability(tutor: TutorSnapshot, session: SessionSnapshot) -> Refusal | None:
    day = session.day
    for first, last in tutor.away:
        if first <= day <= last:
            message = errors.RULE_AWAY.format(
                name=tutor.name, first_day=date_format(first), last_day=date_format(last)
            )
            return Refusal(Rule.AVAILABILITY, message, tutor.id)
    start, end = session.local_start, session.local_end
    if end.date() == day:
        # Slots that meet or overlap count as one ("mornings" 09:00-12:00 and "afternoons"
        # 12:00-17:00 cover a session from 10:00 to 13:00).
        covered_until = start.time()
        for slot_start, slot_end in sorted(tutor.weekly.get(day.weekday(), ())):
            if slot_start <= covered_until < slot_end:
                covered_until = slot_end
            if end.time() <= covered_until:
                return None
    message = errors.RULE_NOT_AVAILABLE.format(
        name=tutor.name,
        weekday=calendar.day_name[day.weekday()],
        start=time_format(start, "H:i"),
        end=time_format(end, "H:i"),
    )
    return Refusal(Rule.AVAILABILITY, message, tutor.id)


def _double_booking(tutor: TutorSnapshot, session: SessionSnapshot) -> Refusal | None:
    for busy in tutor.busy:
        if session.id is not None and busy.session_id == session.id:
            continue
        buffer = timedelta(0) if busy.venue_id == session.venue_id else session.buffer
        if busy.starts_at < session.ends_at + buffer and session.starts_at < busy.ends_at + buffer:
            when = when_text(busy.starts_at, busy.ends_at)
            if busy.starts_at < session.ends_at and session.starts_at < busy.ends_at:
                message = errors.RULE_DOUBLE_BOOKED.format(
                    name=tutor.name, other=busy.label, when=when
                )
            else:
                message = errors.RULE_TRAVEL_BUFFER.format(
                    name=tutor.name,
                    other=busy.label,
                    when=when,
                    venue=busy.venue_name,
                    minutes=int(session.buffer.total_seconds() // 60),
                )
            return Refusal(Rule.DOUBLE_BOOKING, message, tutor.id)
    return None


def _monthly_cap(tutor: TutorSnapshot, session: SessionSnapshot) -> Refusal | None:
    count = tutor.month_load[session.month]
    if tutor.is_teaching(session):
        count -= 1  # re-checking an assignment that is already counted
    if count < tutor.monthly_cap:
        return None
    message = errors.RULE_MONTHLY_CAP.format(
        name=tutor.name,
        count=count,
        month=date_format(session.day, "F Y"),
        cap=tutor.monthly_cap,
    )
    return Refusal(Rule.MONTHLY_CAP, message, tutor.id)


def refusals(
    tutor: TutorSnapshot,
    session: SessionSnapshot,
    *,
    kind: str,
    overridden: frozenset[Rule] | set[Rule] = frozenset(),
    first_only: bool = False,
) -> list[Refusal]:
    """Every rule that stops `tutor` taking the `kind` place of `session`, in a fixed order.
    Rules in `overridden` (availability, monthly cap) were set aside by a lead and are skipped.
    """
    if tutor.kind != kind:
        message = errors.RULE_WRONG_KIND.format(
            name=tutor.name, kind=tutor.kind_label, slot=TutorKind(kind).label.lower()
        )
        return [Refusal(Rule.KIND, message, tutor.id)]
    found = []
    if not tutor.is_active:
        found.append(Refusal(Rule.INACTIVE, errors.RULE_INACTIVE.format(name=tutor.name), tutor.id))
    for rule, check in (
        (Rule.ACCREDITATION, _accreditation),
        (Rule.AVAILABILITY, _availability),
        (Rule.DOUBLE_BOOKING, _double_booking),
        (Rule.MONTHLY_CAP, _monthly_cap),
    ):
        if found and first_only:
            break
        if rule in overridden and rule in OVERRIDABLE:
            continue
        refusal = check(tutor, session)
        if refusal is not None:
            found.append(refusal)
    return found


# --- loading snapshots ---------------------------------------------------------------------


def session_label(run_title: str, number: int) -> str:
    return f"{run_title}, session {number}"


def snapshot_of(session: Session) -> SessionSnapshot:
    """A snapshot of a session loaded with `run__programme`, `run__site` and `venue`."""
    run = session.run
    return SessionSnapshot(
        id=session.pk,
        run_id=session.run_id,
        label=session_label(run.title, session.number),
        programme_id=run.programme_id,
        programme_title=run.programme.title,
        venue_id=session.venue_id,
        venue_name=session.venue.name,
        buffer=timedelta(minutes=run.site.travel_buffer_minutes),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
    )


def sessions_for_rules():
    return Session.objects.select_related("run__programme", "run__site", "venue")


def _month_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The whole months around a period, with a day either side for time zones and buffers."""
    start = first.replace(day=1) - timedelta(days=1)
    end_month_last = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    end = end_month_last + timedelta(days=2)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end, time.min, tzinfo=zone),
    )


def load_tutors(tutors, *, first: date, last: date) -> dict[int, TutorSnapshot]:
    """Snapshots of `tutors` (a queryset or ids) with what they are committed to between the
    whole months around `first` and `last`. Five queries, whatever the number of tutors."""
    queryset = Tutor.objects.all()
    if isinstance(tutors, list | tuple | set | frozenset):
        queryset = queryset.filter(pk__in=list(tutors))
    else:
        queryset = tutors
    snapshots = {
        tutor.pk: TutorSnapshot(
            id=tutor.pk,
            name=tutor.name,
            kind=tutor.kind,
            site_id=tutor.site_id,
            monthly_cap=tutor.monthly_cap,
            is_active=tutor.is_active,
        )
        for tutor in queryset.select_related("user")
    }
    if not snapshots:
        return snapshots
    ids = list(snapshots)

    for tutor_id, programme_id, first_day, last_day in Accreditation.objects.filter(
        tutor_id__in=ids
    ).values_list("tutor_id", "programme_id", "accredited_on", "expires_on"):
        snapshots[tutor_id].accreditations.append((programme_id, first_day, last_day))
    for tutor_id, weekday, start, end in WeeklyAvailability.objects.filter(
        tutor_id__in=ids
    ).values_list("tutor_id", "weekday", "starts_at", "ends_at"):
        snapshots[tutor_id].weekly[weekday].append((start, end))
    period_start, period_end = _month_bounds(first, last)
    for tutor_id, first_day, last_day in TimeAway.objects.filter(
        tutor_id__in=ids, last_day__gte=first, first_day__lte=last
    ).values_list("tutor_id", "first_day", "last_day"):
        snapshots[tutor_id].away.append((first_day, last_day))
    committed = (
        Session.objects.filter(Q(lay_tutor_id__in=ids) | Q(clinical_tutor_id__in=ids))
        .filter(starts_at__lt=period_end, ends_at__gt=period_start)
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .values_list(
            "pk",
            "number",
            "run__title",
            "venue_id",
            "venue__name",
            "starts_at",
            "ends_at",
            "lay_tutor_id",
            "clinical_tutor_id",
        )
    )
    for pk, number, title, venue_id, venue_name, starts, ends, lay_id, clinical_id in committed:
        busy = Busy(pk, session_label(title, number), venue_id, venue_name, starts, ends)
        local = timezone.localtime(starts).date()
        for tutor_id in {lay_id, clinical_id} & snapshots.keys():
            snapshots[tutor_id].busy.append(busy)
            snapshots[tutor_id].month_load[(local.year, local.month)] += 1
    return snapshots


def overridden_rules(session_ids) -> dict[tuple[int, int], set[Rule]]:
    """(session id, tutor id) -> the rules a lead overrode for that assignment."""

    found: dict[tuple[int, int], set[Rule]] = defaultdict(set)
    for session_id, tutor_id, rule in AssignmentOverride.objects.filter(
        session_id__in=list(session_ids), ended_at__isnull=True
    ).values_list("session_id", "tutor_id", "rule"):
        found[(session_id, tutor_id)].add(Rule(rule))
    return found


@dataclass
class Readiness:
    """Whether a session is ready, and every reason it is not."""

    session: Session
    problems: list[str]
    # The same, as (place, rule) pairs with no names in them: rule None means nobody is in the
    # place. For summaries a download may carry.
    broken: list[tuple[str, Rule | None]] = field(default_factory=list)

    @property
    def ready(self):
        return not self.problems


MISSING_SLOT = "No {slot} assigned."


def readiness_of(sessions: list[Session]) -> list[Readiness]:
    """Check each session (loaded with `sessions_for_rules()`) against every rule, in a fixed
    number of queries."""
    if not sessions:
        return []
    tutor_ids = {s.lay_tutor_id for s in sessions} | {s.clinical_tutor_id for s in sessions}
    tutor_ids.discard(None)
    days = [timezone.localtime(s.starts_at).date() for s in sessions]
    tutors = load_tutors(tutor_ids, first=min(days), last=max(days)) if tutor_ids else {}
    overrides = overridden_rules([s.pk for s in sessions])
    result = []
    for session in sessions:
        snapshot = snapshot_of(session)
        problems, broken = [], []
        for kind, tutor_id in (
            (TutorKind.LAY, session.lay_tutor_id),
            (TutorKind.CLINICAL, session.clinical_tutor_id),
        ):
            if tutor_id is None:
                problems.append(MISSING_SLOT.format(slot=TutorKind(kind).label.lower()))
                broken.append((kind, None))
                continue
            found = refusals(
                tutors[tutor_id],
                snapshot,
                kind=kind,
                overridden=overrides.get((session.pk, tutor_id), set()),
            )
            problems += [refusal.message for refusal in found]
            broken += [(kind, refusal.rule) for refusal in found]
        result.append(Readiness(session, problems, broken))
    return result


# --- cover: who can replace a tutor who withdrew ------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A tutor who passes every rule for a place, with the facts they were ranked by."""

    tutor_id: int
    name: str
    sessions_in_run: int  # other sessions of this run they already teach
    sessions_with_co_tutor: int  # sessions already held together with the remaining co-tutor
    month_load: int  # sessions they teach in the session's month

    @property
    def has_taught_with_co_tutor(self):
        return self.sessions_with_co_tutor > 0


@dataclass(frozen=True)
class Ineligible:
    """A tutor of the place's kind who cannot take it, and the first rule that stops them."""

    tutor_id: int
    name: str
    rule: Rule | None  # None: they withdrew from this session
    reason: str


@dataclass(frozen=True)
class CoverOptions:
    candidates: list[Candidate]
    ineligible: list[Ineligible]


def cover_options(session: Session, kind: str) -> CoverOptions:
    """Every tutor of `kind` in the run's site pool, split into ranked candidates for that place
    of `session` (loaded with `sessions_for_rules()`) and those who cannot take it, with why.

    Ranked: most other sessions of this run already taught (continuity for the group), then
    has already taught with the remaining co-tutor, then lowest load in the session's month,
    then name. Whoever withdrew from the session, or holds the place now, is never a candidate.
    At most eight queries, whatever the size of the pool.
    """

    snapshot = snapshot_of(session)
    site_id = session.run.site_id
    holder_id = session.lay_tutor_id if kind == TutorKind.LAY else session.clinical_tutor_id
    co_tutor_id = session.clinical_tutor_id if kind == TutorKind.LAY else session.lay_tutor_id
    pool = load_tutors(
        Tutor.objects.filter(site_id=site_id, kind=kind), first=snapshot.day, last=snapshot.day
    )
    withdrew = set(
        TutorWithdrawal.objects.filter(session_id=session.pk).values_list("tutor_id", flat=True)
    )
    in_run = Counter()
    for lay_id, clinical_id in (
        Session.objects.filter(run_id=session.run_id)
        .exclude(pk=session.pk)
        .values_list("lay_tutor_id", "clinical_tutor_id")
    ):
        in_run.update(tutor_id for tutor_id in (lay_id, clinical_id) if tutor_id is not None)
    with_co_tutor = Counter()
    if co_tutor_id is not None:
        own, other = "lay_tutor", "clinical_tutor"
        if kind == TutorKind.CLINICAL:
            own, other = other, own
        with_co_tutor.update(
            dict(
                Session.objects.filter(
                    **{f"{other}_id": co_tutor_id, f"{own}__site_id": site_id},
                    starts_at__lt=timezone.now(),
                )
                .exclude(run__status=CourseRun.Status.CANCELLED)
                .order_by()
                .values(f"{own}_id")
                .annotate(held=Count("pk"))
                .values_list(f"{own}_id", "held")
            )
        )
    candidates, ineligible = [], []
    for tutor in pool.values():
        if tutor.id == holder_id:
            continue
        if tutor.id in withdrew:
            reason = errors.COVER_WITHDREW.format(name=tutor.name)
            ineligible.append(Ineligible(tutor.id, tutor.name, None, reason))
            continue
        found = refusals(tutor, snapshot, kind=kind, first_only=True)
        if found:
            ineligible.append(Ineligible(tutor.id, tutor.name, found[0].rule, found[0].message))
            continue
        candidates.append(
            Candidate(
                tutor_id=tutor.id,
                name=tutor.name,
                sessions_in_run=in_run[tutor.id],
                sessions_with_co_tutor=with_co_tutor[tutor.id],
                month_load=tutor.month_load[snapshot.month],
            )
        )
    candidates.sort(
        key=lambda c: (
            -c.sessions_in_run,
            not c.has_taught_with_co_tutor,
            c.month_load,
            c.name.casefold(),
            c.tutor_id,
        )
    )
    ineligible.sort(key=lambda i: (i.name.casefold(), i.tutor_id))
    return CoverOptions(candidates, ineligible)


def cover_candidates(session: Session, kind: str) -> list[Candidate]:
    """Tutors who could take the `kind` place of `session`, best first (see `cover_options`)."""
    return cover_options(session, kind).candidates


def ineligible_with_reasons(session: Session, kind: str) -> list[Ineligible]:
    """Tutors of `kind` in the site's pool who cannot take the place, each with the first rule
    that stops them, so a lead sees why someone is missing from the candidates."""
    return cover_options(session, kind).ineligible
