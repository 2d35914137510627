"""Booking a place on a course run, and its waiting list.

The last place on a run is the contested resource. As in pretix's quota locking, each booking
and each withdrawal is one durable transaction that

1. makes the checks that need no lock first (the run is open, booking has not closed, the person
   is not already on it), so that most refusals never queue;
2. locks the run's row as late as it can (`SELECT ... FOR UPDATE`): bookings for one run then
   queue one behind another, and bookings for different runs never wait for each other;
3. counts the places taken from the enrolment rows (there is no stored counter to drift) and
   takes the time that orders the waiting list while it holds the lock, so the list is in the
   order people reached it;
4. saves, and sends its emails only once the transaction has committed.

A lock that cannot be had within `LOCK_TIMEOUT` becomes a `BookingError` asking the person to
try again, never a 500. The proof is `tests/courses/workshops/test_booking_race.py` (PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import F, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format

from cms.locking import is_lock_timeout, wait_at_most
from cms.queries import count_rows
from cms.validation import normalise_mobile
from courses import errors
from courses.calendars import feeds
from courses.common import channels, links, wording
from courses.errors import CoursesError
from courses.models import AccessNeed, CourseRun, Enrolment, GroupException, PlaceOffer
from courses.workshops import offers

# --- switches for the race test -------------------------------------------------------------
# tests/courses/workshops/test_booking_race.py proves that the row lock is what keeps a run from
# being overbooked: its control turns LOCK_RUN_ROW off and shows the run overbooked. Nothing else
# should change these.

LOCK_RUN_ROW = True
"""Lock the run's row before a booking counts its places. Off only in the race test's control.
(A withdrawal always locks: it changes the waiting list.)"""

LOCK_TIMEOUT = "5s"
"""How long a booking waits for the run's row (PostgreSQL) before it is refused as busy."""

after_count: Callable[[CourseRun], None] | None = None
"""If set, called with the run between counting its places and saving the enrolment. The race
test sets it to a short sleep, widening the window in which unlocked bookings would all see the
same count; with the lock on, it only makes the queue slower."""


class BookingError(CoursesError):
    """A refused booking or withdrawal. Nothing was changed."""


@dataclass(frozen=True)
class BookingAnswers:
    """The booking questions: what the person needs to take part, and their agreement to the
    site's booking terms."""

    agreed_to_terms: bool
    access_needs: Iterable[str] = field(default=())
    adjustments: str = ""


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def run_book(*, trainee, run_id: int, answers: BookingAnswers, booked_by=None) -> Enrolment:
    """Book `trainee` a place on the run, or put them on its waiting list when it is full.

    Refused, naming why: a run not open or already started; someone already on it; a course
    meant for the other group (unless a lead made an exception for them); a run that overlaps
    one they hold or wait for; booking terms not agreed.

    Someone who withdrew and books again keeps their enrolment row but joins afresh: a new
    `enrolled_at`, so the back of the waiting list.

    `booked_by`: the lead or site administrator who booked the person (answering the booking
    questions on their behalf), kept on the enrolment; the same rules apply."""
    needs, adjustments = _clean_answers(answers)
    run = run_row(run_id, lock=False)
    _refuse_unless_bookable(run)
    _refuse_if_on_it(Enrolment.objects.filter(trainee=trainee, run_id=run_id).first())
    _refuse_unless_for_their_group(trainee, run)
    refuse_if_overlapping(trainee, run)

    # The person's row, then the run's: two bookings of one person on two runs queue one behind
    # the other, so the overlap check sees the first; bookings of different people do not wait.
    lock_person(trainee)
    run = run_row(run_id, lock=LOCK_RUN_ROW)
    _refuse_unless_bookable(run)  # a lead may have cancelled it while we queued
    enrolment = Enrolment.objects.filter(trainee=trainee, run=run).first()
    _refuse_if_on_it(enrolment)  # a second click of the same person, queued behind the first
    refuse_if_overlapping(trainee, run)
    taken = places_taken(run)
    if after_count is not None:
        after_count(run)

    if enrolment is None:
        enrolment = Enrolment(trainee=trainee, run=run)
    enrolment.status = (
        Enrolment.Status.BOOKED if taken < run.capacity else Enrolment.Status.WAITLISTED
    )
    enrolment.site_id = run.site_id
    enrolment.enrolled_at = timezone.now()
    enrolment.withdrawn_at = None
    enrolment.completed_at = None
    enrolment.access_needs, enrolment.adjustments = needs, adjustments
    enrolment.terms_agreed_at = enrolment.enrolled_at
    enrolment.booked_by = booked_by
    enrolment.withdrawn_by = None
    # No full_clean(): the person's answers were cleaned above; every other value comes from rows
    # just read under the lock.
    enrolment.save()

    if enrolment.status == Enrolment.Status.BOOKED:
        transaction.on_commit(lambda: notify_booked(enrolment.pk))
    else:
        transaction.on_commit(lambda: notify_waitlisted(enrolment.pk))
    return enrolment


@transaction.atomic(durable=True)
def booking_withdraw(*, enrolment: Enrolment, withdrawn_by=None) -> Enrolment:
    """Take the trainee off the run (booked or waiting). A place given up is offered to the
    first person waiting (or, in the last day, to everyone waiting) while booking is open
    (courses.workshops.offers); a waiting person's open offer closes and its place goes to the
    next. Withdrawing twice changes nothing the second time. `withdrawn_by`: the staff member
    who took them off, kept on the enrolment (empty when the person withdrew themselves)."""
    if enrolment.run_id is None:
        raise BookingError(errors.NOT_A_COURSE_BOOKING)
    # The run's row first: the enrolment and the waiting list change under one lock.
    run = run_row(enrolment.run_id, lock=True)
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return enrolment
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise BookingError(errors.ALREADY_COMPLETED)
    gave_up_a_place = enrolment.status == Enrolment.Status.BOOKED
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.withdrawn_by = withdrawn_by
    enrolment.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])

    transaction.on_commit(lambda: notify_withdrawn(enrolment.pk, gave_up_a_place))
    offers.offers_after_withdrawal(run=run, enrolment=enrolment)
    return enrolment


@transaction.atomic(durable=True)
def booking_move(*, enrolment: Enrolment, to_run_id: int, moved_by) -> Enrolment:
    """Move a person's booking (or their place on the waiting list) to another run of the same
    programme, as staff do when someone cannot make the dates. One transaction: the new run's
    rules are those of `run_book` (open, not started, not already on it, their group, no
    overlap with another of their courses); the place on the old run is given up as a
    withdrawal gives it up (it is offered to the first people waiting). The new run's answers are the
    old ones. The person is told once, that they were moved.

    Refused, naming why: the same run, a run of another programme, a booking that is not a
    current one (withdrawn, completed), or the new run's rules."""
    old = Enrolment.objects.select_related("trainee").filter(pk=enrolment.pk).first()
    if old is None or old.run_id is None:
        raise BookingError(errors.NOT_A_COURSE_BOOKING)
    trainee = old.trainee
    if old.run_id == to_run_id:
        raise BookingError(errors.MOVE_SAME_RUN)
    target = run_row(to_run_id, lock=False)
    _refuse_unless_movable(old, run_row(old.run_id, lock=False), target)
    _refuse_unless_bookable(target)
    _refuse_if_on_it(Enrolment.objects.filter(trainee=trainee, run_id=to_run_id).first())
    _refuse_unless_for_their_group(trainee, target)
    refuse_if_overlapping(trainee, target, leaving=old.run_id)

    # As run_book: the person's row, then both runs' rows in the order of their ids, so two
    # moves between the same two runs queue rather than deadlock.
    lock_person(trainee)
    locked = {pk: run_row(pk, lock=True) for pk in sorted((old.run_id, to_run_id))}
    from_run, target = locked[old.run_id], locked[to_run_id]
    old = Enrolment.objects.select_related("trainee").get(pk=old.pk)
    _refuse_unless_movable(old, from_run, target)
    _refuse_unless_bookable(target)
    moved = Enrolment.objects.filter(trainee=trainee, run=target).first()
    _refuse_if_on_it(moved)
    refuse_if_overlapping(trainee, target, leaving=from_run.pk)

    now = timezone.now()
    old.status = Enrolment.Status.WITHDRAWN
    old.withdrawn_at = now
    old.withdrawn_by = moved_by
    old.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])

    if moved is None:
        moved = Enrolment(trainee=trainee, run=target)
    moved.status = (
        Enrolment.Status.BOOKED
        if places_taken(target) < target.capacity
        else Enrolment.Status.WAITLISTED
    )
    moved.site_id = target.site_id
    moved.enrolled_at = now
    moved.withdrawn_at = None
    moved.completed_at = None
    moved.access_needs, moved.adjustments = old.access_needs, old.adjustments
    moved.terms_agreed_at = old.terms_agreed_at
    moved.booked_by = moved_by
    moved.withdrawn_by = None
    moved.save()

    transaction.on_commit(lambda: notify_moved(moved.pk, from_run.pk))
    offers.offers_after_withdrawal(run=from_run, enrolment=old)
    return moved


def _refuse_unless_movable(old: Enrolment, from_run, target) -> None:
    if old.status == Enrolment.Status.COMPLETED:
        raise BookingError(errors.ALREADY_COMPLETED)
    if old.status == Enrolment.Status.WITHDRAWN:
        raise BookingError(errors.MOVE_NOT_BOOKED)
    if target is None:
        raise BookingError(errors.RUN_NOT_OPEN)
    if from_run is None or target.programme_id != from_run.programme_id:
        raise BookingError(errors.MOVE_OTHER_PROGRAMME)


@transaction.atomic
def booking_answers_update(*, enrolment: Enrolment, answers: BookingAnswers) -> Enrolment:
    """Change the answers to the booking questions, until the course's first session starts."""
    needs, adjustments = _clean_answers(answers, require_terms=False)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .filter(pk=enrolment.pk, run__isnull=False)
        .first()
    )
    if enrolment is None:
        raise BookingError(errors.NOT_A_COURSE_BOOKING)
    if enrolment.status not in (Enrolment.Status.BOOKED, Enrolment.Status.WAITLISTED):
        raise BookingError(errors.ANSWERS_NOT_BOOKED)
    run = run_row(enrolment.run_id, lock=False)
    if run.first_start is None or run.first_start <= timezone.now():
        raise BookingError(errors.ANSWERS_CLOSED)
    enrolment.access_needs, enrolment.adjustments = needs, adjustments
    enrolment.save(update_fields=["access_needs", "adjustments"])
    return enrolment


@transaction.atomic
def group_exception_create(*, run: CourseRun, address: str, reason: str, decided_by):
    """A lead lets one person book `run` although it is meant for the other group, found by
    their email address or, for someone added by phone, their mobile number. Recorded with who
    decided and why; the person then books as anyone does (or staff book them)."""
    reason = (reason or "").strip()
    if not reason:
        raise BookingError(errors.EXCEPTION_REASON_REQUIRED)
    address = (address or "").strip()
    person = None
    if "@" in address:
        person = get_user_model().objects.filter(email=address.lower()).first()
    else:
        try:
            mobile = normalise_mobile(address)
        except ValidationError:
            mobile = None
        if mobile:
            person = get_user_model().objects.filter(mobile=mobile).first()
    if person is None:
        raise BookingError(errors.EXCEPTION_NO_SUCH_PERSON.format(address=address))
    if person.is_in_group_of(run.programme.track):
        raise BookingError(
            errors.EXCEPTION_NOT_NEEDED.format(name=person.get_full_name() or person.email)
        )
    exception = GroupException(run=run, trainee=person, reason=reason, decided_by=decided_by)
    try:
        exception.full_clean(exclude=["run", "trainee", "decided_by"])
    except ValidationError as error:
        raise BookingError(" ".join(error.messages)) from error
    exception, _ = GroupException.objects.update_or_create(
        run=run, trainee=person, defaults={"reason": reason, "decided_by": decided_by}
    )
    return exception


def _clean_answers(answers: BookingAnswers, *, require_terms: bool = True):
    if require_terms and not answers.agreed_to_terms:
        raise BookingError(errors.TERMS_NOT_AGREED)
    needs = list(dict.fromkeys(answers.access_needs or ()))
    if any(need not in AccessNeed.values for need in needs):
        raise BookingError(errors.ACCESS_NEED_UNKNOWN)
    adjustments = (answers.adjustments or "").strip()
    try:
        for check in Enrolment._meta.get_field("adjustments").validators:
            check(adjustments)
    except ValidationError as error:
        raise BookingError(" ".join(error.messages)) from error
    return needs, adjustments


def lock_person(trainee) -> None:
    try:
        wait_at_most(LOCK_TIMEOUT)
        list(get_user_model().objects.select_for_update().filter(pk=trainee.pk).values("pk"))
    except OperationalError as error:
        if is_lock_timeout(error):
            raise BookingError(errors.BOOKING_BUSY) from error
        raise


def run_row(run_id, *, lock: bool) -> CourseRun | None:
    """The run with its dates, places and phase (`with_dates()`) and its programme, locked for
    update when `lock`."""
    runs = CourseRun.objects.with_dates().select_related("programme").filter(pk=run_id)
    if not lock:
        return runs.first()
    try:
        wait_at_most(LOCK_TIMEOUT)
        return runs.select_for_update(of=("self",)).first()
    except OperationalError as error:
        if is_lock_timeout(error):
            raise BookingError(errors.BOOKING_BUSY) from error
        raise


def _refuse_unless_bookable(run: CourseRun | None) -> None:
    if run is None or run.status != CourseRun.Status.OPEN or run.first_start is None:
        raise BookingError(errors.RUN_NOT_OPEN)
    if run.first_start <= timezone.now():
        raise BookingError(
            errors.BOOKING_CLOSED.format(
                date=date_format(timezone.localtime(run.first_start), "l j F Y")
            )
        )


def _refuse_unless_for_their_group(trainee, run: CourseRun) -> None:
    track = run.programme.track
    if trainee.is_in_group_of(track):
        return
    if GroupException.objects.filter(run=run, trainee=trainee).exists():
        return
    if not trainee.audience:
        raise BookingError(errors.SAY_WHO_YOU_ARE)
    raise BookingError(
        errors.NOT_YOUR_GROUP.format(
            course=run.title,
            group=wording.track_group(track),
            you=wording.audience_said(trainee.audience),
        )
    )


def refuse_if_overlapping(trainee, run: CourseRun, *, leaving: int | None = None) -> None:
    """Refused if the person holds or waits for a place on another run whose dates (first
    session to last) cross this one's. `leaving`: a run they are moving from, which does not
    count."""
    other = (
        CourseRun.objects.with_dates()
        .filter(
            enrolments__trainee=trainee,
            enrolments__status__in=(Enrolment.Status.BOOKED, Enrolment.Status.WAITLISTED),
            first_start__lt=run.last_end,
            last_end__gt=run.first_start,
        )
        .exclude(pk__in=[run.pk, leaving or run.pk])
        .exclude(status=CourseRun.Status.CANCELLED)
        .annotate(held=F("enrolments__status"))
        .order_by("first_start", "pk")
        .first()
    )
    if other is None:
        return
    raise BookingError(
        errors.OVERLAPS.format(
            other=other.title,
            dates=wording.date_span(other.first_start, other.last_end),
            held="booked on" if other.held == Enrolment.Status.BOOKED else "waiting for",
        )
    )


def _refuse_if_on_it(enrolment: Enrolment | None) -> None:
    if enrolment is None or enrolment.status == Enrolment.Status.WITHDRAWN:
        return
    if enrolment.status == Enrolment.Status.WAITLISTED:
        raise BookingError(errors.ALREADY_WAITING.format(position=waiting_position(enrolment)))
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise BookingError(errors.ALREADY_COMPLETED)
    raise BookingError(errors.ALREADY_BOOKED)


def places_taken(run: CourseRun) -> int:
    """Places taken on the run, counted from the rows: booked or completed, and the places
    held by open waiting-list offers (each place once, however many people it is offered to)."""
    booked = Enrolment.objects.filter(run=run).on_the_course().count()
    return booked + PlaceOffer.objects.open().filter(run=run).values("place").distinct().count()


# --- reads --------------------------------------------------------------------------------------


def _at_or_ahead_of(enrolment) -> Q:
    """This enrolment and those ahead of it on the waiting list: joined earlier (ties: saved earlier)."""
    return Q(enrolled_at__lt=enrolment.enrolled_at) | Q(
        enrolled_at=enrolment.enrolled_at, pk__lte=enrolment.pk
    )


def waiting_position(enrolment: Enrolment) -> int | None:
    """1 for the first person waiting; None for anyone not on the waiting list."""
    if enrolment.run_id is None or enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    return (
        Enrolment.objects.filter(run_id=enrolment.run_id, status=Enrolment.Status.WAITLISTED)
        .filter(_at_or_ahead_of(enrolment))
        .count()
    )


def waiting_position_annotation():
    """waiting_position() for every row of an enrolment queryset, in the same query."""
    return count_rows(
        Enrolment.objects.filter(run=OuterRef("run"), status=Enrolment.Status.WAITLISTED).filter(
            Q(enrolled_at__lt=OuterRef("enrolled_at"))
            | Q(enrolled_at=OuterRef("enrolled_at"), pk__lte=OuterRef("pk"))
        )
    )


def booking_page_for(*, trainee, run_id: int) -> dict:
    """The run as the booking page shows it, and the reason the person cannot book it, if the
    checks that need no lock already refuse (the same checks `run_book` makes first)."""
    run = get_object_or_404(
        CourseRun.objects.with_dates()
        .select_related("venue", "site", "programme")
        .filter(status=CourseRun.Status.OPEN),
        pk=run_id,
    )
    refusal = None
    try:
        _refuse_unless_bookable(run)
        _refuse_if_on_it(Enrolment.objects.filter(trainee=trainee, run=run).first())
        _refuse_unless_for_their_group(trainee, run)
        refuse_if_overlapping(trainee, run)
    except BookingError as error:
        refusal = error.message
    return {"run": run, "refusal": refusal}


def access_needs_of(enrolments) -> list[Enrolment]:
    """Those of `enrolments` who told us of something they need to take part, in their order."""
    return [enrolment for enrolment in enrolments if enrolment.has_access_needs]


def open_run_or_404(run_id: int) -> CourseRun:
    """A run open for booking (whether or not it has started); any other run is not found."""
    return get_object_or_404(CourseRun, pk=run_id, status=CourseRun.Status.OPEN)


def enrolment_on_run_or_404(*, trainee, run_id: int) -> Enrolment:
    """The trainee's enrolment on an open run, with the run; 404 if they have none."""
    return get_object_or_404(
        Enrolment.objects.select_related("run", "run__venue").annotate(
            position=waiting_position_annotation()
        ),
        trainee=trainee,
        run_id=run_id,
        run__status=CourseRun.Status.OPEN,
    )


# --- emails, sent on commit with ids ----------------------------------------------------------


def _enrolment_for_email(enrolment_id) -> Enrolment | None:
    return (
        Enrolment.objects.select_related("trainee", "run__venue", "run__site", "run__programme")
        .filter(pk=enrolment_id, run__isnull=False)
        .first()
    )


def _email_context(enrolment) -> dict:
    run = enrolment.run
    return {
        "enrolment": enrolment,
        "trainee": enrolment.trainee,
        "run": run,
        "sessions": list(run.sessions.select_related("venue").order_by("starts_at", "pk")),
        "venue": run.venue,
        "access": wording.access_notes(run.venue),
        "course_url": links.course_url(run.pk),
    }


def _invitation(enrolment) -> list:
    return [("course-dates.ics", feeds.invitation_for(enrolment), "text/calendar")]


def notify_booked(enrolment_id: int) -> None:
    enrolment = _enrolment_for_email(enrolment_id)
    if enrolment is None or enrolment.status != Enrolment.Status.BOOKED:
        return
    channels.tell(
        enrolment.trainee,
        subject=f"Your place on {enrolment.run.title}",
        template="courses/workshops/email/booking_confirmed.txt",
        context=_email_context(enrolment),
        kind="booking_confirmation",
        run=enrolment.run,
        attachments=_invitation(enrolment),
    )


def notify_waitlisted(enrolment_id: int) -> None:
    enrolment = _enrolment_for_email(enrolment_id)
    if enrolment is None or enrolment.status != Enrolment.Status.WAITLISTED:
        return
    position = waiting_position(enrolment)
    channels.tell(
        enrolment.trainee,
        subject=f"You are number {position} on the waiting list for {enrolment.run.title}",
        template="courses/workshops/email/booking_waitlisted.txt",
        context={**_email_context(enrolment), "position": position},
        kind="waiting_list",
        run=enrolment.run,
    )


def notify_withdrawn(enrolment_id: int, gave_up_a_place: bool) -> None:
    enrolment = _enrolment_for_email(enrolment_id)
    if enrolment is None or enrolment.status != Enrolment.Status.WITHDRAWN:
        return
    channels.tell(
        enrolment.trainee,
        subject=(
            f"You have cancelled your place on {enrolment.run.title}"
            if gave_up_a_place
            else f"You have left the waiting list for {enrolment.run.title}"
        ),
        template="courses/workshops/email/booking_withdrawn.txt",
        context={**_email_context(enrolment), "gave_up_a_place": gave_up_a_place},
        kind="booking_cancelled",
        run=enrolment.run,
    )


def notify_moved(enrolment_id: int, from_run_id: int) -> None:
    """Tell the person, by their channel, that staff moved them to this run (booked or waiting)."""
    enrolment = _enrolment_for_email(enrolment_id)
    if enrolment is None or enrolment.status not in (
        Enrolment.Status.BOOKED,
        Enrolment.Status.WAITLISTED,
    ):
        return
    from_run = CourseRun.objects.filter(pk=from_run_id).first()
    position = waiting_position(enrolment)
    channels.tell(
        enrolment.trainee,
        subject=(
            f"You have been moved to {enrolment.run.title}"
            if position is None
            else f"You have been moved to the waiting list for {enrolment.run.title}"
        ),
        template="courses/workshops/email/booking_moved.txt",
        context={**_email_context(enrolment), "from_run": from_run, "position": position},
        kind="booking_moved",
        run=enrolment.run,
        attachments=_invitation(enrolment) if position is None else (),
    )
