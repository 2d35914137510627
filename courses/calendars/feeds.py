"""Calendars (RFC 5545): a person's private feed of what they teach and what they booked, and the
invitation a booking email carries.

The feed address holds a long random token instead of a login, because calendar programs cannot
sign in; the token is the secret, so a person can reset it and the old address stops working.
"""

import secrets
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from courses.common.links import course_url, session_plan_url
from courses.common.wording import (
    access_notes,
    place,
    summary,
    tutor_names,
)
from courses.models import CalendarFeed, CourseRun, Enrolment, Session, TutorKind

# Tutors see what they taught recently (to find a register they still have to mark), not years back.
TUTOR_HISTORY = timedelta(days=30)
# How often calendar programs should fetch the feed again (Outlook and Apple honour it; Google
# refreshes on its own schedule, every few hours).
REFRESH_INTERVAL = timedelta(hours=4)
SESSION_JOINS = [
    "run__programme",
    "venue",
    "lay_tutor__user",
    "clinical_tutor__user",
]


# --- services -----------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def calendar_feed_ensure(*, user) -> CalendarFeed:
    """The person's feed, created with a new secret address if they have none."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"token": _new_token()})
    return feed


@transaction.atomic
def calendar_feed_reset(*, user) -> CalendarFeed:
    """Give the person's feed a new secret address; the old one stops working at once."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_new_token())
    feed.token = _new_token()
    feed.save(update_fields=["token", "created_at"])
    return feed


# --- events -------------------------------------------------------------------------------------


def _host() -> str:
    return urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"


def _calendar(*, uid: str, name: str | None = None) -> Calendar:
    return Calendar.new(
        prodid=f"-//{settings.SERVICE_NAME}//Course calendar//EN",
        uid=f"{uid}@{_host()}",
        name=name,
        method="PUBLISH",
    )


def _event(session: Session, *, description: list[str], stamp) -> Event:
    event = Event.new(
        uid=f"session-{session.pk}@{_host()}",
        stamp=stamp,
        start=session.starts_at.astimezone(UTC),
        end=session.ends_at.astimezone(UTC),
        summary=summary(session),
        location=place(session.venue),
        description="\n".join(description),
        status="TENTATIVE" if session.run.status == CourseRun.Status.PLANNING else "CONFIRMED",
    )
    return event


def trainee_description(session: Session) -> list[str]:
    return [
        f"{session.run.title}.",
        f"Tutors: {tutor_names(session)}.",
        f"Venue: {place(session.venue)}.",
        *access_notes(session.venue),
        f"Course page: {course_url(session.run_id)}",
    ]


def tutor_description(session: Session, user_id: int) -> list[str]:
    co_tutor = session.co_tutor_of(user_id)
    if co_tutor is None:
        co_teaching = "Co-tutor: not assigned yet."
    else:
        co_teaching = f"Co-tutor: {co_tutor.name} ({TutorKind(co_tutor.kind).label.lower()})."
    return [
        f"{session.run.title}. You are teaching.",
        co_teaching,
        f"Venue: {place(session.venue)}.",
        *access_notes(session.venue),
        f"Session plan: {session_plan_url(session.pk)}",
    ]


def session_invitation(session: Session) -> bytes:
    """One session as a calendar to import (reminder emails attach it). Reads no more rows when
    the session was loaded with SESSION_JOINS."""
    calendar = _calendar(uid=f"session-{session.pk}")
    calendar.add_component(
        _event(session, description=trainee_description(session), stamp=timezone.now())
    )
    return calendar.to_ical()


def invitation_for(enrolment: Enrolment) -> bytes:
    """Every session of the enrolment's run as a calendar to import: booking emails attach it as
    ("course-dates.ics", invitation_for(enrolment), "text/calendar")."""
    sessions = (
        Session.objects.filter(run_id=enrolment.run_id)
        .select_related(*SESSION_JOINS)
        .order_by("number")
    )
    calendar = _calendar(uid=f"run-{enrolment.run_id}")
    stamp = timezone.now()
    for session in sessions:
        calendar.add_component(
            _event(session, description=trainee_description(session), stamp=stamp)
        )
    return calendar.to_ical()


# --- the feed -----------------------------------------------------------------------------------


def feed_sessions(user_id: int, *, now=None):
    """One query: the sessions a person teaches (from 30 days ago on) and every session of the
    runs they are booked on, none of a cancelled run."""
    now = now or timezone.now()
    teaching = Q(lay_tutor__user_id=user_id) | Q(clinical_tutor__user_id=user_id)
    booked_runs = Enrolment.objects.filter(
        trainee_id=user_id, status__in=Enrolment.ON_THE_COURSE, run__isnull=False
    ).values("run_id")
    return (
        Session.objects.filter(
            (teaching & Q(starts_at__gte=now - TUTOR_HISTORY)) | Q(run_id__in=booked_runs)
        )
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .select_related(*SESSION_JOINS)
        .order_by("starts_at", "pk")
    )


def feed_for(feed: CalendarFeed) -> bytes:
    """The person's calendar: what they teach, with co-tutor, venue and plan; what they booked.
    A fixed number of queries however many sessions."""
    user_id = feed.user_id
    calendar = _calendar(uid=f"feed-{feed.pk}", name=f"{settings.SERVICE_NAME}: my sessions")
    calendar.add("X-WR-CALDESC", "Course sessions you teach or have booked.")
    calendar.add("X-WR-TIMEZONE", settings.TIME_ZONE)
    calendar.refresh_interval = REFRESH_INTERVAL
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    stamp = timezone.now()
    for session in feed_sessions(user_id, now=stamp):
        if session.is_taught_by(user_id):
            description = tutor_description(session, user_id)
        else:
            description = trainee_description(session)
        calendar.add_component(_event(session, description=description, stamp=stamp))
    return calendar.to_ical()
