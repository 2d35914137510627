"""Waiting-list offers: a freed place is offered, not handed over.

When a place on a run frees up while booking is open (someone withdraws or is taken off, an
offer is declined or lapses), the first person waiting is offered it until a deadline
(`offer_deadline`): the run's `offer_hours`, shortened so that it ends an hour before the first
session. In the last day before the first session (`LAST_DAY`), the place is offered to everyone
waiting at once, and the first to accept it takes it. An open offer holds its place
(`booking.places_taken` counts it once), so nobody new can book it meanwhile: they join the
waiting list.

The person answers through a signed link (`offer_token`), which works without signing in, is
single use (the offer's status) and ends at the offer's deadline. Accepting books them in one
durable transaction that locks the run's row, as `booking.run_book` does, and re-checks the
offer and the booking rules under the lock; the proof is
`tests/courses/workshops/test_offer_race.py` (PostgreSQL). Declining, or letting the deadline
pass (`offers_expire_due`, run by the scheduler), offers the place to the next person; whoever
let it lapse stays on the waiting list and is told so.

Every person is told by their chosen channel (`courses.common.channels.tell`), once the change
is saved."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from courses import errors
from courses.common import links, wording
from courses.common.channels import tell
from courses.errors import CoursesError
from courses.models import CourseRun, Enrolment, PlaceOffer
from courses.workshops import booking

ENDS_BEFORE_START = timedelta(hours=1)
"""An offer ends at least this long before the course's first session."""

LAST_DAY = timedelta(hours=24)
"""From this long before the first session, a freed place is offered to everyone waiting."""

LINK_SALT = "courses.workshops.offers.respond"

OPEN = PlaceOffer.Status.OPEN


class OfferError(CoursesError):
    """A refused answer to an offer. Nothing was changed."""


# --- rules ------------------------------------------------------------------------------------


def offer_deadline(run: CourseRun, *, now: datetime) -> datetime:
    """When an offer made `now` ends: `run.offer_hours` from now, but no later than an hour
    before the first session (ENDS_BEFORE_START), so that whoever accepts has time to get there
    and a place let go can still be offered to the next person. An offer made less than an hour
    before the first session lasts until the session starts (booking closes then)."""
    deadline = min(now + timedelta(hours=run.offer_hours), run.first_start - ENDS_BEFORE_START)
    return deadline if deadline > now else run.first_start


def is_last_day(run: CourseRun, *, now: datetime) -> bool:
    """Within the last day before the first session: a freed place goes to everyone waiting."""
    return run.first_start - now <= LAST_DAY


def deadline_words(moment: datetime) -> str:
    """'14:00 on Tuesday 5 January', in local time."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'H:i')} on {date_format(local, 'l j F')}"


def _bookable(run: CourseRun | None, now: datetime) -> bool:
    return (
        run is not None
        and run.status == CourseRun.Status.OPEN
        and run.first_start is not None
        and run.first_start > now
    )


# --- making offers: inside the caller's transaction, with the run's row locked ---------------


def offers_make(*, run: CourseRun, now: datetime | None = None) -> list[PlaceOffer]:
    """Offer each free place of `run` that no open offer holds, each to the next person waiting
    with no open offer (in the last day, to all of them at once), while booking is open.

    Call inside the caller's transaction with the run's row locked (`booking.run_row(...,
    lock=True)`, which gives the run its dates); the people offered are told once it commits."""
    now = now or timezone.now()
    if not _bookable(run, now):
        return []
    made = []
    for _ in range(run.capacity - booking.places_taken(run)):
        offered = _offer_place(run, place=uuid.uuid4(), now=now)
        if not offered:
            break
        made += offered
    return made


def offers_after_withdrawal(*, run: CourseRun, enrolment: Enrolment) -> None:
    """After `enrolment` left `run` (under the run's lock): their open offers close, and the place
    each held goes to the next person; then every free place is offered."""
    now = timezone.now()
    closing = list(PlaceOffer.objects.open().filter(enrolment=enrolment))
    PlaceOffer.objects.filter(pk__in=[offer.pk for offer in closing]).update(
        status=PlaceOffer.Status.CLOSED, answered_at=now
    )
    for place in dict.fromkeys(offer.place for offer in closing):
        _pass_on(run, place=place, now=now)
    offers_make(run=run, now=now)


def offers_close_for_run(*, run: CourseRun) -> int:
    """A cancelled run's open offers close at once (nobody can take a place on it now), so no
    place stays held and no page or list shows an offer to answer. Returns how many closed."""
    return (
        PlaceOffer.objects.open()
        .filter(run=run)
        .update(status=PlaceOffer.Status.CLOSED, answered_at=timezone.now())
    )


def _offer_place(run: CourseRun, *, place, now: datetime) -> list[PlaceOffer]:
    """Offer the place `place` to the first person waiting who has no open offer and has not
    been offered this place before; in the last day, to all of them at once."""
    waiting = (
        Enrolment.objects.filter(run=run, status=Enrolment.Status.WAITLISTED)
        .exclude(offers__status=OPEN)
        .exclude(offers__place=place)
        .order_by("enrolled_at", "pk")
    )
    to_all = is_last_day(run, now=now)
    people = list(waiting if to_all else waiting[:1])
    if not people:
        return []
    expires_at = offer_deadline(run, now=now)
    made = PlaceOffer.objects.bulk_create(
        PlaceOffer(
            run=run,
            enrolment=enrolment,
            place=place,
            to_all=to_all,
            made_at=now,
            expires_at=expires_at,
        )
        for enrolment in people
    )
    for offer in made:
        transaction.on_commit(lambda pk=offer.pk: notify_offer_made(pk))
    return made


def _pass_on(run: CourseRun, *, place, now: datetime) -> list[PlaceOffer]:
    """The place `place` was let go (declined, lapsed, closed): offer it to the next person,
    unless someone else still holds an open offer of it or the run has no free place."""
    if not _bookable(run, now):
        return []
    if PlaceOffer.objects.open().filter(run=run, place=place).exists():
        return []
    if booking.places_taken(run) >= run.capacity:
        return []
    return _offer_place(run, place=place, now=now)


# --- answering an offer ---------------------------------------------------------------------


def _offer_row(offer_id: int) -> PlaceOffer:
    offer = PlaceOffer.objects.select_related("enrolment__trainee").filter(pk=offer_id).first()
    if offer is None:
        raise Http404("No such offer.")
    return offer


def _refuse_unless_open(offer: PlaceOffer, run: CourseRun, now: datetime) -> None:
    """Refused, naming why: already accepted, the run cancelled or started, declined, no longer
    waiting, the place taken by someone else (last-day offers), or the deadline passed."""
    enrolment = offer.enrolment
    if offer.status == PlaceOffer.Status.ACCEPTED:
        raise OfferError(errors.OFFER_ALREADY_ACCEPTED.format(course=run.title))
    if run.status != CourseRun.Status.OPEN or run.first_start is None:
        raise OfferError(errors.OFFER_RUN_NOT_OPEN.format(course=run.title))
    if run.first_start <= now:
        raise OfferError(errors.OFFER_RUN_STARTED.format(course=run.title))
    if offer.status == PlaceOffer.Status.CLOSED or enrolment.status != Enrolment.Status.WAITLISTED:
        raise OfferError(errors.OFFER_CLOSED.format(course=run.title))
    position = booking.waiting_position(enrolment)
    if offer.status == PlaceOffer.Status.DECLINED:
        raise OfferError(errors.OFFER_ALREADY_DECLINED.format(position=position))
    if offer.status == PlaceOffer.Status.TAKEN:
        raise OfferError(errors.OFFER_TAKEN.format(position=position))
    if offer.status == PlaceOffer.Status.LAPSED or offer.expires_at <= now:
        raise OfferError(
            errors.OFFER_EXPIRED.format(
                deadline=deadline_words(offer.expires_at), position=position
            )
        )


@transaction.atomic(durable=True)
def offer_accept(*, offer_id: int) -> PlaceOffer:
    """The person takes the place they were offered: they are booked, and told so.

    Like `booking.run_book`: the checks that need no lock first, then the person's row and the
    run's row locked, and every check again under the lock (the offer still open and in time,
    the run open and not started, no overlapping run held). Of a last-day offer to all, the
    first to accept takes the place and the others' offers close as taken ("the place has been
    taken"); they stay on the waiting list and are told."""
    offer = _offer_row(offer_id)
    person = offer.enrolment.trainee
    _refuse_unless_open(offer, booking.run_row(offer.run_id, lock=False), timezone.now())

    booking.lock_person(person)
    run = booking.run_row(offer.run_id, lock=booking.LOCK_RUN_ROW)
    offer = _offer_row(offer_id)  # as it is now, behind anyone who answered first
    if booking.after_count is not None:
        booking.after_count(run)
    now = timezone.now()
    _refuse_unless_open(offer, run, now)
    booking.refuse_if_overlapping(person, run)

    enrolment = offer.enrolment
    enrolment.status = Enrolment.Status.BOOKED
    enrolment.save(update_fields=["status"])
    taken = list(
        PlaceOffer.objects.open()
        .filter(run=run, place=offer.place)
        .exclude(pk=offer.pk)
        .values_list("pk", flat=True)
    )
    # One statement for the whole place: offers answered at once never lock each other's rows in
    # opposite orders.
    PlaceOffer.objects.open().filter(run=run, place=offer.place).update(
        status=Case(
            When(pk=offer.pk, then=Value(PlaceOffer.Status.ACCEPTED)),
            default=Value(PlaceOffer.Status.TAKEN),
        ),
        answered_at=now,
    )
    offer.status, offer.answered_at = PlaceOffer.Status.ACCEPTED, now
    # Offers of other places to the same person (last-day offers of two places) go to others.
    others = list(PlaceOffer.objects.open().filter(enrolment=enrolment))
    PlaceOffer.objects.filter(pk__in=[other.pk for other in others]).update(
        status=PlaceOffer.Status.CLOSED, answered_at=now
    )
    for place in dict.fromkeys(other.place for other in others):
        _pass_on(run, place=place, now=now)

    transaction.on_commit(lambda: booking.notify_booked(enrolment.pk))
    for pk in taken:
        transaction.on_commit(lambda pk=pk: notify_offer_taken(pk))
    return offer


@transaction.atomic(durable=True)
def offer_decline(*, offer_id: int) -> PlaceOffer:
    """The person does not want the place: they stay on the waiting list, and the place is
    offered to the next person (unless others still hold a last-day offer of it)."""
    offer = _offer_row(offer_id)
    run = booking.run_row(offer.run_id, lock=True)
    offer = _offer_row(offer_id)
    now = timezone.now()
    _refuse_unless_open(offer, run, now)
    offer.status, offer.answered_at = PlaceOffer.Status.DECLINED, now
    offer.save(update_fields=["status", "answered_at"])
    _pass_on(run, place=offer.place, now=now)
    return offer


# --- the scheduler ---------------------------------------------------------------------------


def offers_expire_due(*, now: datetime | None = None) -> int:
    """Close every open offer whose deadline has passed, run by run: each person is told they
    are still on the waiting list, and each place goes to the next person. Offers on a run that
    was cancelled or has started close without a message. Safe to run twice: an offer closes
    once. Returns how many offers closed."""
    now = now or timezone.now()
    run_ids = sorted(
        set(PlaceOffer.objects.open().filter(expires_at__lte=now).values_list("run_id", flat=True))
    )
    return sum(_expire_for_run(run_id, now) for run_id in run_ids)


@transaction.atomic(durable=True)
def _expire_for_run(run_id: int, now: datetime) -> int:
    run = booking.run_row(run_id, lock=True)
    due = list(PlaceOffer.objects.open().filter(run_id=run_id, expires_at__lte=now))
    bookable = _bookable(run, now)
    PlaceOffer.objects.filter(pk__in=[offer.pk for offer in due]).update(
        status=PlaceOffer.Status.LAPSED if bookable else PlaceOffer.Status.CLOSED,
        answered_at=now,
    )
    if bookable:
        for offer in due:
            transaction.on_commit(lambda pk=offer.pk: notify_offer_lapsed(pk))
        for place in dict.fromkeys(offer.place for offer in due):
            _pass_on(run, place=place, now=now)
    return len(due)


# --- links and reads -------------------------------------------------------------------------


def offer_token(offer: PlaceOffer) -> str:
    """The signed token of the offer's link: it names the offer and cannot be forged."""
    return signing.Signer(salt=LINK_SALT).sign_object(offer.pk)


def offer_url(offer: PlaceOffer) -> str:
    return links.absolute("courses:offer_respond", offer_token(offer))


def offer_id_or_404(token: str) -> int:
    """The offer a link's token names; a forged, altered or cut token is not found."""
    try:
        offer_id = signing.Signer(salt=LINK_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise Http404("No such offer.") from error
    if not isinstance(offer_id, int):
        raise Http404("No such offer.")
    return offer_id


def offer_page_for(*, token: str) -> dict:
    """The offer's page, for anyone with its link: the course (title, dates, venue, sessions),
    the deadline, the person's place on the waiting list, and why it can no longer be answered
    (if it cannot). A fixed number of queries."""
    offer = _offer_row(offer_id_or_404(token))
    run = (
        CourseRun.objects.with_dates()
        .select_related("venue", "site", "programme")
        .get(pk=offer.run_id)
    )
    sessions = list(run.sessions.select_related("venue").order_by("starts_at", "pk"))
    refusal = None
    try:
        _refuse_unless_open(offer, run, timezone.now())
    except OfferError as error:
        refusal = error.message
    return {
        "offer": offer,
        "run": run,
        "sessions": sessions,
        "venues": list(dict.fromkeys(session.venue for session in sessions)) or [run.venue],
        "deadline": deadline_words(offer.expires_at),
        "position": booking.waiting_position(offer.enrolment),
        "refusal": refusal,
        "token": token,
    }


def open_offer_for(enrolment: Enrolment | None) -> PlaceOffer | None:
    """The waiting person's open offer, with its link and deadline in words; None if none."""
    if enrolment is None or enrolment.status != Enrolment.Status.WAITLISTED:
        return None
    offer = (
        PlaceOffer.objects.open()
        .filter(enrolment=enrolment, expires_at__gt=timezone.now())
        .order_by("expires_at", "pk")
        .first()
    )
    if offer is not None:
        offer.respond_path = reverse("courses:offer_respond", args=[offer_token(offer)])
        offer.deadline = deadline_words(offer.expires_at)
    return offer


def open_offer_until():
    """For each enrolment of a queryset, when its open offer ends (None if it has none)."""
    return Subquery(
        PlaceOffer.objects.open()
        .filter(enrolment=OuterRef("pk"))
        .order_by("expires_at")
        .values("expires_at")[:1]
    )


# --- messages, sent on commit with ids ---------------------------------------------------------


def _offer_for_message(offer_id: int) -> PlaceOffer | None:
    return (
        PlaceOffer.objects.select_related(
            "enrolment__trainee", "run__venue", "run__site", "run__programme"
        )
        .filter(pk=offer_id)
        .first()
    )


def _message_context(offer: PlaceOffer) -> dict:
    run = offer.run
    return {
        "offer": offer,
        "trainee": offer.enrolment.trainee,
        "run": run,
        "sessions": list(run.sessions.select_related("venue").order_by("starts_at", "pk")),
        "venue": run.venue,
        "access": wording.access_notes(run.venue),
        "course_url": links.course_url(run.pk),
        "respond_url": offer_url(offer),
        "deadline": deadline_words(offer.expires_at),
        "position": booking.waiting_position(offer.enrolment),
    }


# The kinds of text Notify knows (cms.texts.KINDS): an offer made has its own template.
OFFER_KINDS = {"offer_made": "place_offered"}


def _tell(offer: PlaceOffer, *, subject: str, name: str) -> None:
    tell(
        offer.enrolment.trainee,
        subject=subject,
        template=f"courses/workshops/email/{name}.txt",
        context=_message_context(offer),
        kind=OFFER_KINDS.get(name, name),
        run=offer.run,
    )


def notify_offer_made(offer_id: int) -> None:
    offer = _offer_for_message(offer_id)
    if offer is None or offer.status != OPEN:
        return
    _tell(
        offer,
        subject=(
            f"A place has come up on {offer.run.title}: "
            f"accept it by {deadline_words(offer.expires_at)}"
        ),
        name="offer_made",
    )


def notify_offer_lapsed(offer_id: int) -> None:
    offer = _offer_for_message(offer_id)
    if offer is None or offer.status != PlaceOffer.Status.LAPSED:
        return
    if offer.enrolment.status != Enrolment.Status.WAITLISTED:
        return
    _tell(
        offer,
        subject=f"Your offer of a place on {offer.run.title} has ended",
        name="offer_lapsed",
    )


def notify_offer_taken(offer_id: int) -> None:
    offer = _offer_for_message(offer_id)
    if offer is None or offer.status != PlaceOffer.Status.TAKEN:
        return
    if offer.enrolment.status != Enrolment.Status.WAITLISTED:
        return
    _tell(
        offer,
        subject=f"The place on {offer.run.title} has been taken",
        name="offer_taken",
    )
