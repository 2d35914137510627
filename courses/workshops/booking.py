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

from collections.abc import Callable

from django.db import OperationalError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format

from cms.locking import is_lock_timeout, wait_at_most
from cms.queries import count_rows
from courses import errors
from courses.calendars import feeds
from courses.common import links, mail, wording
from courses.errors import CoursesError
from courses.models import CourseRun, Enrolment, Session

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


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def run_book(*, trainee, run_id: int) -> Enrolment:
    """Book `trainee` a place on the run, or put them on its waiting list when it is full.

    Someone who withdrew and books again keeps their enrolment row but joins afresh: a new
    `enrolled_at`, so the back of the waiting list."""
    run = _run_row(run_id, lock=False)
    _refuse_unless_bookable(run)
    _refuse_if_on_it(Enrolment.objects.filter(trainee=trainee, run_id=run_id).first())

    run = _run_row(run_id, lock=LOCK_RUN_ROW)
    _refuse_unless_bookable(run)  # a lead may have cancelled it while we queued
    enrolment = Enrolment.objects.filter(trainee=trainee, run=run).first()
    _refuse_if_on_it(enrolment)  # a second click of the same person, queued behind the first
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
    # No full_clean(): every value comes from rows just read under the lock, none from the person.
    enrolment.save()

    if enrolment.status == Enrolment.Status.BOOKED:
        transaction.on_commit(lambda: notify_booked(enrolment.pk))
    else:
        transaction.on_commit(lambda: notify_waitlisted(enrolment.pk))
    return enrolment


@transaction.atomic(durable=True)
def booking_withdraw(*, enrolment: Enrolment) -> Enrolment:
    """Take the trainee off the run (booked or waiting). A place given up goes to the first
    people on the waiting list, in order, while booking is open; each of them is told.
    Withdrawing twice changes nothing the second time."""
    if enrolment.run_id is None:
        raise BookingError(errors.NOT_A_COURSE_BOOKING)
    # The run's row first: the enrolment and the waiting list change under one lock.
    run = _run_row(enrolment.run_id, lock=True)
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return enrolment
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise BookingError(errors.ALREADY_COMPLETED)
    gave_up_a_place = enrolment.status == Enrolment.Status.BOOKED
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at"])

    promoted = _promote_waiting(run) if gave_up_a_place else []
    transaction.on_commit(lambda: notify_withdrawn(enrolment.pk, gave_up_a_place))
    for person in promoted:
        transaction.on_commit(lambda pk=person.pk: notify_promoted(pk))
    return enrolment


def _run_row(run_id, *, lock: bool) -> CourseRun | None:
    """The run with the start of its first session, locked for update when `lock`."""
    runs = CourseRun.objects.annotate(
        first_start=Subquery(
            Session.objects.filter(run=OuterRef("pk"))
            .order_by("starts_at", "pk")
            .values("starts_at")[:1]
        )
    ).filter(pk=run_id)
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


def _refuse_if_on_it(enrolment: Enrolment | None) -> None:
    if enrolment is None or enrolment.status == Enrolment.Status.WITHDRAWN:
        return
    if enrolment.status == Enrolment.Status.WAITLISTED:
        raise BookingError(errors.ALREADY_WAITING.format(position=waiting_position(enrolment)))
    if enrolment.status == Enrolment.Status.COMPLETED:
        raise BookingError(errors.ALREADY_COMPLETED)
    raise BookingError(errors.ALREADY_BOOKED)


def places_taken(run: CourseRun) -> int:
    """Places taken on the run, counted from the rows."""
    return Enrolment.objects.filter(run=run).on_the_course().count()


def _promote_waiting(run: CourseRun) -> list[Enrolment]:
    """Give free places to the first people waiting, in order. Only while booking is open: once
    the course has started, or if it was cancelled, nobody is moved onto it."""
    if run.status != CourseRun.Status.OPEN or not run.first_start:
        return []
    if run.first_start <= timezone.now():
        return []
    free = run.capacity - places_taken(run)
    if free <= 0:
        return []
    promoted = list(
        Enrolment.objects.filter(run=run, status=Enrolment.Status.WAITLISTED).order_by(
            "enrolled_at", "pk"
        )[:free]
    )
    for enrolment in promoted:
        enrolment.status = Enrolment.Status.BOOKED
        enrolment.save(update_fields=["status"])
    return promoted


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


def _waiting_position_annotation():
    """waiting_position() for every row of an enrolment queryset, in the same query."""
    return count_rows(
        Enrolment.objects.filter(run=OuterRef("run"), status=Enrolment.Status.WAITLISTED).filter(
            Q(enrolled_at__lt=OuterRef("enrolled_at"))
            | Q(enrolled_at=OuterRef("enrolled_at"), pk__lte=OuterRef("pk"))
        )
    )


def _sessions_of_run(order="starts_at"):
    return Session.objects.filter(run=OuterRef("pk")).order_by(order, "pk")


def open_runs(*, trainee, site_slug: str | None = None, programme_id: int | None = None):
    """Runs open for booking whose first session is still to come, soonest first, each with its
    dates, places left and the trainee's own status. One query, however many runs."""
    taken = count_rows(Enrolment.objects.filter(run=OuterRef("pk")).on_the_course())
    runs = (
        CourseRun.objects.filter(status=CourseRun.Status.OPEN)
        .annotate(
            first_start=Subquery(_sessions_of_run().values("starts_at")[:1]),
            first_end=Subquery(_sessions_of_run().values("ends_at")[:1]),
            last_start=Subquery(_sessions_of_run("-starts_at").values("starts_at")[:1]),
            session_count=count_rows(Session.objects.filter(run=OuterRef("pk"))),
            places_left=F("capacity") - taken,
            my_status=Subquery(
                Enrolment.objects.filter(run=OuterRef("pk"), trainee=trainee).values("status")[:1]
            ),
        )
        .filter(first_start__gt=timezone.now())
        .select_related("venue", "site", "programme")
        .order_by("first_start", "pk")
    )
    if site_slug:
        runs = runs.filter(site__slug=site_slug)
    if programme_id:
        runs = runs.filter(programme_id=programme_id)
    return runs


def open_run_or_404(run_id: int) -> CourseRun:
    """A run open for booking (whether or not it has started); any other run is not found."""
    return get_object_or_404(CourseRun, pk=run_id, status=CourseRun.Status.OPEN)


def run_detail_for(*, trainee, run_id: int) -> dict:
    """Everything on a course's page for one trainee, in a fixed number of queries."""
    run = get_object_or_404(
        CourseRun.objects.filter(status=CourseRun.Status.OPEN)
        .select_related("venue", "site", "programme")
        .annotate(
            places_left=F("capacity")
            - count_rows(Enrolment.objects.filter(run=OuterRef("pk")).on_the_course())
        ),
        pk=run_id,
    )
    sessions = list(
        run.sessions.select_related("venue", "lay_tutor__user", "clinical_tutor__user").order_by(
            "starts_at", "pk"
        )
    )
    enrolment = (
        Enrolment.objects.filter(trainee=trainee, run=run)
        .annotate(position=_waiting_position_annotation())
        .first()
    )
    first_start = sessions[0].starts_at if sessions else None
    return {
        "run": run,
        "sessions": sessions,
        "venues": list(dict.fromkeys(session.venue for session in sessions)) or [run.venue],
        "lay_tutors": _names(session.lay_tutor for session in sessions),
        "clinical_tutors": _names(session.clinical_tutor for session in sessions),
        "enrolment": enrolment,
        "position": enrolment.position if enrolment and enrolment.status == "waitlisted" else None,
        "booking_open": first_start is not None and first_start > timezone.now(),
        "first_start": first_start,
    }


def _names(tutors) -> list[str]:
    return list(dict.fromkeys(tutor.name for tutor in tutors if tutor is not None))


def enrolment_on_run_or_404(*, trainee, run_id: int) -> Enrolment:
    """The trainee's enrolment on an open run, with the run; 404 if they have none."""
    return get_object_or_404(
        Enrolment.objects.select_related("run", "run__venue").annotate(
            position=_waiting_position_annotation()
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
    mail.send(
        to=[enrolment.trainee.email],
        subject=f"Your place on {enrolment.run.title}",
        template="courses/workshops/email/booking_confirmed.txt",
        context=_email_context(enrolment),
        attachments=_invitation(enrolment),
    )


def notify_waitlisted(enrolment_id: int) -> None:
    enrolment = _enrolment_for_email(enrolment_id)
    if enrolment is None or enrolment.status != Enrolment.Status.WAITLISTED:
        return
    position = waiting_position(enrolment)
    mail.send(
        to=[enrolment.trainee.email],
        subject=f"You are number {position} on the waiting list for {enrolment.run.title}",
        template="courses/workshops/email/booking_waitlisted.txt",
        context={**_email_context(enrolment), "position": position},
    )


def notify_promoted(enrolment_id: int) -> None:
    enrolment = _enrolment_for_email(enrolment_id)
    if enrolment is None or enrolment.status != Enrolment.Status.BOOKED:
        return
    mail.send(
        to=[enrolment.trainee.email],
        subject=f"A place has come up for you on {enrolment.run.title}",
        template="courses/workshops/email/booking_promoted.txt",
        context=_email_context(enrolment),
        attachments=_invitation(enrolment),
    )


def notify_withdrawn(enrolment_id: int, gave_up_a_place: bool) -> None:
    enrolment = _enrolment_for_email(enrolment_id)
    if enrolment is None or enrolment.status != Enrolment.Status.WITHDRAWN:
        return
    mail.send(
        to=[enrolment.trainee.email],
        subject=(
            f"You have cancelled your place on {enrolment.run.title}"
            if gave_up_a_place
            else f"You have left the waiting list for {enrolment.run.title}"
        ),
        template="courses/workshops/email/booking_withdrawn.txt",
        context={**_email_context(enrolment), "gave_up_a_place": gave_up_a_place},
    )
