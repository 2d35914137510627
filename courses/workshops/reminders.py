"""Reminders before each session: an email to its two tutors, and to everyone booked by the way
they chose (email, text or letter; by letter only the earliest reminder, when it can arrive in
time: `in_time_by_letter`).

`reminders_send_due` runs on a schedule (the `send_due_reminders` task, from the `send_reminders`
command, cron or a worker). It is safe to run twice, even at the same moment on two machines: each
reminder is claimed by inserting its `ReminderSent` row, and only the run whose insert went in
sends the email."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from cms.models import ContactChannel
from courses.calendars import feeds
from courses.common import channels, links, mail, wording
from courses.common.queries import insert_claims
from courses.models import CourseRun, Enrolment, ReminderSent, Session, TutorKind

logger = logging.getLogger(__name__)

# The longest reminder a lead can set (see parse_reminder_days): sessions further off need nothing.
LONGEST_REMINDER = timedelta(days=60)
# A letter is printed in the lead's next batch, posted and delivered: a reminder by letter is sent
# only at the run's earliest reminder day and only when that is at least this many days ahead, so
# it arrives in time. Nearer reminders would arrive after the session (the booking letter already
# lists every date).
LETTER_NOTICE_DAYS = 5


@dataclass(frozen=True)
class Reminder:
    session: Session
    person: object  # a User
    days_before: int
    as_tutor: bool

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.session.pk, self.person.pk, self.days_before)


def nearest_due(session: Session, now: datetime) -> int | None:
    """The reminder to send now: of the run's reminder days `d` with
    starts_at - d days <= now < starts_at, the smallest. Someone added late gets the 1-day
    reminder, not a stale 7-day one as well."""
    if not now < session.starts_at:
        return None
    try:
        days = session.run.reminder_day_list
    except ValueError:
        logger.warning("Run %s has unreadable reminder days; no reminders sent.", session.run_id)
        return None
    due = [d for d in days if session.starts_at - timedelta(days=d) <= now]
    return min(due, default=None)


def in_time_by_letter(session: Session, days_before: int) -> bool:
    """Whether a reminder `days_before` the session is one to send by letter: the run's earliest
    reminder day, and at least LETTER_NOTICE_DAYS ahead."""
    return days_before >= LETTER_NOTICE_DAYS and days_before == max(
        session.run.reminder_day_list, default=0
    )


def due_reminders(now: datetime) -> list[Reminder]:
    """Every reminder due now and not yet sent, in three queries however many sessions."""
    due_days = {}
    sessions = (
        Session.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + LONGEST_REMINDER,
            run__status=CourseRun.Status.OPEN,
        )
        .select_related(*feeds.SESSION_JOINS, "run__site")
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        days = nearest_due(session, now)
        if days is not None:
            due_days[session] = days
    if not due_days:
        return []

    trainees_of_run = {}
    enrolments = Enrolment.objects.filter(
        run_id__in={session.run_id for session in due_days},
        status__in=Enrolment.ON_THE_COURSE,
        trainee__is_active=True,
    ).select_related("trainee")
    for enrolment in enrolments:
        trainees_of_run.setdefault(enrolment.run_id, []).append(enrolment.trainee)
    already_sent = set(
        ReminderSent.objects.filter(
            session_id__in=[session.pk for session in due_days]
        ).values_list("session_id", "user_id", "days_before")
    )

    reminders = []
    for session, days in due_days.items():
        people = {}
        for trainee in trainees_of_run.get(session.run_id, []):
            people[trainee.pk] = (trainee, False)
        for tutor in (session.lay_tutor, session.clinical_tutor):
            if tutor is not None and tutor.user.is_active:
                people[tutor.user_id] = (tutor.user, True)  # teaching wins over being booked
        for person, as_tutor in people.values():
            reminder = Reminder(session, person, days, as_tutor)
            if as_tutor:
                channel = ContactChannel.EMAIL if person.email else ""
            else:
                channel = channels.channel_for(person)
            if channel == ContactChannel.LETTER and not in_time_by_letter(session, days):
                continue
            if channel and reminder.key not in already_sent:
                reminders.append(reminder)
    return reminders


def claim(reminders: list[Reminder]) -> list[Reminder]:
    """Insert a ReminderSent row for each reminder; return the ones whose row this call inserted."""
    by_key = {reminder.key: reminder for reminder in reminders}
    inserted = insert_claims(ReminderSent, ("session", "user", "days_before"), list(by_key))
    return [by_key[key] for key in inserted]


def _tutor_email(reminder: Reminder) -> dict:
    session = reminder.session
    co_tutor = session.co_tutor_of(reminder.person.pk)
    return {
        "subject": f"Reminder: you are teaching {wording.summary(session)} on "
        f"{date_format(timezone.localtime(session.starts_at), 'l j F')}",
        "template": "courses/workshops/email/reminder_tutor.txt",
        "context": {
            "person": reminder.person,
            "session": session,
            "when": wording.when(session),
            "place": wording.place(session.venue),
            "access": wording.access_notes(session.venue),
            "co_tutor": co_tutor,
            "co_tutor_role": TutorKind(co_tutor.kind).label.lower() if co_tutor else "",
            "plan_url": links.session_plan_url(session.pk),
            "register_url": links.session_register_url(session.pk),
        },
    }


def _trainee_email(reminder: Reminder) -> dict:
    session = reminder.session
    return {
        "subject": f"Reminder: {wording.summary(session)} on "
        f"{date_format(timezone.localtime(session.starts_at), 'l j F')}",
        "template": "courses/workshops/email/reminder_trainee.txt",
        "context": {
            "person": reminder.person,
            "session": session,
            "run": session.run,
            "when": wording.when(session),
            "venue": session.venue,
            "address": wording.address_lines(session.venue),
            "access": wording.access_notes(session.venue),
            "tutors": wording.tutor_names(session),
            "course_url": links.course_url(session.run_id),
        },
    }


def send_reminder(reminder: Reminder) -> None:
    """A tutor's reminder is an email; a trainee's goes by their channel (email with the
    session's calendar file, a text, or a letter)."""
    attachments = [("session.ics", feeds.session_invitation(reminder.session), "text/calendar")]
    if reminder.as_tutor:
        mail.send(to=[reminder.person.email], attachments=attachments, **_tutor_email(reminder))
        return
    channels.tell(
        reminder.person,
        kind="reminder",
        run=reminder.session.run,
        attachments=attachments,
        **_trainee_email(reminder),
    )


def _send_all(reminders: list[Reminder]) -> None:
    for reminder in reminders:
        # One address the mail server refuses must not stop everyone else's reminder.
        try:
            send_reminder(reminder)
        except Exception:
            logger.exception(
                "Could not send the %s-day reminder of session %s to user %s.",
                reminder.days_before,
                reminder.session.pk,
                reminder.person.pk,
            )


def reminders_send_due() -> int:
    """Email each assigned tutor and each booked trainee the reminder due now for each session
    of an open run. Returns how many reminders were claimed (each is sent after commit)."""
    now = timezone.now()
    with transaction.atomic():
        claimed = claim(due_reminders(now))
        # Sent only once the claims are saved: a rolled-back claim sends nothing.
        transaction.on_commit(lambda: _send_all(claimed))
    return len(claimed)
