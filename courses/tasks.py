"""Background work for course delivery: reminder emails before each session, and for the
before and after reflections.

`send_due_reminders` runs on a schedule (the `send_reminders` command, from cron or a worker). It is
safe to run twice, even at the same moment on two machines: each reminder is claimed by inserting
its `ReminderSent` row, and only the run whose insert went in sends the email.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.formats import date_format

from assessments.models import Phase, ReflectionReminder
from courses.calendars import feeds
from courses.dashboard import figures
from courses.models import CourseRun, Enrolment, ReminderSent, Session, TutorKind
from courses.reflections import administrations
from courses.workshops import emails

logger = logging.getLogger(__name__)

# The longest reminder a lead can set (see parse_reminder_days): sessions further off need nothing.
LONGEST_REMINDER = timedelta(days=60)
# Rows per INSERT: four parameters each stays well under every database's parameter limit.
CLAIM_BATCH = 500


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


def due_reminders(now: datetime) -> list[Reminder]:
    """Every reminder due now and not yet sent, in three queries however many sessions."""
    due_days = {}
    sessions = (
        Session.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + LONGEST_REMINDER,
            run__status=CourseRun.Status.OPEN,
        )
        .select_related(*feeds.SESSION_JOINS)
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
        status__in=feeds.ACTIVE_BOOKING,
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
            if person.email and reminder.key not in already_sent:
                reminders.append(reminder)
    return reminders


def claim(reminders: list[Reminder]) -> list[Reminder]:
    """Insert a ReminderSent row for each reminder; return the ones whose row this call inserted."""
    by_key = {reminder.key: reminder for reminder in reminders}
    inserted = insert_claims(ReminderSent, ("session", "user", "days_before"), list(by_key))
    return [by_key[key] for key in inserted]


def insert_claims(model, key_fields: tuple[str, ...], keys: list[tuple]) -> list[tuple]:
    """Insert one row of `model` per key (values of `key_fields`, sent_at now); return the keys
    whose row this call inserted.

    A row that already exists (another run got there first, even one still in its transaction)
    is skipped by the database and not returned, so its email is sent once. Django's
    bulk_create(ignore_conflicts=True) cannot say which rows it inserted, hence RETURNING."""
    if not keys:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    key_columns = ", ".join(quote(meta.get_field(name).column) for name in key_fields)
    table = quote(meta.db_table)
    sent_at_column = quote(meta.get_field("sent_at").column)
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    placeholders = "(" + ", ".join(["%s"] * (len(key_fields) + 1)) + ")"
    inserted = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CLAIM_BATCH):
            batch = keys[start : start + CLAIM_BATCH]
            rows = ", ".join([placeholders] * len(batch))
            # Only quoted names from the model go into the text; every value is a parameter.
            sql = (
                f"INSERT INTO {table} ({key_columns}, {sent_at_column}) VALUES {rows} "  # noqa: S608
                f"ON CONFLICT DO NOTHING RETURNING {key_columns}"
            )
            cursor.execute(sql, [value for key in batch for value in (*key, sent_at)])
            inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted


def _tutor_email(reminder: Reminder) -> dict:
    session = reminder.session
    co_tutor = feeds.co_tutor_of(session, reminder.person.pk)
    return {
        "subject": f"Reminder: you are teaching {feeds.summary(session)} on "
        f"{date_format(timezone.localtime(session.starts_at), 'l j F')}",
        "template": "reminder_tutor",
        "context": {
            "person": reminder.person,
            "session": session,
            "when": feeds.when(session),
            "place": feeds.place(session.venue),
            "access": feeds.access_notes(session.venue),
            "co_tutor": co_tutor,
            "co_tutor_role": TutorKind(co_tutor.kind).label.lower() if co_tutor else "",
            "plan_url": feeds.session_plan_url(session.pk),
            "register_url": feeds.session_register_url(session.pk),
        },
    }


def _trainee_email(reminder: Reminder) -> dict:
    session = reminder.session
    return {
        "subject": f"Reminder: {feeds.summary(session)} on "
        f"{date_format(timezone.localtime(session.starts_at), 'l j F')}",
        "template": "reminder_trainee",
        "context": {
            "person": reminder.person,
            "session": session,
            "when": feeds.when(session),
            "venue": session.venue,
            "address": feeds.address_lines(session.venue),
            "access": feeds.access_notes(session.venue),
            "tutors": feeds.tutor_names(session),
            "course_url": feeds.course_url(session.run_id),
        },
    }


def send_reminder(reminder: Reminder) -> None:
    email = _tutor_email(reminder) if reminder.as_tutor else _trainee_email(reminder)
    emails.send(
        to=[reminder.person.email],
        attachments=[("session.ics", feeds.session_invitation(reminder.session), "text/calendar")],
        **email,
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


@task
def send_due_reminders() -> int:
    """Email each assigned tutor and each booked trainee the reminder due now for each session
    of an open run. Returns how many reminders were sent."""
    now = timezone.now()
    with transaction.atomic():
        claimed = claim(due_reminders(now))
        # Sent only once the claims are saved: a rolled-back claim sends nothing.
        transaction.on_commit(lambda: _send_all(claimed))
    return len(claimed)


# --- reflections -------------------------------------------------------------------------------


def _send_reflection_reminders(due: list[administrations.ReflectionDue]) -> None:
    for found in due:
        administration = found.administration
        try:
            emails.send(
                to=[found.person.email],
                subject=(
                    f"Your {administration.get_phase_display().lower()}-course reflection: "
                    f"{administration.label}"
                ),
                template="reflection_due",
                context={
                    "person": found.person,
                    "administration": administration,
                    "before": administration.phase == Phase.BEFORE,
                    "closes": (
                        date_format(timezone.localtime(found.closes_at), "l j F Y")
                        if found.closes_at
                        else ""
                    ),
                    "answer_url": f"{feeds.base_url()}/reflections/{administration.pk}/",
                },
            )
        except Exception:
            logger.exception(
                "Could not send the reflection reminder for administration %s to user %s.",
                administration.pk,
                found.person.pk,
            )


@task
def send_due_reflection_reminders() -> int:
    """Email each trainee whose before or after reflection is waiting for them, once per
    survey. Returns how many were sent."""
    now = timezone.now()
    with transaction.atomic():
        due = {found.key: found for found in administrations.reflection_reminders_due(now)}
        inserted = insert_claims(ReflectionReminder, ("administration", "person"), list(due))
        claimed = [due[key] for key in inserted]
        transaction.on_commit(lambda: _send_reflection_reminders(claimed))
    return len(claimed)


@task
def refresh_dashboard_figures() -> int:
    """Work out the programme dashboard's figures again (schedule it every 10 minutes). Returns
    how many rows of figures there are."""
    return figures.figures_refresh().rows
