"""Messages to a run's group: a lead of the run's site, or one of its tutors, writes to everyone
with a place, everyone waiting, or both. Each person is told by their own channel (email, text
or a letter to print) after the message is saved; the message is kept with whom it went to, so
the run's pages and each trainee's course page show it.

A run's group gets at most MESSAGES_PER_DAY messages in any 24 hours, whoever sends them: each
one reaches people's phones and letterboxes, and more is a mistake or misuse. Messages go to
runs open for booking or still being planned; a cancelled run's people were told it was
cancelled, and are contacted one by one after that."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from cms.models import ContactChannel
from courses import errors
from courses.common import links
from courses.common.channels import channel_for, tell
from courses.errors import CoursesError
from courses.models import CourseRun, Enrolment, RunMessage, RunMessageRecipient, Session
from courses.models.group_messages import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH, reach_summary

logger = logging.getLogger(__name__)

MESSAGES_PER_DAY = 3
LIMIT_WINDOW = timedelta(hours=24)
SENDABLE = (CourseRun.Status.OPEN, CourseRun.Status.PLANNING)
# A text carries the start of a long message: the rest is on the course page (or in the email).
TEXT_BODY_CHARACTERS = 240
EMAIL_TEMPLATE = "courses/workshops/email/group_message.txt"
TEXT_TEMPLATE = "courses/workshops/email/group_message_text.txt"
# How many of a run's messages its pages list (newest first); the messages page has them all.
RECENT = 5

Audience = RunMessage.Audience

_STATUSES = {
    Audience.BOOKED: Enrolment.ON_THE_COURSE,
    Audience.WAITING: (Enrolment.Status.WAITLISTED,),
    Audience.BOTH: (*Enrolment.ON_THE_COURSE, Enrolment.Status.WAITLISTED),
}
_NOBODY = {
    Audience.BOOKED: errors.GROUP_MESSAGE_NOBODY_BOOKED,
    Audience.WAITING: errors.GROUP_MESSAGE_NOBODY_WAITING,
    Audience.BOTH: errors.GROUP_MESSAGE_NOBODY,
}


@dataclass(frozen=True)
class Reach:
    """How many people of a group each channel reaches, and how many we cannot reach at all."""

    email: int = 0
    text: int = 0
    letter: int = 0
    unreachable: int = 0

    @property
    def total(self) -> int:
        return self.email + self.text + self.letter + self.unreachable

    @property
    def summary(self) -> str:
        """ "9 people: 6 by email, 2 by text, 1 by letter"."""
        return reach_summary(
            email=self.email, text=self.text, letter=self.letter, unreachable=self.unreachable
        )


# --- reads ------------------------------------------------------------------------------------


def run_for_tutor(user, run_id) -> CourseRun:
    """A run where `user` teaches at least one session (a superuser: any run); 404 otherwise."""
    runs = CourseRun.objects.select_related("programme", "site")
    if not user.is_superuser:
        teaching = Session.objects.filter(run=OuterRef("pk")).filter(
            Q(lay_tutor__user=user) | Q(clinical_tutor__user=user)
        )
        runs = runs.filter(Exists(teaching))
    run = runs.filter(pk=run_id).first()
    if run is None:
        raise Http404("No such course run.")
    return run


def group_of(run, audience: str) -> list:
    """The people of `run` in `audience`, each once, in booking order. One query."""
    enrolments = (
        Enrolment.objects.filter(run=run, status__in=_STATUSES[audience])
        .select_related("trainee")
        .order_by("enrolled_at", "pk")
    )
    return list({enrolment.trainee_id: enrolment.trainee for enrolment in enrolments}.values())


def reach_of(people) -> Reach:
    counts = dict.fromkeys(("email", "text", "letter", ""), 0)
    for person in people:
        counts[channel_for(person)] += 1
    return Reach(counts["email"], counts["text"], counts["letter"], counts[""])


def group_reach(run, audience: str) -> Reach:
    """How a message to `audience` would go out, for the confirmation step. One query."""
    return reach_of(group_of(run, audience))


def run_messages(run) -> QuerySet:
    """A run's messages, newest first, with who sent each."""
    return RunMessage.objects.filter(run=run).select_related("sender")


def recent_run_messages(run) -> dict:
    """The newest RECENT messages for a run's pages, and how many there are in all. Two queries."""
    return {
        "recent": list(run_messages(run)[:RECENT]),
        "count": RunMessage.objects.filter(run=run).count(),
    }


def messages_received(run, person) -> list:
    """The messages to `run`'s group that `person` was sent (newest first), each exactly as they
    were sent it. Nobody signed in: none. One query."""
    if person is None or not person.is_authenticated:
        return []
    return list(
        RunMessageRecipient.objects.filter(message__run=run, person=person)
        .select_related("message")
        .order_by("-message__sent_at", "-message__pk")
    )


def sent_recently(run, now) -> list:
    """When the run's messages of the last 24 hours were sent, oldest first."""
    return list(
        RunMessage.objects.filter(run=run, sent_at__gt=now - LIMIT_WINDOW)
        .order_by("sent_at")
        .values_list("sent_at", flat=True)
    )


def messages_left(run) -> int:
    """How many more messages the group may be sent now."""
    return max(0, MESSAGES_PER_DAY - len(sent_recently(run, timezone.now())))


# --- the rules --------------------------------------------------------------------------------


def clean_message(*, subject: str, body: str) -> tuple[str, str]:
    """The subject and body without surrounding spaces; refuses empty or too long ones."""
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise CoursesError(errors.GROUP_MESSAGE_SUBJECT_REQUIRED)
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise CoursesError(
            errors.GROUP_MESSAGE_SUBJECT_TOO_LONG.format(
                limit=SUBJECT_MAX_LENGTH, length=len(subject)
            )
        )
    if not body:
        raise CoursesError(errors.GROUP_MESSAGE_BODY_REQUIRED)
    if len(body) > BODY_MAX_LENGTH:
        raise CoursesError(
            errors.GROUP_MESSAGE_BODY_TOO_LONG.format(limit=BODY_MAX_LENGTH, length=len(body))
        )
    return subject, body


def check_can_send(run, audience: str, people: list, now) -> None:
    """Refuses a message to a cancelled run, to nobody, or over the day's limit."""
    if audience not in _STATUSES:
        raise CoursesError(errors.GROUP_MESSAGE_AUDIENCE_REQUIRED)
    if run.status not in SENDABLE:
        raise CoursesError(errors.GROUP_MESSAGE_CANCELLED)
    if not people:
        raise CoursesError(_NOBODY[audience])
    recent = sent_recently(run, now)
    if len(recent) >= MESSAGES_PER_DAY:
        # The oldest of the last MESSAGES_PER_DAY leaves the window first.
        free_at = timezone.localtime(recent[-MESSAGES_PER_DAY] + LIMIT_WINDOW)
        raise CoursesError(
            errors.GROUP_MESSAGE_LIMIT.format(
                limit=MESSAGES_PER_DAY,
                time=f"{date_format(free_at, 'H:i')} on {date_format(free_at, 'l j F')}",
                site=run.site.name,
            )
        )


def message_preview(*, run, audience: str, subject: str, body: str) -> Reach:
    """Check a message could be sent now, without sending it: what the confirmation step shows."""
    clean_message(subject=subject, body=body)
    people = group_of(run, audience)
    check_can_send(run, audience, people, timezone.now())
    return reach_of(people)


def text_preview(*, run, subject: str, body: str) -> str:
    """What a person who wants texts will read, for the confirmation step."""
    return render_to_string(
        TEXT_TEMPLATE,
        {
            "run": run,
            "site": run.site,
            "message": {"subject": subject.strip(), "body": body.strip()},
            "course_url": _course_url(run),
            "text_body_characters": TEXT_BODY_CHARACTERS,
        },
    ).strip()


def _course_url(run) -> str:
    """The course page's address, for a run trainees can see (open for booking); else ""."""
    return links.course_url(run.pk) if run.status == CourseRun.Status.OPEN else ""


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic
def run_message_send(*, run, sender, audience: str, subject: str, body: str) -> RunMessage:
    """Keep a message to `run`'s group, with each person it goes to and by which channel, and
    after commit tell each of them by that channel. Refuses (saving nothing) an empty or too
    long message, a cancelled run, a group with nobody in it, and a group already sent
    MESSAGES_PER_DAY messages in the last 24 hours."""
    subject, body = clean_message(subject=subject, body=body)
    # Lock the run so two messages sent at the same moment are counted one after the other.
    run = CourseRun.objects.select_for_update().select_related("site").get(pk=run.pk)
    now = timezone.now()
    people = group_of(run, audience)
    check_can_send(run, audience, people, now)
    reach = reach_of(people)
    message = RunMessage(
        run=run,
        sender=sender,
        audience=audience,
        subject=subject,
        body=body,
        sent_at=now,
        by_email=reach.email,
        by_text=reach.text,
        by_letter=reach.letter,
        unreachable=reach.unreachable,
    )
    message.full_clean()
    message.save()
    RunMessageRecipient.objects.bulk_create(
        RunMessageRecipient(message=message, person=person, channel=channel_for(person))
        for person in people
    )
    logger.info(
        "Run message %s to run %s (%s) by user %s: %s people, %s by email, %s by text, "
        "%s by letter, %s unreachable.",
        message.pk,
        run.pk,
        audience,
        getattr(sender, "pk", None),
        reach.total,
        reach.email,
        reach.text,
        reach.letter,
        reach.unreachable,
    )
    transaction.on_commit(partial(run_message_send_out, message.pk))
    return message


def run_message_send_out(message_id: int) -> int:
    """Tell each recipient of a saved message, one message each, by their channel (emails and
    texts go into their outboxes, letters into the site's batch). Returns how many were told."""
    message = RunMessage.objects.select_related("run__site", "sender").filter(pk=message_id).first()
    if message is None:
        return 0
    run = message.run
    site = run.site
    course_url = _course_url(run)
    told = 0
    for recipient in message.recipients.select_related("person").order_by("pk"):
        person = recipient.person
        try:
            channel = tell(
                person,
                subject=f"{run.title}: {message.subject}",
                template=EMAIL_TEMPLATE,
                context={
                    "person": person,
                    "message": message,
                    "run": run,
                    "site": site,
                    "course_url": course_url,
                    "by_letter": channel_for(person) == ContactChannel.LETTER,
                    "text_body_characters": TEXT_BODY_CHARACTERS,
                },
                kind="group_message",
                run=run,
                reply_to=[site.contact_email] if site.contact_email else (),
            )
        except Exception:  # one person's failure must not stop the others being told
            logger.exception("Run message %s not sent to person %s.", message.pk, person.pk)
            continue
        told += bool(channel)
    return told
