"""Feedback after each workshop session, as delivery sees it.

Each session of a run has two administrations of its programme's questionnaires, targeted at
the session (content type courses.session and its id; `assessments` knows nothing of sessions):
- SESSION: the trainees' one-minute form (the programme's SESSION_FEEDBACK questionnaire), for
  the people on the course (booked or completed) who were not marked absent or sent apologies;
- DEBRIEF: each tutor's debrief (the programme's TUTOR_DEBRIEF questionnaire), for the session's
  lay tutor and clinical tutor only.

Both open when the session ends and close at the end of the local day `CLOSES_AFTER_DAYS` days
later (a session ending on Tuesday evening: open until midnight at the end of Friday). A
cancelled run asks nothing.

They are made by the scheduler (`session_administrations_ensure_due`, from the 15-minute
reminders job), for sessions that ended recently, so a run's sessions can be moved or
re-timed freely until they happen; a session made and taught before the questionnaires existed
is not asked about afterwards.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count

from assessments.models import (
    Administration,
    Answer,
    ItemKind,
    Phase,
    Purpose,
    ReflectionReminder,
    Response,
)
from assessments.reflections import windows
from assessments.reflections.instruments import version_for_programme
from assessments.reflections.responses import answer_display
from cms.templatetags.wording import deadline
from courses.common import links, mail
from courses.common.queries import insert_claims
from courses.models import Attendance, CourseRun, Enrolment, Session
from courses.reflections.administrations import after_closes, answered_or_reminded

logger = logging.getLogger(__name__)

SESSION_MODEL = "courses.session"
# The feedback and the debrief stay open to the end of the day this many days after the session.
CLOSES_AFTER_DAYS = 3
# Sessions that ended this long ago or less get their administrations when the scheduler looks.
LOOK_BACK = timedelta(days=CLOSES_AFTER_DAYS + 1)

PURPOSE_OF_PHASE = {Phase.SESSION: Purpose.SESSION_FEEDBACK, Phase.DEBRIEF: Purpose.TUTOR_DEBRIEF}
# A trainee marked like this on the session's register is not asked about it.
NOT_THERE = (Attendance.Status.ABSENT, Attendance.Status.APOLOGIES)


def _session_type() -> ContentType:
    return ContentType.objects.get_by_natural_key("courses", "session")


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def session_administrations_ensure(*, session: Session) -> list[Administration]:
    """The session's feedback and debrief, asking the latest version of its programme's
    questionnaire for each (none for a purpose the programme has no questionnaire for).
    Existing ones are kept as they are."""
    run = session.run
    content_type = _session_type()
    made = []
    for phase, purpose in PURPOSE_OF_PHASE.items():
        version = version_for_programme(run.programme_id, purpose)
        if version is None:
            continue
        administration, _ = Administration.objects.get_or_create(
            target_type=content_type,
            target_id=session.pk,
            phase=phase,
            months=0,
            defaults={
                "version": version,
                "programme_id": run.programme_id,
                "label": f"{run.title or run}, session {session.number}"[:300],
                "closes_after_days": CLOSES_AFTER_DAYS,
            },
        )
        made.append(administration)
    return made


def session_administrations_ensure_due(*, now: datetime) -> int:
    """Make the feedback and debrief of every session of a run not cancelled that ended in the
    last `LOOK_BACK` and has not got both yet. Safe to run twice. Returns how many sessions it
    looked at."""
    have_both = (
        Administration.objects.filter(target_type=_session_type(), phase__in=list(PURPOSE_OF_PHASE))
        .values("target_id")
        .order_by()
    )
    complete = have_both.annotate(kinds=Count("phase")).filter(kinds=2).values("target_id")
    sessions = (
        Session.objects.filter(ends_at__lte=now, ends_at__gt=now - LOOK_BACK)
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .exclude(pk__in=complete)
        .select_related("run")
    )
    count = 0
    for session in sessions:
        session_administrations_ensure(session=session)
        count += 1
    return count


# --- windows -----------------------------------------------------------------------------------


def session_windows(person, administrations) -> dict[int, windows.Window]:
    """Which of these session administrations are this person's, and when: the feedback for
    the trainees who were there, the debrief for the session's two tutors. Three queries."""
    by_session: dict[int, list[Administration]] = {}
    for administration in administrations:
        by_session.setdefault(administration.target_id, []).append(administration)
    sessions = (
        Session.objects.filter(pk__in=by_session)
        .exclude(run__status=CourseRun.Status.CANCELLED)
        .select_related("lay_tutor", "clinical_tutor")
    )
    sessions = list(sessions)
    on_course = set(
        Enrolment.objects.filter(
            trainee=person,
            run_id__in={session.run_id for session in sessions},
            status__in=Enrolment.ON_THE_COURSE,
        ).values_list("run_id", flat=True)
    )
    not_there = set(
        Attendance.objects.filter(
            session__in=sessions, enrolment__trainee=person, status__in=NOT_THERE
        ).values_list("session_id", flat=True)
    )
    found = {}
    for session in sessions:
        for administration in by_session[session.pk]:
            if administration.phase == Phase.SESSION:
                asked = session.run_id in on_course and session.pk not in not_there
            elif administration.phase == Phase.DEBRIEF:
                asked = session.is_taught_by(person.pk)
            else:
                asked = False
            if asked:
                found[administration.pk] = windows.Window(
                    session.ends_at, after_closes(administration, session.ends_at)
                )
    return found


# --- asking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackDue:
    administration: Administration
    person: object  # a User
    closes_at: datetime

    @property
    def key(self) -> tuple[int, int]:
        return (self.administration.pk, self.person.pk)


def session_feedback_due(now: datetime) -> list[FeedbackDue]:
    """One email per open session administration and person, not yet sent and not yet
    answered: the feedback to each trainee who was there, the debrief to each of the two
    tutors. Six queries however many sessions and people."""
    session_type = _session_type()
    recent = Session.objects.filter(ends_at__lte=now, ends_at__gt=now - LOOK_BACK).exclude(
        run__status=CourseRun.Status.CANCELLED
    )
    administrations = list(
        Administration.objects.filter(
            target_type=session_type,
            phase__in=list(PURPOSE_OF_PHASE),
            target_id__in=recent.values("pk"),
        )
    )
    if not administrations:
        return []
    sessions = {
        session.pk: session
        for session in Session.objects.filter(
            pk__in={a.target_id for a in administrations}
        ).select_related("lay_tutor__user", "clinical_tutor__user")
    }
    enrolments = (
        Enrolment.objects.filter(
            run_id__in={session.run_id for session in sessions.values()},
            status__in=Enrolment.ON_THE_COURSE,
            trainee__is_active=True,
        )
        .select_related("trainee")
        .order_by("pk")
    )
    by_run: dict[int, list] = {}
    for enrolment in enrolments:
        by_run.setdefault(enrolment.run_id, []).append(enrolment)
    not_there = set(
        Attendance.objects.filter(session__in=list(sessions), status__in=NOT_THERE).values_list(
            "session_id", "enrolment_id"
        )
    )
    done = answered_or_reminded(administrations)
    due = []
    for administration in administrations:
        session = sessions[administration.target_id]
        closes = after_closes(administration, session.ends_at)
        if now >= closes:
            continue
        if administration.phase == Phase.SESSION:
            people = [
                enrolment.trainee
                for enrolment in by_run.get(session.run_id, [])
                if (session.pk, enrolment.pk) not in not_there
            ]
        else:
            people = [
                tutor.user
                for tutor in (session.lay_tutor, session.clinical_tutor)
                if tutor is not None and tutor.user.is_active
            ]
        for person in people:
            found = FeedbackDue(administration, person, closes)
            if person.email and found.key not in done:
                due.append(found)
    return due


def _send(due: list[FeedbackDue]) -> None:
    for found in due:
        administration = found.administration
        debrief = administration.phase == Phase.DEBRIEF
        try:
            mail.send(
                to=[found.person.email],
                subject=(
                    f"Your debrief: {administration.label}"
                    if debrief
                    else f"A minute of feedback: {administration.label}"
                ),
                template="courses/reflections/email/session_feedback_due.txt",
                context={
                    "person": found.person,
                    "administration": administration,
                    "debrief": debrief,
                    "closes": deadline(found.closes_at),
                    "answer_url": links.reflection_url(administration.pk),
                },
            )
        except Exception:
            logger.exception(
                "Could not send the session feedback email for administration %s to user %s.",
                administration.pk,
                found.person.pk,
            )


def session_feedback_send_due(*, now: datetime) -> int:
    """Make the administrations of the sessions just ended, then email each person theirs,
    once (a claim recorded as a ReflectionReminder; sent through the outbox after commit).
    Returns how many emails were claimed."""
    session_administrations_ensure_due(now=now)
    with transaction.atomic():
        due = {found.key: found for found in session_feedback_due(now)}
        inserted = insert_claims(ReflectionReminder, ("administration", "person"), list(due))
        claimed = [due[key] for key in inserted]
        transaction.on_commit(lambda: _send(claimed))
    return len(claimed)


def register() -> None:
    """Called from CoursesConfig.ready()."""
    windows.register(SESSION_MODEL, session_windows)


# --- what the session's tutors and its site's leads read ---------------------------------------


@dataclass(frozen=True)
class PointCount:
    value: int
    label: str
    count: int


@dataclass(frozen=True)
class RatingSummary:
    question: str
    points: list[PointCount]
    answered: int


@dataclass(frozen=True)
class WrittenAnswers:
    question: str
    texts: list[str]


@dataclass(frozen=True)
class Debrief:
    tutor: str
    kind: str  # "Lay tutor", "Clinical tutor"
    answers: list[tuple[str, str]]  # (question, answer as people read it)


@dataclass(frozen=True)
class SessionFeedback:
    asked: bool  # the session has its forms (it has ended, and the programme asks them)
    sent: int  # trainees who sent their feedback
    shared: int  # of them, those who agreed the tutors may read what they wrote
    ratings: list[RatingSummary]
    written: list[WrittenAnswers]
    debriefs: list[Debrief]


def session_feedback_for(session: Session) -> SessionFeedback:
    """The session's trainee feedback without names (each rating counted per point; written
    answers only from those who agreed to share them, in the order of their words) and both
    tutors' debriefs, named. The caller checks the reader is one of the session's tutors or a
    lead of its site. Three queries, whatever the number of people."""
    administrations = {
        administration.phase: administration
        for administration in Administration.objects.filter(
            target_type=_session_type(),
            target_id=session.pk,
            phase__in=list(PURPOSE_OF_PHASE),
        )
    }
    if not administrations:
        return SessionFeedback(asked=False, sent=0, shared=0, ratings=[], written=[], debriefs=[])
    answers = list(
        Answer.objects.filter(
            response__administration__in=list(administrations.values()),
            response__status=Response.Status.SUBMITTED,
        )
        .select_related("item", "response__respondent", "response__administration")
        .order_by("item__position", "item_id", "pk")
    )
    feedback = [a for a in answers if a.response.administration.phase == Phase.SESSION]
    responses = {answer.response_id: answer.response for answer in feedback}
    ratings: dict[int, tuple] = {}
    written: dict[int, tuple] = {}
    for answer in feedback:
        item = answer.item
        if item.kind == ItemKind.RATING and answer.number is not None:
            _item, counts = ratings.setdefault(item.pk, (item, {}))
            counts[answer.number] = counts.get(answer.number, 0) + 1
        elif item.kind == ItemKind.FREE_TEXT and answer.text and answer.response.share_with_tutors:
            written.setdefault(item.pk, (item, []))[1].append(answer.text)
    tutors = {
        session.lay_tutor.user_id if session.lay_tutor else None: "Lay tutor",
        session.clinical_tutor.user_id if session.clinical_tutor else None: "Clinical tutor",
    }
    debriefs: dict[int, Debrief] = {}
    for answer in answers:
        if answer.response.administration.phase != Phase.DEBRIEF:
            continue
        person = answer.response.respondent
        debrief = debriefs.setdefault(
            person.pk,
            Debrief(
                tutor=person.get_full_name() or person.email,
                kind=tutors.get(person.pk, "Tutor"),
                answers=[],
            ),
        )
        debrief.answers.append((answer.item.text, answer_display(answer.item, answer)))
    return SessionFeedback(
        asked=True,
        sent=len(responses),
        shared=sum(1 for response in responses.values() if response.share_with_tutors),
        ratings=[
            RatingSummary(
                question=item.text,
                points=[
                    PointCount(
                        point["value"], point.get("label") or "", counts.get(point["value"], 0)
                    )
                    for point in item.points
                ],
                answered=sum(counts.values()),
            )
            for item, counts in ratings.values()
        ],
        written=[
            WrittenAnswers(question=item.text, texts=sorted(texts, key=str.casefold))
            for item, texts in written.values()
        ],
        debriefs=sorted(debriefs.values(), key=lambda debrief: debrief.kind != "Lay tutor"),
    )
