"""How a session, a venue and its tutors are put in words on pages, in emails and in calendars."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format, time_format

from cms.curricula.vocabulary import Track
from cms.models import Audience
from courses.models import Session

TRACK_GROUPS = {
    Track.PATIENT: "people living with a long-term condition",
    Track.PROFESSIONAL: "people who work in health or care",
}


def when_text(moment_start: datetime, moment_end: datetime) -> str:
    """'Tuesday 12 January 2027, 10:00 to 13:00', in local time."""
    start = timezone.localtime(moment_start)
    end = timezone.localtime(moment_end)
    return (
        f"{date_format(start, 'l j F Y')}, {time_format(start, 'H:i')} to {time_format(end, 'H:i')}"
    )


AUDIENCE_SAID = {
    Audience.CONDITION: "you live with a long-term condition",
    Audience.PROFESSIONAL: "you work in health or care",
    Audience.BOTH: "you live with a long-term condition and work in health or care",
}


def audience_said(audience: str) -> str:
    """What a person told us of themselves, to follow "you told us": 'you work in health or
    care'."""
    return AUDIENCE_SAID[Audience(audience)]


def track_group(track: str) -> str:
    """Whom a course of `track` is for, to follow "for": 'people who work in health or care'."""
    return TRACK_GROUPS[Track(track)]


def date_span(start: datetime, end: datetime) -> str:
    """'Tuesday 12 January to Tuesday 23 February 2027', in local dates (the year on both ends
    when they differ)."""
    first, last = timezone.localtime(start), timezone.localtime(end)
    if first.date() == last.date():
        return date_format(first, "l j F Y")
    if first.year == last.year:
        return f"{date_format(first, 'l j F')} to {date_format(last, 'l j F Y')}"
    return f"{date_format(first, 'l j F Y')} to {date_format(last, 'l j F Y')}"


def when(session: Session) -> str:
    """'Tuesday 12 January 2027, 10:00 to 13:00', in local time."""
    return when_text(session.starts_at, session.ends_at)


def who_it_is_for(track: str) -> str:
    """Whom a programme's courses are for, from its track, as a finder or a course page says it:
    'For people who work in health or care'."""
    return f"For {track_group(track)}" if track in TRACK_GROUPS else ""


def access_notes(venue) -> list[str]:
    """What someone with a disability needs to know about getting in and hearing."""
    notes = []
    notes.append("Step-free access." if venue.step_free else "No step-free access.")
    if venue.hearing_loop:
        notes.append("Hearing loop available.")
    if venue.access_notes.strip():
        notes.append(venue.access_notes.strip())
    return notes


def address_lines(venue) -> list[str]:
    """The venue's address without a first line that only repeats the venue's name."""
    lines = [line.strip().rstrip(",") for line in venue.address.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    if lines and lines[0].casefold() == venue.name.casefold():
        lines = lines[1:]
    if venue.postcode and venue.postcode not in lines:
        lines.append(venue.postcode)
    return lines


def place(venue) -> str:
    """Venue name and address on one line, as calendar programs show a location."""
    return ", ".join([venue.name, *address_lines(venue)])


def tutor_names(session: Session) -> str:
    names = [tutor.name for tutor in (session.lay_tutor, session.clinical_tutor) if tutor]
    return " and ".join(names) if names else "to be confirmed"


def summary(session: Session) -> str:
    return f"{session.run.programme.title} – session {session.number}"
